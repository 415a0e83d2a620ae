"""The xlsx plumbing every sheet writes through: styles made once, the sheet wrapper that writes each value as
what it is (text as text, numbers, dates, links), table rows, column widths, row heights and print setup.

Every text goes through `safety.cell_text` and is written with `write_string` (never `write`); every link
through `safety.excel_link`. The workbook is written with XlsxWriter's constant_memory, one row at a time, in
order: the table sheets plan their widths before the first row, so each row's height is set before its cells;
the other sheets keep their cells in a `RowBuffer` until they are finished.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ... import palette, safety
from ...briefing import Link
from ...formatting import signed
from ...present.views import MastheadView
from ...present.words import Day
from .metrics import fitted, text_px, wrapped_height

# constant_memory: each row goes to a temporary file as soon as the next begins, so a 100,000-row sheet is
# never held as cell objects (the sheets that are not written row by row go through a RowBuffer).
SAFE_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
# Arial 10 as the workbook's own font: Excel has it everywhere and LibreOffice has a metric twin (Liberation
# Sans), so column widths (counted in the default font's digits) and wrapped lines come out alike in both.
FONT_OPTIONS = {"default_format_properties": {"font_name": "Arial", "font_size": 10}, "default_row_height": 17,
                "default_column_width": 64}

MAX_LINKS_PER_SHEET = 65_530  # Excel's limit of hyperlinks on one sheet; past it a link shows as its text
WIDTH_SAMPLE = 200  # texts measured per column before only longer ones are

# Colours, from the one palette.
INK, MUTED, NAVY, GRID = palette.INK, palette.MUTED, palette.HEADER, palette.RULE
# Number and date formats as every format writes them: a real minus sign, dates in the house style.
SIGNED_FORMAT = '+0.00;"\u2212"0.00;0.00'
DATE_FORMAT = "d mmm yyyy"

STYLES: dict[str, dict[str, object]] = {
    "base": {"valign": "top", "font_color": INK, "font_name": "Arial", "font_size": 10},
    "title": {"bold": True, "font_size": 20, "font_color": NAVY},
    "subtitle": {"italic": True, "font_size": 12, "font_color": MUTED},
    "section": {"bold": True, "font_size": 14, "font_color": NAVY, "bottom": 2, "bottom_color": NAVY},
    "block": {"bold": True, "font_size": 12, "font_color": NAVY, "valign": "bottom"},
    "label": {"bold": True},
    "header": {"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "text_wrap": True, "border": 1,
               "border_color": NAVY},
    "cell": {"border": 1, "border_color": GRID},
    "wrap": {"text_wrap": True},
    "muted": {"font_color": MUTED},
    "bold": {"bold": True},
    "big": {"bold": True, "font_size": 13},
    "link": {"font_color": palette.LINK, "underline": 1},
    "date": {"num_format": DATE_FORMAT, "align": "left"},
    "score": {"num_format": SIGNED_FORMAT, "align": "right"},
    "weight": {"num_format": "0.00", "align": "right"},
    "int": {"num_format": '0;"\u2212"0', "align": "right"},  # a real minus, as everywhere
    "state": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "border": 1},
}
NUMBER_KINDS = ("score", "weight", "int")


class Amount(NamedTuple):
    """A signal's Value as a number, with the decimals its unit shows (present.views.SignalLine.places)."""

    number: float
    places: int

    @property
    def num_format(self) -> str:
        digits = "#,##0" + ("." + "0" * self.places if self.places else "")
        return f'{digits};"\u2212"{digits}'  # a real minus, as everywhere


@dataclass(frozen=True)
class Column:
    """A table column: its header, the kind of value it holds and its (least, most) width."""

    header: str
    kind: str = "text"  # text, date, link, score, weight, int
    least: int = 8
    most: int = 40
    align: str | None = None  # centre short codes (Yes, 2) so they do not run into their neighbours


class Styles:
    """Formats made on demand from named parts, each combination built once and looked up by its parts after."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[tuple[str, object], ...], Format] = {}
        # The same few combinations recur on every row: look them up by their parts, not their properties.
        self.by_parts: dict[tuple[object, ...], Format] = {}
        self.props_by_parts: dict[tuple[object, ...], dict[str, object]] = {}

    @staticmethod
    def props(*names: str, **extra: Any) -> dict[str, object]:
        """The format properties of named parts (later names win), then `extra`."""
        props: dict[str, object] = dict(STYLES["base"])
        for name in names:
            props.update(STYLES[name])
        props.update(extra)
        return props

    def cached_props(self, *names: str, **extra: Any) -> dict[str, object]:
        """`props`, computed once per combination (callers must not change the dict)."""
        key = (names, *sorted(extra.items()))
        found = self.props_by_parts.get(key)
        if found is None:
            found = self.props_by_parts[key] = self.props(*names, **extra)
        return found

    def __call__(self, *names: str, quote: bool = False, **extra: Any) -> Format:
        parts = (names, quote, *sorted(extra.items()))
        found = self.by_parts.get(parts)
        if found is not None:
            return found
        props = self.props(*names, **extra)
        if quote:
            props["quote_prefix"] = True
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.book.add_format(props)
        self.by_parts[parts] = self.cache[key]
        return self.cache[key]


class RowBuffer:
    """Stands in for a worksheet whose cells are not written row by row (the Briefing sheet learns its row
    heights at the end; the evidence chart adds helper cells beside its table). The workbook is written with
    XlsxWriter's constant_memory, which writes each row once, in order: so the cell writes wait here and reach
    the worksheet row by row, each row's height first, when the sheet is finished (`flush`).
    Everything that is not a cell write goes straight to the worksheet."""

    CELL_WRITES = frozenset({"write_string", "write_number", "write_blank", "write_datetime", "write_url",
                             "write_formula"})

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.cells: list[tuple[int, int, str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        if name in self.CELL_WRITES:
            def keep(row: int, col: int, *args: Any) -> int:
                self.cells.append((row, col, name, args))
                return 0

            return keep
        return getattr(self.ws, name)

    def flush(self, heights: dict[int, float]) -> None:
        """Every kept cell, row by row (each row's height set before its cells), then nothing is kept."""
        by_row: dict[int, list[tuple[int, str, tuple[Any, ...]]]] = {}
        for row, col, method, args in self.cells:
            by_row.setdefault(row, []).append((col, method, args))
        for row in sorted(by_row.keys() | heights.keys()):
            if row in heights:
                self.ws.set_row(row, heights[row])
            for col, method, args in sorted(by_row.get(row, ()), key=lambda cell: cell[0]):
                getattr(self.ws, method)(row, col, *args)
        self.cells.clear()


@dataclass
class Sheet:
    """A worksheet and what it learns while being written: column widths, row heights, links, cut texts.

    `ordered` sheets are written row by row (the table sheets: their widths are planned before the first
    row, so each row's height is known before its cells); the others write through a `RowBuffer`."""

    ws: Worksheet
    name: str
    styles: Styles
    cuts: list[str]
    ordered: bool = True
    widths: dict[int, float] = field(default_factory=dict)  # pixels of the longest line
    heights: dict[int, float] = field(default_factory=dict)  # rows that need more than the default
    wrapped: list[tuple[int, int, str, dict[str, object]]] = field(default_factory=list)
    links: int = 0
    measured: dict[int, int] = field(default_factory=dict)  # texts measured per column
    longest: dict[int, int] = field(default_factory=dict)  # the most characters measured per column
    planned: dict[int, int] = field(default_factory=dict)  # column widths (units) planned before the rows

    def _seen(self, row: int, col: int, text: str, props: dict[str, object], fit: bool = True) -> None:
        # Widths from a bounded sample: the first WIDTH_SAMPLE texts of a column, then only a text with more
        # characters than any measured, so a long table costs a length check per cell, not a measurement.
        if fit and (self.measured.get(col, 0) < WIDTH_SAMPLE or len(text) > self.longest.get(col, 0)):
            self.measured[col] = self.measured.get(col, 0) + 1
            self.longest[col] = max(self.longest.get(col, 0), len(text))
            longest = max((text_px(line, props) for line in text.splitlines()), default=0.0)
            self.widths[col] = max(self.widths.get(col, 0.0), longest)
        if props.get("text_wrap") and not self.ordered:  # an ordered sheet sizes its rows as it writes them
            self.wrapped.append((row, col, text, props))
        elif float(props.get("font_size", 10)) > 10:  # type: ignore[arg-type]
            self.height(row, float(props["font_size"]) * 1.3 + 3)  # type: ignore[arg-type]

    def _cut(self, row: int, col: int, safe: safety.CellText) -> None:
        if safe.cut:
            self.cuts.append(f"{self.name}!{xl_rowcol_to_cell(row, col)}: {safe.cut:,} characters cut to fit "
                             f"Excel's {safety.EXCEL_CELL_LIMIT:,} per cell")

    def height(self, row: int, points: float) -> None:
        """At least this tall (points); 0 asks for nothing. An ordered sheet must ask before leaving the row."""
        if points > 0:
            self.heights[row] = max(self.heights.get(row, 0), points)
            if self.ordered:
                self.ws.set_row(row, self.heights[row])

    def text(self, row: int, col: int, value: str | None, *style: str, fit: bool = True, **extra: Any) -> None:
        """Text as text: write_string, quote prefix when needed, cut when too long."""
        if value is None or value == "":
            self.ws.write_blank(row, col, None, self.styles(*style, **extra))
            return
        safe = safety.cell_text(value)
        self._cut(row, col, safe)
        self.ws.write_string(row, col, safe.text, self.styles(*style, quote=safe.quote, **extra))
        self._seen(row, col, safe.text, self.styles.cached_props(*style, **extra), fit)

    def number(self, row: int, col: int, value: float | None, kind: str, *style: str, **extra: Any) -> None:
        """A real number with the number format of `kind` (score, weight, int)."""
        if value is None:  # blank, not a text dash: the column stays numbers only
            self.text(row, col, None, *style, **{"align": "right", **extra})
            return
        self.ws.write_number(row, col, value, self.styles(*style, kind, **extra))
        if self.measured.get(col, 0) < WIDTH_SAMPLE:  # a number's width varies little: a sample will do
            shown = signed(value) if kind == "score" else f"{value:.2f}" if kind == "weight" else f"{value:g}"
            self._seen(row, col, shown, self.styles.cached_props(*style, **extra))

    def date(self, row: int, col: int, value: dt.date | None, *style: str, shown: str | None = None,
             **extra: Any) -> None:
        """A real date in the house style; `shown` replaces what the cell shows (e.g. "by end of 2026-Q4")
        while the value stays the date, so the column still sorts and filters by date."""
        if value is None:  # blank, not a text dash: the column stays dates only
            self.text(row, col, None, *style, **extra)
            return
        if shown is not None:
            # The year as a date code keeps the cell a date to Excel, LibreOffice and openpyxl alike.
            literal = shown.replace('"', "").replace(str(value.year), '"yyyy"')
            extra = {**extra, "num_format": f'"{literal}"'.replace('""', "")}
        self.ws.write_number(row, col, _serial(value), self.styles(*style, "date", **extra))
        if self.measured.get(col, 0) < WIDTH_SAMPLE:
            self._seen(row, col, shown or "30 Sep 2026", self.styles.cached_props(*style, **extra))

    def link(self, row: int, col: int, value: Link | None, *style: str, **extra: Any) -> None:
        """The link's text, as a hyperlink only when its address is http, https or mailto."""
        if value is None:
            self.text(row, col, None, *style, **extra)
            return
        url = safety.excel_link(value.url)
        if url is None or self.links >= MAX_LINKS_PER_SHEET:
            self.text(row, col, value.text, *style, **extra)
            return
        safe = safety.cell_text(value.text or url)
        self._cut(row, col, safe)
        self.ws.write_url(row, col, url, self.styles(*style, "link", quote=safe.quote, **extra), safe.text)
        self.links += 1
        self._seen(row, col, safe.text, self.styles.cached_props(*style, "link", **extra))

    def put(self, row: int, col: int, kind: str, value: object, *style: str, **extra: Any) -> None:
        """Any table value by its column kind; "" leaves the cell blank (not even a dash)."""
        if value == "":
            self.text(row, col, None, *style, **extra)
        elif isinstance(value, Day):
            # A quarter due ("by end of 2026-Q4") shows as written; the value stays its date.
            self.date(row, col, value.value, *style, shown=None if value.text[:1].isdigit() else value.text, **extra)
        elif kind in NUMBER_KINDS:
            self.number(row, col, value if isinstance(value, (int, float)) else None, kind, *style, **extra)
        elif kind == "date":
            self.date(row, col, value if isinstance(value, dt.date) else None, *style, **extra)
        elif kind == "link":
            self.link(row, col, value if isinstance(value, Link) else None, *style, "wrap", **extra)
        else:
            self.text(row, col, None if value is None else str(value), *style, "wrap", **extra)

    def fit(self, caps: Sequence[tuple[int, int]]) -> None:
        """Column widths from the longest text seen, between each column's (least, most); then row heights.

        Neither Excel nor LibreOffice sizes rows for wrapped text in a file they did not lay out themselves,
        so the rows that wrap get a height from an estimate of their lines.
        """
        widths: dict[int, int] = {}
        for col, (least, most) in enumerate(caps):
            widths[col] = self.planned.get(col) or fitted(self.widths.get(col, 0.0), least, most)
            self.ws.set_column(col, col, widths[col])
        for row, col, text, props in self.wrapped:
            if col in widths:
                self.height(row, wrapped_height(text, widths[col], props))
        if not self.ordered:
            cast(RowBuffer, self.ws).flush(self.heights)


def page_setup(sheet: Sheet, masthead: MastheadView, header_rows: tuple[int, int] | None,
               freeze: tuple[int, int]) -> None:
    """Print setup (landscape, one page wide, repeated header rows, header and footer) and frozen panes."""
    ws = sheet.ws
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    title = safety.page_header_text(masthead.title, 80)
    publication = safety.page_header_text(masthead.publication or "", 60)
    edition = safety.page_header_text(masthead.edition.text)
    ws.set_header(f'&L{publication}&C&"-,Bold"{title}&R{edition} ({masthead.week})')
    ws.set_footer("&L&A&RPage &P of &N")
    ws.freeze_panes(*freeze)


def _shown(kind: str, value: object) -> str:
    """What a table cell shows, as far as its width goes."""
    if value is None or value == "":
        return ""
    if isinstance(value, Day):
        return value.text
    if isinstance(value, Link):
        return value.text or value.url or ""
    if kind in NUMBER_KINDS and isinstance(value, (int, float)):
        return signed(value) if kind == "score" else f"{value:.2f}" if kind == "weight" else f"{value:g}"
    if isinstance(value, Amount):
        return f"{value.number:,.{value.places}f}"
    if isinstance(value, dt.date):
        return "30 Sep 2026"
    return str(value)


EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in Excel's 1900 date system (its 1900 leap-year bug included)


@functools.lru_cache(maxsize=4096)
def _serial(day: dt.date) -> int:
    """The day's Excel serial number (1900 date system), as XlsxWriter's write_datetime stores it."""
    return (day - EXCEL_EPOCH).days


def _plain_date(value: object) -> dt.date | None:
    """The date of a date cell shown in the house date format (not a due quarter's words), else None."""
    if isinstance(value, Day):
        return value.value if value.text[:1].isdigit() else None
    return value if type(value) is dt.date else None


def _plan_widths(sheet: Sheet, columns: Sequence[Column], rows: Sequence[Sequence[object]],
                 bold_rows: Collection[int]) -> dict[int, int]:
    """Each column's width (units) before any row is written, from its header and a bounded sample: the first
    WIDTH_SAMPLE texts, then only a text with more characters than any measured. A long table costs a length
    check per cell, not a measurement, and each row's height is known when the row is written."""
    header = sheet.styles.cached_props("header")
    plain_props, bold_props = sheet.styles.cached_props("cell"), sheet.styles.cached_props("cell", "bold")
    widths: dict[int, int] = {}
    for col, column in enumerate(columns):
        widest = max(text_px(line, header) for line in column.header.splitlines())
        longest, measured = 0, 0
        for index, values in enumerate(rows):
            text = _shown(column.kind, values[col])
            if measured < WIDTH_SAMPLE or len(text) > longest:
                measured += 1
                longest = max(longest, len(text))
                props = bold_props if index in bold_rows else plain_props
                widest = max(widest, max((text_px(line, props) for line in text.splitlines()), default=0.0))
        widths[col] = fitted(widest, column.least, column.most)
    sheet.planned = widths
    return widths


class _Cells:
    """The formats of one table's cells, by column and (bold, quote), each looked up once."""

    def __init__(self, sheet: Sheet, columns: Sequence[Column]) -> None:
        self.sheet, self.columns = sheet, columns
        self.formats: dict[tuple[int, bool, bool], Format] = {}
        self.props: dict[tuple[int, bool], dict[str, object]] = {}

    def _style(self, col: int, bold: bool) -> tuple[tuple[str, ...], dict[str, Any]]:
        column = self.columns[col]
        names: tuple[str, ...] = ("cell", "bold") if bold else ("cell",)
        if column.kind in NUMBER_KINDS:
            names += (column.kind,)
        elif column.kind == "date":
            names += ("date",)
        elif column.kind == "link":
            names += ("wrap", "link")
        else:
            names += ("wrap",)
        return names, ({"align": column.align} if column.align else {})

    def format(self, col: int, bold: bool, quote: bool = False) -> Format:
        key = (col, bold, quote)
        found = self.formats.get(key)
        if found is None:
            names, extra = self._style(col, bold)
            found = self.formats[key] = self.sheet.styles(*names, quote=quote, **extra)
        return found

    def text_props(self, col: int, bold: bool) -> dict[str, object]:
        key = (col, bold)
        found = self.props.get(key)
        if found is None:
            names, extra = self._style(col, bold)
            found = self.props[key] = self.sheet.styles.cached_props(*names, **extra)
        return found


def table(sheet: Sheet, top: int, columns: Sequence[Column], rows: Sequence[Sequence[object]],
           bold_rows: Collection[int] = (), empty: str = "Nothing yet.") -> tuple[int, int]:
    """A header row at `top`, then the rows, in order; returns (first, last) data row (last < first when none).

    This is where a 100,000-row briefing spends its time, so the common cells (text, links, numbers, dates)
    are written here with formats looked up once per column; any other value goes through `Sheet.put`."""
    widths = _plan_widths(sheet, columns, rows, bold_rows)
    header = sheet.styles.cached_props("header")
    sheet.height(top, max(wrapped_height(c.header, widths[col], header) for col, c in enumerate(columns)))
    for col, column in enumerate(columns):
        sheet.text(top, col, column.header, "header", fit=False)
    if not rows:
        sheet.text(top + 1, 0, empty, "muted", fit=False)
        return top + 1, top
    cells = _Cells(sheet, columns)
    ws, cuts = sheet.ws, sheet._cut
    kinds = [column.kind for column in columns]
    plain_formats = [cells.format(col, False) for col in range(len(columns))]
    bold_formats = [cells.format(col, True) for col in range(len(columns))]
    # The wrapping columns, with their plain and bold text formats: (col, plain, bold).
    wraps = [(col, cells.text_props(col, False), cells.text_props(col, True))
             for col, kind in enumerate(kinds) if kind in ("text", "link")]
    bold_rows = set(bold_rows)
    for index, values in enumerate(rows):
        row = top + 1 + index
        bold = index in bold_rows
        points = 0.0
        for col, plain_props, bold_props in wraps:  # the row's height first: constant_memory writes a row once
            text = _shown(kinds[col], values[col])
            if text:
                points = max(points, wrapped_height(text, widths[col], bold_props if bold else plain_props))
        if points:
            sheet.height(row, points)
        formats = bold_formats if bold else plain_formats
        for col, (kind, value) in enumerate(zip(kinds, values, strict=True)):
            if kind == "text" and value.__class__ is str and value:
                safe = safety.cell_text(value)  # type: ignore[arg-type]
                if safe.cut:
                    cuts(row, col, safe)
                ws.write_string(row, col, safe.text, cells.format(col, bold, True) if safe.quote else formats[col])
            elif kind == "link" and isinstance(value, Link) and sheet.links < MAX_LINKS_PER_SHEET \
                    and (url := safety.excel_link(value.url)) is not None:
                safe = safety.cell_text(value.text or url)
                if safe.cut:
                    cuts(row, col, safe)
                ws.write_url(row, col, url, cells.format(col, bold, True) if safe.quote else formats[col], safe.text)
                sheet.links += 1
            elif kind in NUMBER_KINDS and value.__class__ in (int, float):
                ws.write_number(row, col, value, formats[col])
            elif isinstance(value, Amount):
                ws.write_number(row, col, value.number, sheet.styles(*(("cell", "bold") if bold else ("cell",)),
                                                                     num_format=value.num_format, align="right"))
            elif kind == "date" and (day := _plain_date(value)) is not None:
                # A date cell is its serial number in a date format: what write_datetime stores, made once a day.
                ws.write_number(row, col, _serial(day), formats[col])
            else:  # blanks, dashes, a due quarter, a link that is only text: rare enough for the general path
                extra = {"align": columns[col].align} if columns[col].align else {}
                sheet.put(row, col, kind, value, *(("cell", "bold") if bold else ("cell",)), **extra)
    return top + 1, top + len(rows)

