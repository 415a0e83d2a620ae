"""The briefing as an Excel report (SPEC §6): a Briefing sheet that reads like the page, then one sheet per table.

Only formats what the `Briefing` holds. Text from the workbook is data (SPEC §7): every text goes through
`cell_text`, is written with `write_string` (never `write`), keeps a quote prefix when Excel would read it as
a formula after an edit, and is cut with a visible marker when it is longer than a cell can hold.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .. import schema
from ..analysis import safe_url
from ..briefing import Briefing, Changes, Link, Masthead
from .templating import days, plural, signed

MAX_CELL_CHARS = 32_767  # Excel's limit per cell, in UTF-16 code units
MAX_URL_CHARS = 2_079  # Excel ignores longer hyperlinks
MAX_LINKS_PER_SHEET = 65_530
# Excel reads a cell typed (or re-entered after F2) with these first characters as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SAFE_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
# Arial 10 as the workbook's own font: Excel has it everywhere and LibreOffice has a metric twin (Liberation
# Sans), so column widths (counted in the default font's digits) and wrapped lines come out alike in both.
FONT_OPTIONS = {"default_format_properties": {"font_name": "Arial", "font_size": 10}, "default_row_height": 17,
                "default_column_width": 64}

# Sheet names, in SPEC §6 order after the Briefing itself.
BRIEFING, LABS, EVIDENCE, SIGNALS = "Briefing", "Labs", "Evidence", "Signals"
TIMELINE, WATCHLIST, HEALTH, SOURCES = "Timeline", "Watchlist", "Data health", "Sources"

# Colours: closed weights / pays are warm, open weights / reverts are cool.
INK, MUTED, NAVY, GRID = "#1F2937", "#6B7280", "#1F3A5F", "#D9D9D9"
WARM, WARM_FILL, COOL, COOL_FILL = "#C55A11", "#FCE4D6", "#2E75B6", "#DDEBF7"
STATE_COLOURS: dict[str, tuple[str, str]] = {  # state -> (fill, font)
    "REVERTED": ("#1F4E79", "#FFFFFF"),
    "SPREADING": ("#C00000", "#FFFFFF"),
    "LEANING PAYS": ("#F8CBAD", INK),
    "LEANING REVERTS": ("#BDD7EE", INK),
    "TOO EARLY": ("#E7E6E6", INK),
}

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
    "link": {"font_color": "#0563C1", "underline": 1},
    "date": {"num_format": "yyyy-mm-dd", "align": "left"},
    "score": {"num_format": "+0.00;-0.00;0.00", "align": "right"},
    "weight": {"num_format": "0.00", "align": "right"},
    "int": {"num_format": "0", "align": "right"},
    "state": {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "border": 1},
}
NUMBER_KINDS = ("score", "weight", "int")


# --- Text safety -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CellText:
    """Text ready for a cell: `quote` when it needs the quote prefix, `cut` characters left out."""

    text: str
    quote: bool
    cut: int = 0


# Lone surrogates and U+FFFE/U+FFFF cannot be stored in XML; XlsxWriter escapes the other control characters.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]+")


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def excel_length(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def cut_marker(count: int) -> str:
    """The visible marker that ends a cut text."""
    return f"… [cut: {count:,} characters]"


def cell_text(value: str, limit: int = MAX_CELL_CHARS) -> CellText:
    """Text that stays text and fits: quote-prefixed if it starts like a formula, cut with a marker if too long.

    `limit` is in UTF-16 code units and must leave room for the marker (it is Excel's 32,767 outside tests).
    """
    text = _NOT_XML.sub("\ufffd", value)
    cut = 0
    if excel_length(text) > limit:
        text, cut = _cut(text, limit)
    return CellText(text, text.startswith(FORMULA_STARTS), cut)


def _cut(text: str, limit: int) -> tuple[str, int]:
    # The longest prefix that still fits with the marker; the marker's own digits count against the limit,
    # and fewer characters cut never makes the marker longer, so the fit is monotonic and bisection works.
    ends = list(accumulate(_units(ch) for ch in text))
    low, high = 0, len(text)
    while low < high:
        keep = (low + high + 1) // 2
        if ends[keep - 1] + len(cut_marker(len(text) - keep)) <= limit:
            low = keep
        else:
            high = keep - 1
    return text[:low] + cut_marker(len(text) - low), len(text) - low


def plain(text: str, limit: int = 255) -> str:
    """One line for places that are not cells (properties, page headers): no control characters, capped."""
    text = _CONTROL.sub(" ", _NOT_XML.sub("\ufffd", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sheet_name(name: str, taken: Collection[str] = ()) -> str:
    """A name Excel accepts: 1-31 characters, none of []:*?/\\, no edge apostrophe, unique ignoring case."""
    clean = re.sub(r"[\[\]:*?/\\\x00-\x1f\x7f]", " ", name)
    clean = re.sub(r"\s+", " ", clean).strip(" '")
    clean = clean[:31].rstrip(" '") or "Sheet"
    if clean.casefold() == "history":  # Excel reserves it
        clean = "History sheet"
    # The check must be case insensitive like Excel.
    used = {t.casefold() for t in taken}
    candidate, number = clean, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = clean[: 31 - len(suffix)].rstrip(" '") + suffix
        number += 1
    return candidate


def link_url(link: Link | None) -> str | None:
    """The address to link to: only http, https or mailto, and only what Excel can hold."""
    url = safe_url(link.url) if link is not None else None
    return url if url is not None and excel_length(url) <= MAX_URL_CHARS else None


# --- Writing cells -----------------------------------------------------------------------------------------

class _Styles:
    """Formats made on demand from named parts, one Format per combination."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[tuple[str, object], ...], Format] = {}

    @staticmethod
    def props(*names: str, **extra: Any) -> dict[str, object]:
        """The format properties of named parts (later names win), then `extra`."""
        props: dict[str, object] = dict(STYLES["base"])
        for name in names:
            props.update(STYLES[name])
        props.update(extra)
        return props

    def __call__(self, *names: str, quote: bool = False, **extra: Any) -> Format:
        props = self.props(*names, **extra)
        if quote:
            props["quote_prefix"] = True
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.book.add_format(props)
        return self.cache[key]


@dataclass
class _Sheet:
    """A worksheet and what it learns while being written: column widths, row heights, links, cut texts."""

    ws: Worksheet
    name: str
    styles: _Styles
    cuts: list[str]
    widths: dict[int, float] = field(default_factory=dict)  # pixels of the longest line
    heights: dict[int, float] = field(default_factory=dict)  # rows that need more than the default
    wrapped: list[tuple[int, int, str, dict[str, object]]] = field(default_factory=list)
    links: int = 0

    def _seen(self, row: int, col: int, text: str, props: dict[str, object], fit: bool = True) -> None:
        if fit:
            longest = max((text_px(line, props) for line in text.splitlines()), default=0.0)
            self.widths[col] = max(self.widths.get(col, 0.0), longest)
        if props.get("text_wrap"):
            self.wrapped.append((row, col, text, props))
        elif float(props.get("font_size", 10)) > 10:  # type: ignore[arg-type]
            self.height(row, float(props["font_size"]) * 1.3 + 3)  # type: ignore[arg-type]

    def _cut(self, row: int, col: int, safe: CellText) -> None:
        if safe.cut:
            self.cuts.append(f"{self.name}!{xl_rowcol_to_cell(row, col)}: {safe.cut:,} characters cut to fit "
                             f"Excel's {MAX_CELL_CHARS:,} per cell")

    def height(self, row: int, points: float) -> None:
        """At least this tall (points); 0 asks for nothing."""
        if points > 0:
            self.heights[row] = max(self.heights.get(row, 0), points)

    def text(self, row: int, col: int, value: str | None, *style: str, fit: bool = True, **extra: Any) -> None:
        """Text as text: write_string, quote prefix when needed, cut when too long."""
        if value is None or value == "":
            self.ws.write_blank(row, col, None, self.styles(*style, **extra))
            return
        safe = cell_text(value)
        self._cut(row, col, safe)
        self.ws.write_string(row, col, safe.text, self.styles(*style, quote=safe.quote, **extra))
        self._seen(row, col, safe.text, self.styles.props(*style, **extra), fit)

    def number(self, row: int, col: int, value: float | None, kind: str, *style: str, **extra: Any) -> None:
        """A real number with the number format of `kind` (score, weight, int)."""
        if value is None:
            self.text(row, col, "–", *style, "muted", **{"align": "right", **extra})
            return
        self.ws.write_number(row, col, value, self.styles(*style, kind, **extra))
        shown = {"score": signed(value), "weight": f"{value:.2f}"}.get(kind, f"{value:g}")
        self._seen(row, col, shown, self.styles.props(*style, **extra))

    def date(self, row: int, col: int, value: dt.date | None, *style: str, **extra: Any) -> None:
        """A real date, shown as yyyy-mm-dd."""
        if value is None:
            self.text(row, col, "–", *style, "muted", **extra)
            return
        self.ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.styles(*style, "date", **extra))
        self._seen(row, col, "2026-06-01", self.styles.props(*style, **extra))

    def link(self, row: int, col: int, value: Link | None, *style: str, **extra: Any) -> None:
        """The link's text, as a hyperlink only when its address is http, https or mailto."""
        if value is None:
            self.text(row, col, None, *style, **extra)
            return
        url = link_url(value)
        if url is None or self.links >= MAX_LINKS_PER_SHEET:
            self.text(row, col, value.text, *style, **extra)
            return
        safe = cell_text(value.text or url)
        self._cut(row, col, safe)
        self.ws.write_url(row, col, url, self.styles(*style, "link", quote=safe.quote, **extra), safe.text)
        self.links += 1
        self._seen(row, col, safe.text, self.styles.props(*style, "link", **extra))

    def put(self, row: int, col: int, kind: str, value: object, *style: str, **extra: Any) -> None:
        """Any table value by its column kind."""
        if kind in NUMBER_KINDS:
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
            wanted = math.ceil((self.widths.get(col, 0.0) + 12) / DIGIT_PX)
            widths[col] = max(least, min(most, wanted))
            self.ws.set_column(col, col, widths[col])
        for row, col, text, props in self.wrapped:
            if col in widths:
                self.height(row, _text_height(text, widths[col], props))
        for row, points in sorted(self.heights.items()):
            self.ws.set_row(row, points)


DEFAULT_ROW_POINTS = 12.75  # Arial 10
MAX_ROW_POINTS = 409  # Excel's tallest row; a longer text scrolls inside its cell
DIGIT_PX = 7  # a column width unit: one digit of Arial 10 at 96 dpi
# Advance widths of Arial (and its metric twin Liberation Sans) for ASCII 32-126, in thousandths of an em.
ARIAL_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
)


@functools.cache
def _em(char: str) -> float:
    code = ord(char)
    if 32 <= code < 127:
        return ARIAL_WIDTHS[code - 32] / 1000
    return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6


def text_px(text: str, props: dict[str, object]) -> float:
    """Estimated width in pixels of one line of `text` in the cell format `props` (Arial)."""
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    return _ems(text) * size * 96 / 72 * (1.08 if props.get("bold") else 1.0)


@functools.lru_cache(maxsize=65536)
def _ems(text: str) -> float:
    # Words and labels repeat down a long sheet; measuring each once keeps big briefings quick.
    return sum(_em(ch) for ch in text)


def _line_count(text: str, width: int, props: dict[str, object]) -> int:
    """Lines a wrapped text takes in a column `width` units wide: greedy word wrap, as Excel does."""
    room = width * DIGIT_PX  # the column is 5 px wider than its units; the cell keeps ~2 px each side
    space = text_px(" ", props)
    count = 0
    for part in text.split("\n"):
        count += 1
        line = 0.0
        for word in part.split(" "):
            word_px = text_px(word, props)
            if line and line + space + word_px > room:
                count += 1
                line = 0.0
            if word_px > room:  # a word longer than the column breaks anywhere
                count += int(word_px // room)
                word_px %= room
            line += (space if line else 0.0) + word_px
    return count


def _text_height(text: str, width: int, props: dict[str, object]) -> float:
    """Points a wrapped text needs in a column `width` units wide; 0 when the default height does."""
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    needed = _line_count(text, width, props) * size * 1.2 + 3
    return min(needed, MAX_ROW_POINTS) if needed > DEFAULT_ROW_POINTS + 3 else 0


@dataclass(frozen=True)
class Column:
    """A table column: its header, the kind of value it holds and its (least, most) width."""

    header: str
    kind: str = "text"  # text, date, link, score, weight, int
    least: int = 8
    most: int = 40
    align: str | None = None  # centre short codes (Yes, 2) so they do not run into their neighbours


# --- The workbook ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class XlsxReport:
    """The rendered file and the warnings met on the way (texts cut to fit a cell)."""

    data: bytes
    warnings: tuple[str, ...]


def render_xlsx(briefing: Briefing) -> bytes:
    """The briefing as an .xlsx file, in memory."""
    return render_xlsx_report(briefing).data


def render_xlsx_report(briefing: Briefing) -> XlsxReport:
    """The .xlsx bytes with the warnings met while writing them."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**SAFE_OPTIONS, **FONT_OPTIONS})
    _properties(book, briefing.masthead, briefing.verdict.headline)
    styles = _Styles(book)
    cuts: list[str] = []
    taken: list[str] = []

    def sheet(title: str) -> _Sheet:
        name = sheet_name(title, taken)
        taken.append(name)
        return _Sheet(book.add_worksheet(name), name, styles, cuts)

    headings = dict(briefing.sections)
    _briefing_sheet(book, sheet(BRIEFING), briefing, headings)
    _labs_sheet(sheet(LABS), briefing, headings["labs"])
    _evidence_sheet(book, sheet(EVIDENCE), briefing, headings["evidence"])
    _signals_sheet(sheet(SIGNALS), briefing)
    _timeline_sheet(sheet(TIMELINE), briefing, headings["timeline"])
    _watchlist_sheet(sheet(WATCHLIST), briefing, headings["watchlist"])
    _health_sheet(sheet(HEALTH), briefing, headings["health"])
    _sources_sheet(sheet(SOURCES), briefing, headings["sources"])
    book.close()
    return XlsxReport(buffer.getvalue(), tuple(cuts))


def _properties(book: Workbook, masthead: Masthead, headline: str) -> None:
    book.set_properties({
        "title": plain(masthead.title),
        "subject": f"Weekly briefing, edition {masthead.edition.isoformat()} ({masthead.week_label})",
        "author": plain(masthead.editor or masthead.publication or ""),
        "company": plain(masthead.publication or ""),
        "category": "Briefing",
        "keywords": plain(f"{masthead.pivot_lab}, {masthead.pivot_model}, open weights, closed weights"),
        "comments": plain(headline, 1000),
        # Fixed to the edition so the same briefing gives the same file.
        "created": dt.datetime.combine(masthead.edition, dt.time()),
    })


def _page(sheet: _Sheet, masthead: Masthead, header_rows: tuple[int, int] | None, freeze: tuple[int, int]) -> None:
    """Print setup (landscape, one page wide, repeated header rows, header and footer) and frozen panes."""
    ws = sheet.ws
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if header_rows is not None:
        ws.repeat_rows(*header_rows)
    # '&' starts a control code in page headers; the title and publication are text.
    title = plain(masthead.title, 80).replace("&", "&&")
    publication = plain(masthead.publication or "", 60).replace("&", "&&")
    ws.set_header(f'&L{publication}&C&"-,Bold"{title}&R{masthead.edition.isoformat()} ({masthead.week_label})')
    ws.set_footer("&L&A&RPage &P of &N")
    ws.freeze_panes(*freeze)


def _table(sheet: _Sheet, top: int, columns: Sequence[Column], rows: Sequence[Sequence[object]],
           bold_rows: Collection[int] = (), empty: str = "Nothing yet.") -> tuple[int, int]:
    """A header row at `top`, then the rows; returns (first, last) data row (last < first when none)."""
    for col, column in enumerate(columns):
        sheet.text(top, col, column.header, "header")
    if not rows:
        sheet.text(top + 1, 0, empty, "muted", fit=False)
        return top + 1, top
    for index, values in enumerate(rows):
        row = top + 1 + index
        extra = ("cell", "bold") if index in bold_rows else ("cell",)
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            sheet.put(row, col, column.kind, value, *extra, **({"align": column.align} if column.align else {}))
    return top + 1, top + len(rows)


def _title(sheet: _Sheet, width: int, heading: str, note: str | None = None) -> None:
    """The sheet's heading ruled across its `width` columns, and a note under it."""
    for col in range(width):
        sheet.text(0, col, heading if col == 0 else None, "section", fit=False)
    sheet.height(0, 24)
    if note:
        sheet.text(1, 0, note, "muted", fit=False)


def _words(sheet: _Sheet, first: int, last: int, col: int, colours: dict[str, tuple[str, str]]) -> None:
    """Colour a column by its word (conditional formatting), e.g. Closed warm, Open cool."""
    if last < first:
        return
    for word, (fill, font) in colours.items():
        sheet.ws.conditional_format(first, col, last, col, {
            "type": "cell", "criteria": "==", "value": f'"{word}"',
            "format": sheet.styles.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
        })


# --- Briefing sheet ----------------------------------------------------------------------------------------

BRIEFING_CAPS = ((14, 24), (11, 13), (50, 78), (20, 40), (16, 34))


def _briefing_sheet(book: Workbook, sheet: _Sheet, briefing: Briefing, headings: dict[str, str]) -> None:
    sheet.ws.hide_gridlines(2)
    row = _masthead(book, sheet, briefing.masthead)
    row = _verdict(book, sheet, briefing, headings["verdict"], row + 1)
    row = _key_figures(book, sheet, briefing, headings["key-figures"], row + 1)
    row = _changes(sheet, briefing.changes, headings["changes"], row + 1)
    _contents(sheet, headings, row + 1)
    sheet.fit(BRIEFING_CAPS)
    _page(sheet, briefing.masthead, None, (2, 0))
    # Print the briefing, not the links to the other sheets: on paper they lead nowhere.
    sheet.ws.print_area(0, 0, row - 1, len(BRIEFING_CAPS) - 1)
    sheet.ws.activate()


def _name(book: Workbook, sheet: _Sheet, name: str, row: int, col: int) -> None:
    book.define_name(name, f"={quote_sheetname(sheet.name)}!{xl_rowcol_to_cell(row, col, True, True)}")


def _masthead(book: Workbook, sheet: _Sheet, m: Masthead) -> int:
    sheet.text(0, 0, m.title, "title", fit=False)
    sheet.height(0, 30)
    byline = " · ".join(p for p in (m.publication, f"edited by {m.editor}" if m.editor else None) if p)
    sheet.text(1, 0, byline or "Weekly briefing", "subtitle", fit=False)
    sheet.text(3, 0, "Edition", "label")
    sheet.date(3, 1, m.edition, "bold")
    sheet.text(3, 2, f"{m.edition.day} {m.edition:%B %Y}", "muted")
    sheet.text(4, 0, "ISO week", "label")
    sheet.text(4, 1, m.week_label, "bold", align="left")
    sheet.text(5, 0, "Days since pivot", "label")
    sheet.number(5, 1, m.days_since_pivot, "int", "bold", align="left")
    sheet.text(5, 2, f"Pivot: {m.pivot_lab} took {m.pivot_model} to closed weights on {m.pivot_date.isoformat()}",
               "muted")
    _name(book, sheet, "EditionDate", 3, 1)
    _name(book, sheet, "DaysSincePivot", 5, 1)
    return 6


def _section(sheet: _Sheet, row: int, heading: str) -> int:
    for col in range(len(BRIEFING_CAPS)):
        sheet.text(row, col, heading if col == 0 else None, "section", fit=False)
    sheet.height(row, 22)
    return row + 1


def _verdict(book: Workbook, sheet: _Sheet, briefing: Briefing, heading: str, row: int) -> int:
    verdict = briefing.verdict
    row = _section(sheet, row, heading)
    fill, font = STATE_COLOURS.get(verdict.state, ("#FFFFFF", INK))
    sheet.text(row, 0, verdict.state, "state", bg_color=fill, font_color=font, border_color=fill)
    sheet.number(row, 1, verdict.score, "score", "big")
    sheet.text(row, 2, verdict.headline, "wrap", "bold", font_size=12)
    sheet.text(row, 3, f"State from followers, reversion and the score; the call needs ±{verdict.margin:.1f}.",
               "wrap", "muted")
    sheet.height(row, 36)
    _name(book, sheet, "Verdict", row, 0)
    row += 2
    sheet.text(row, 0, "Why", "block", fit=False)
    row += 1
    for col, header in enumerate(("Kind", "Weight", "Reason", "Detail", "Source")):
        sheet.text(row, col, header, "header")
    for reason in verdict.reasons:
        row += 1
        sheet.text(row, 0, "Fact" if reason.kind == "fact" else "Signal", "cell", "bold")
        if reason.weight is None:
            sheet.text(row, 1, None, "cell")
        else:
            sheet.number(row, 1, reason.weight, "score", "cell")
        sheet.text(row, 2, reason.text, "cell", "wrap")
        sheet.text(row, 3, reason.detail, "cell", "wrap", "muted")
        sheet.link(row, 4, reason.source, "cell", "wrap")
    return row + 1


def _key_figures(book: Workbook, sheet: _Sheet, briefing: Briefing, heading: str, row: int) -> int:
    f, v = briefing.figures, briefing.verdict
    followers = f"of {plural(f.watched, 'watched lab')}" + (f": {', '.join(v.followers)}" if v.followers else "")
    lines: list[tuple[str, str | None, float | dt.date | None, str, str | None]] = [
        ("Followers", "Followers", f.followers, "int", followers),
        ("Watched labs", "WatchedLabs", f.watched, "int",
         f"labs other than {briefing.masthead.pivot_lab} that could follow"),
        ("Score", "Score", f.score, "score", f"pays {f.pays:.2f} against reverts {f.reverts:.2f}"),
        ("Pays weight", "PaysWeight", f.pays, "weight", "evidence that closed weights pay at the flagship tier"),
        ("Reverts weight", "RevertsWeight", f.reverts, "weight",
         "evidence that the open-weight default reasserts"),
        ("Signals this quarter", "SignalsThisQuarter", f.signals_this_quarter, "int", f.this_quarter),
        ("Next milestone", "NextMilestoneDue", f.next_milestone_due, "date", f.next_milestone or "none upcoming"),
        ("Days to next milestone", "DaysToNextMilestone", f.days_to_next_milestone, "int",
         days(f.days_to_next_milestone) if f.days_to_next_milestone is not None else None),
    ]
    row = _section(sheet, row, heading)
    for label, name, value, kind, detail in lines:
        sheet.text(row, 0, label, "label", valign="vcenter")
        if kind == "date":
            sheet.date(row, 1, value if isinstance(value, dt.date) else None, "big", align="left", valign="vcenter")
        else:
            sheet.number(row, 1, value if isinstance(value, (int, float)) else None, kind, "big", align="left",
                         valign="vcenter")
        sheet.text(row, 2, detail, "wrap", valign="vcenter")
        if name:
            _name(book, sheet, name, row, 1)
        row += 1
    return row


def _changes(sheet: _Sheet, changes: Changes, heading: str, row: int) -> int:
    row = _section(sheet, row, heading)
    if changes.first:
        sheet.text(row, 0, changes.FIRST_EDITION, "muted", fit=False)
        return row + 1
    assert changes.previous_edition is not None
    since = f"the edition of {changes.previous_edition.isoformat()}"
    if changes.empty:
        sheet.text(row, 0, f"Nothing changed since {since}.", "muted", fit=False)
        return row + 1
    sheet.text(row, 0, f"Compared with {since}.", "muted", fit=False)
    row += 1
    for col, header in enumerate(("Change", "", "What", "Before → after", "")):
        sheet.text(row, col, header, "header")
    for label, what, detail in _change_lines(changes):
        row += 1
        sheet.text(row, 0, label, "cell", "bold")
        sheet.text(row, 1, None, "cell")
        sheet.text(row, 2, what, "cell", "wrap")
        sheet.text(row, 3, detail, "cell", "wrap")
        sheet.text(row, 4, None, "cell")
    return row + 1


def _change_lines(changes: Changes) -> list[tuple[str, str, str | None]]:
    """(label, what, before → after) for the verdict, the score, the key figures and each row."""
    lines: list[tuple[str, str, str | None]] = []
    if changes.verdict_changed:
        lines.append(("Verdict", "The verdict changed", f"{changes.verdict_before} → {changes.verdict_after}"))
    if changes.score_before is not None and changes.score_after is not None \
            and signed(changes.score_before) != signed(changes.score_after):
        lines.append(("Score", "The score moved", f"{signed(changes.score_before)} → {signed(changes.score_after)}"))
    for figure in changes.figures:
        lines.append(("Key figure", figure.field, f"{figure.before} → {figure.after}"))
    for row in changes.rows:
        detail = "\n".join(f"{f.field}: {f.before} → {f.after}" for f in row.fields) or None
        lines.append((row.change.capitalize(), f"{row.sheet}: {row.key}", detail))
    return lines


def _contents(sheet: _Sheet, headings: dict[str, str], row: int) -> None:
    row = _section(sheet, row, "In this workbook")
    pages = ((LABS, headings["labs"]), (EVIDENCE, f"{headings['evidence']}, with a chart"),
             (SIGNALS, "The latest quarter's signals, then every signal"), (TIMELINE, headings["timeline"]),
             (WATCHLIST, headings["watchlist"]), (HEALTH, headings["health"]), (SOURCES, headings["sources"]))
    for name, what in pages:
        # Internal links to our own sheet names: no workbook text goes into them.
        sheet.ws.write_url(row, 0, f"internal:{quote_sheetname(name)}!A1", sheet.styles("link"), name)
        sheet.text(row, 2, what)
        row += 1


# --- Table sheets ------------------------------------------------------------------------------------------

def _labs_sheet(sheet: _Sheet, briefing: Briefing, heading: str) -> None:
    columns = (Column("Lab", least=10, most=24), Column("Role", least=10, most=14),
               Column("Flagship weights", least=10, most=12), Column("Since", "date", 11, 11),
               Column("Flagship model", most=28), Column("Scale", most=20), Column("Licence", most=18),
               Column("Mid-scale model", most=24), Column("Mid-scale licence", most=18),
               Column("Country", most=16), Column("Source", "link", 12, 32))
    rows, marked = [], []
    for index, lab in enumerate(briefing.labs):
        role = ("Pivot lab" if lab.is_pivot else "Follower" if lab.is_follower
                else "Watched" if lab.watched else "Not watched")
        if lab.is_pivot or lab.is_follower:
            marked.append(index)
        rows.append((lab.lab, role, lab.weights, lab.since, lab.flagship_model, lab.flagship_scale, lab.licence,
                     lab.mid_scale_model, lab.mid_scale_licence, lab.country, lab.source))
    _title(sheet, len(columns), heading, "Closed: the flagship's weights are not published. Open: they are. "
                           "The pivot lab and any followers are in bold.")
    first, last = _table(sheet, 2, columns, rows, marked, "No labs on the Labs sheet.")
    _words(sheet, first, last, 2, {"Closed": (WARM_FILL, WARM), "Open": (COOL_FILL, COOL)})
    _words(sheet, first, last, 1, {"Pivot lab": (WARM_FILL, WARM), "Follower": (WARM_FILL, WARM)})
    if last >= first:
        sheet.ws.autofilter(2, 0, last, len(columns) - 1)
    sheet.fit([(c.least, c.most) for c in columns])
    _page(sheet, briefing.masthead, (2, 2), (3, 1))


QUARTER_COLUMNS = (Column("Quarter", least=10, most=10), Column("Pays", "weight", 9, 9),
                   Column("Reverts", "weight", 9, 9), Column("Net", "score", 9, 9), Column("Signals", "int", 9, 9, "center"))


def _evidence_sheet(book: Workbook, sheet: _Sheet, briefing: Briefing, heading: str) -> None:
    factors = ", ".join(f"{name} {factor:g}" for name, factor in schema.CONFIDENCE_FACTOR.items())
    _title(sheet, len(QUARTER_COLUMNS), heading, f"Weight per quarter since the pivot: strength × confidence ({factors}). "
                           f"Net = pays − reverts.")
    rows = [(q.quarter, q.pays, q.reverts, q.net, q.signals) for q in briefing.quarters]
    first, last = _table(sheet, 2, QUARTER_COLUMNS, rows, (), "No signals since the pivot's quarter yet.")
    if last >= first:
        sheet.ws.insert_chart(2, len(QUARTER_COLUMNS) + 1, _chart(book, sheet.name, first, last),
                              {"x_offset": 10, "y_offset": 0})
    sheet.fit([(c.least, c.most) for c in QUARTER_COLUMNS])
    _page(sheet, briefing.masthead, (2, 2), (3, 0))


def _chart(book: Workbook, name: str, first: int, last: int) -> object:
    """Columns for pays and reverts weight per quarter (labelled), the net as a line over them (in the table)."""
    categories = [name, first, 0, last, 0]
    bars = book.add_chart({"type": "column"})
    for col, colour in ((1, WARM), (2, COOL)):
        bars.add_series({"name": [name, first - 1, col], "categories": categories,
                         "values": [name, first, col, last, col], "fill": {"color": colour},
                         "border": {"none": True}, "gap": 80,
                         "data_labels": {"value": True, "num_format": "0.00"}})
    line = book.add_chart({"type": "line"})
    line.add_series({"name": [name, first - 1, 3], "categories": categories,
                     "values": [name, first, 3, last, 3], "line": {"color": INK, "width": 2.25},
                     "marker": {"type": "circle", "size": 7, "fill": {"color": INK}, "border": {"color": INK}}})
    bars.combine(line)
    bars.set_title({"name": "Pays vs reverts weight per quarter", "name_font": {"size": 12, "bold": True}})
    bars.set_x_axis({"name": "Quarter", "label_position": "low"})
    bars.set_y_axis({"name": "Weight", "num_format": "0.0", "major_gridlines": {"visible": True,
                                                                              "line": {"color": GRID}}})
    bars.set_legend({"position": "bottom"})
    bars.set_size({"width": 620, "height": 330})
    return bars


SIGNAL_COLUMNS = (Column("Quarter", least=9, most=9), Column("Signal", least=24, most=52),
                  Column("Lab", least=8, most=18), Column("Value", most=18), Column("Points to", least=9, most=9),
                  Column("Strength", "int", 8, 8, "center"), Column("Confidence", least=10, most=11),
                  Column("Weight", "score", 8, 8), Column("Counts", least=7, most=7, align="center"),
                  Column("Observed", "date", 11, 11), Column("Source", "link", 12, 30))


def _signal_rows(briefing: Briefing, latest: bool) -> list[tuple[object, ...]]:
    return [(s.quarter, s.signal, s.lab or "Industry", s.value, s.points_to, s.strength, s.confidence, s.weight,
             "Yes" if s.counted else "No", s.observed, s.source)
            for s in (briefing.latest_signals if latest else briefing.signals)]


def _signals_sheet(sheet: _Sheet, briefing: Briefing) -> None:
    label = briefing.latest_quarter or "none yet"
    _title(sheet, len(SIGNAL_COLUMNS), f"The latest quarter's signals: {label}")
    first, last = _table(sheet, 1, SIGNAL_COLUMNS, _signal_rows(briefing, True), (), "No signals yet.")
    colours = {"Pays": (WARM_FILL, WARM), "Reverts": (COOL_FILL, COOL)}
    _words(sheet, first, last, 4, colours)
    top = max(last, first) + 2
    sheet.text(top, 0, "All signals, latest quarter first (use the filter arrows)", "block", fit=False)
    sheet.text(top + 1, 0, "Weight is the signed contribution to the score; signals before the pivot's quarter "
                           "do not count (weight 0).", "muted", fit=False)
    first, last = _table(sheet, top + 2, SIGNAL_COLUMNS, _signal_rows(briefing, False), (), "No signals yet.")
    _words(sheet, first, last, 4, colours)
    sheet.ws.autofilter(top + 2, 0, max(last, first), len(SIGNAL_COLUMNS) - 1)
    sheet.fit([(c.least, c.most) for c in SIGNAL_COLUMNS])
    _page(sheet, briefing.masthead, (1, 1), (2, 0))


def _timeline_sheet(sheet: _Sheet, briefing: Briefing, heading: str) -> None:
    columns = (Column("Date", "date", 11, 11), Column("Lab", least=8, most=18), Column("Kind", least=10, most=20),
               Column("Headline", least=30, most=70), Column("Model", most=24), Column("Source", "link", 12, 30),
               Column("Note", least=8, most=10))
    rows = [(t.date, t.lab, t.kind, t.headline, t.model, t.source, "The pivot" if t.is_pivot else None)
            for t in briefing.timeline]
    pivots = [index for index, t in enumerate(briefing.timeline) if t.is_pivot]
    _title(sheet, len(columns), heading, f"Events on or after the pivot ({briefing.masthead.pivot_date.isoformat()}), oldest first.")
    first, last = _table(sheet, 2, columns, rows, pivots, "No events since the pivot.")
    if last >= first:
        sheet.ws.autofilter(2, 0, last, len(columns) - 1)
    sheet.fit([(c.least, c.most) for c in columns])
    _page(sheet, briefing.masthead, (2, 2), (3, 0))


def _watchlist_sheet(sheet: _Sheet, briefing: Briefing, heading: str) -> None:
    columns = (Column("Due", "date", 11, 11), Column("Days left", "int", 9, 9), Column("Attention", least=10, most=10),
               Column("Status", least=9, most=10), Column("Milestone", least=24, most=50),
               Column("Why it matters", least=24, most=50), Column("Outcome", least=10, most=30))
    rows = [(w.due, w.days_left, "Overdue" if w.overdue else "Due soon" if w.soon else None, w.status, w.milestone,
             w.why, w.outcome) for w in briefing.watchlist]
    _title(sheet, len(columns), heading, "Days left from the edition date; negative means past due. Overdue and due within "
                           "14 days stand out.")
    first, last = _table(sheet, 2, columns, rows, (), "No milestones on the watchlist.")
    if last >= first:
        for word, fill, font in (("Overdue", "#F8CBAD", "#9C0006"), ("Due soon", "#FFF2CC", "#7F6000")):
            sheet.ws.conditional_format(first, 0, last, len(columns) - 1, {
                "type": "formula", "criteria": f'=$C{first + 1}="{word}"',
                "format": sheet.styles.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
            })
        sheet.ws.autofilter(2, 0, last, len(columns) - 1)
    sheet.fit([(c.least, c.most) for c in columns])
    _page(sheet, briefing.masthead, (2, 2), (3, 0))


HEALTH_KINDS = {"stale": "Stale signal", "no-source": "No source", "warning": "Check warning"}


def _health_sheet(sheet: _Sheet, briefing: Briefing, heading: str) -> None:
    columns = (Column("Kind", least=12, most=14), Column("Where", least=10, most=22),
               Column("Message", least=40, most=100))
    rows = [(HEALTH_KINDS.get(h.kind, h.kind), h.where, h.message) for h in briefing.health]
    _title(sheet, len(columns), heading, "Stale signals, rows without a source and the checker's warnings.")
    first, last = _table(sheet, 2, columns, rows, (),
                         "Nothing to report: no stale signals, no missing sources, no check warnings.")
    if last >= first:
        sheet.ws.autofilter(2, 0, last, len(columns) - 1)
    sheet.fit([(c.least, c.most) for c in columns])
    _page(sheet, briefing.masthead, (2, 2), (3, 0))


def _sources_sheet(sheet: _Sheet, briefing: Briefing, heading: str) -> None:
    columns = (Column("Source", "link", 16, 50), Column("Publisher", least=10, most=30),
               Column("Published", "date", 11, 11), Column("Cited by", "int", 9, 9, "center"), Column("URL", least=8, most=50))
    rows = [(s.link, s.publisher, s.published, s.cited, s.url_text) for s in briefing.sources]
    _title(sheet, len(columns), heading, "Cited by: how many rows of the workbook name the source. Only http, https and mailto "
                           "addresses are links.")
    first, last = _table(sheet, 2, columns, rows, (), "No sources on the Sources sheet.")
    if last >= first:
        sheet.ws.autofilter(2, 0, last, len(columns) - 1)
    sheet.fit([(c.least, c.most) for c in columns])
    _page(sheet, briefing.masthead, (2, 2), (3, 0))
