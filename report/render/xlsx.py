"""The briefing as an Excel report (SPEC §6): a Briefing sheet that reads like the page, then one sheet per table.

Places what report/present/ decided (labels, sentences, what changed, colours from report/palette.py), with
every row: the page and the email cut long lists, the xlsx keeps them all. Figures stay real numbers and dates
(with the house number and date formats), so an editor can sort, filter and compute. Text from the workbook is data (SPEC §7): every text goes through
`cell_text`, is written with `write_string` (never `write`), keeps a quote prefix when Excel would read it as
a formula after an edit, and is cut with a visible marker when it is longer than a cell can hold.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, NamedTuple, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .. import palette, safety
from ..analysis import safe_url
from ..briefing import Link
from ..errors import OutputError
from ..formatting import signed
from ..present import Presentation
from ..present.views import ChangesView, MastheadView
from ..present.words import EMPTY, Day
from .svg_charts import evidence_scale
from .xlsx_chart import QuarterTable, add_evidence_chart

MAX_CELL_CHARS = safety.EXCEL_CELL_LIMIT  # Excel's limit per cell, in UTF-16 code units
MAX_URL_CHARS = 2_079  # Excel ignores longer hyperlinks
MAX_LINKS_PER_SHEET = 65_530
# Excel reads a cell typed (or re-entered after F2) with these first characters as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# constant_memory: each row goes to a temporary file as soon as the next begins, so a 100,000-row sheet is
# never held as cell objects (the sheets that are not written row by row go through a _RowBuffer).
SAFE_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}
# Arial 10 as the workbook's own font: Excel has it everywhere and LibreOffice has a metric twin (Liberation
# Sans), so column widths (counted in the default font's digits) and wrapped lines come out alike in both.
FONT_OPTIONS = {"default_format_properties": {"font_name": "Arial", "font_size": 10}, "default_row_height": 17,
                "default_column_width": 64}

# Sheet names, in SPEC §6 order after the Briefing itself.
BRIEFING, LABS, EVIDENCE, SIGNALS = "Briefing", "Labs", "Evidence", "Signals"
TIMELINE, WATCHLIST, HEALTH, SOURCES = "Timeline", "Watchlist", "Data health", "Sources"
CHANGES = "What changed"

# Colours, from the one palette: closed weights / pays warm, open weights / reverts cool.
INK, MUTED, NAVY, GRID = palette.INK, palette.MUTED, palette.HEADER, palette.RULE
WARM, WARM_FILL, COOL, COOL_FILL = palette.PAYS, palette.PAYS_TINT, palette.REVERTS, palette.REVERTS_TINT
# Number and date formats as every format writes them: a real minus sign, dates in the house style.
SIGNED_FORMAT = '+0.00;"\u2212"0.00;0.00'
DATE_FORMAT = "d mmm yyyy"
SCORE_LABEL_FORMAT = '"Score "+0.00;"Score \u2212"0.00;"Score "0.00'  # the number beside the verdict, labelled

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
    text = value if value.isascii() else _NOT_XML.sub("\ufffd", value)
    cut = 0
    # A character is at most two UTF-16 units: most texts are short enough not to need counting.
    if len(text) * 2 > limit and excel_length(text) > limit:
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
    return _link_url(link.url) if link is not None and link.url else None


@functools.lru_cache(maxsize=8192)
def _link_url(text: str) -> str | None:
    # Thousands of rows cite the same few sources: each address is checked once.
    url = safe_url(text)
    return url if url is not None and excel_length(url) <= MAX_URL_CHARS else None


# --- Writing cells -----------------------------------------------------------------------------------------

class _Styles:
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


class _RowBuffer:
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
class _Sheet:
    """A worksheet and what it learns while being written: column widths, row heights, links, cut texts.

    `ordered` sheets are written row by row (the table sheets: their widths are planned before the first
    row, so each row's height is known before its cells); the others write through a `_RowBuffer`."""

    ws: Worksheet
    name: str
    styles: _Styles
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

    def _cut(self, row: int, col: int, safe: CellText) -> None:
        if safe.cut:
            self.cuts.append(f"{self.name}!{xl_rowcol_to_cell(row, col)}: {safe.cut:,} characters cut to fit "
                             f"Excel's {MAX_CELL_CHARS:,} per cell")

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
        safe = cell_text(value)
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
        url = link_url(value)
        if url is None or self.links >= MAX_LINKS_PER_SHEET:
            self.text(row, col, value.text, *style, **extra)
            return
        safe = cell_text(value.text or url)
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
            widths[col] = self.planned.get(col) or _fitted(self.widths.get(col, 0.0), least, most)
            self.ws.set_column(col, col, widths[col])
        for row, col, text, props in self.wrapped:
            if col in widths:
                self.height(row, _wrapped_height(text, widths[col], props))
        if not self.ordered:
            cast(_RowBuffer, self.ws).flush(self.heights)


def _fitted(longest_px: float, least: int, most: int) -> int:
    """A column width (units) for its longest line, between the column's least and most."""
    return max(least, min(most, math.ceil((longest_px + 12) / DIGIT_PX)))


def _wrapped_height(text: str, width: int, props: dict[str, object]) -> float:
    """Points a wrapping cell needs; 0 when one line does (no character is wider than its em: a text that fits
    by its length alone is one line, and is not measured; nor is one whose whole width fits)."""
    if "\n" not in text and (len(text) * _widest_px(props) <= width * DIGIT_PX or
                             text_px(text, props) <= width * DIGIT_PX):
        return 0
    return _text_height(text, width, props)


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


WIDTH_SAMPLE = 200  # texts measured per column before only longer ones are


def _widest_px(props: dict[str, object]) -> float:
    """The widest a single character can be in this format (Arial's widest ASCII, '@', or a full em)."""
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    return 1.015 * size * 96 / 72 * (1.08 if props.get("bold") else 1.0)


def _px_per_em(props: dict[str, object]) -> float:
    size = float(props.get("font_size", 10))  # type: ignore[arg-type]
    return size * 96 / 72 * (1.08 if props.get("bold") else 1.0)


def text_px(text: str, props: dict[str, object]) -> float:
    """Estimated width in pixels of one line of `text` in the cell format `props` (Arial)."""
    return _ems(text) * _px_per_em(props)


# Thousandths of an em for every ASCII code, as _em gives them (a control character is 0.6 em).
_ASCII_EMS = tuple(ARIAL_WIDTHS[code - 32] if 32 <= code < 127 else 600 for code in range(128))


def _ems(text: str) -> float:
    if text.isascii():  # most cell text: one table lookup per byte, in C
        return sum(map(_ASCII_EMS.__getitem__, text.encode("ascii"))) / 1000
    return _word_ems(text)


@functools.lru_cache(maxsize=65536)
def _word_ems(text: str) -> float:
    # Words repeat down a long sheet; measuring each once keeps big briefings quick.
    return _ems(text) if text.isascii() else sum(map(_em, text))


def _line_count(text: str, width: int, props: dict[str, object]) -> int:
    """Lines a wrapped text takes in a column `width` units wide: greedy word wrap, as Excel does."""
    room = width * DIGIT_PX  # the column is 5 px wider than its units; the cell keeps ~2 px each side
    scale = _px_per_em(props)
    space = _ems(" ") * scale
    count = 0
    for part in text.split("\n"):
        count += 1
        words = [ems * scale for ems in map(_word_ems, part.split(" "))]
        if sum(words) + space * (len(words) - 1) <= room:  # the whole line fits: no wrapping to follow
            continue
        line = 0.0
        for word_px in words:
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


def render_xlsx(p: Presentation) -> bytes:
    """The briefing as an .xlsx file, in memory."""
    return render_xlsx_report(p).data


def render_xlsx_report(p: Presentation) -> XlsxReport:
    """The .xlsx bytes with the warnings met while writing them."""
    try:
        # constant_memory keeps each sheet's rows in a temporary file until the workbook is zipped; a folder of
        # our own is removed with everything in it, whatever happens.
        with tempfile.TemporaryDirectory(prefix="report-xlsx-") as folder:
            return _write_workbook(p, folder)
    except OSError as error:
        where = os.environ.get("TMPDIR") or "/tmp"
        raise OutputError(f"Cannot write the xlsx report's temporary files ({error.strerror or error}): free some "
                          f"space in the temporary folder ({where}), or set TMPDIR to a folder with room, and build "
                          "again; the previous edition is untouched.") from error


def _write_workbook(p: Presentation, folder: str) -> XlsxReport:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**SAFE_OPTIONS, **FONT_OPTIONS, "tmpdir": folder})
    _properties(book, p)
    styles = _Styles(book)
    cuts: list[str] = []
    taken: list[str] = []

    def sheet(title: str, ordered: bool = True) -> _Sheet:
        name = sheet_name(title, taken)
        taken.append(name)
        ws = book.add_worksheet(name)
        return _Sheet(ws if ordered else cast(Worksheet, _RowBuffer(ws)), name, styles, cuts, ordered)

    _briefing_sheet(book, sheet(BRIEFING, ordered=False), p)
    _labs_sheet(sheet(LABS), p)
    _evidence_sheet(book, sheet(EVIDENCE, ordered=False), p)
    _signals_sheet(sheet(SIGNALS), p)
    _timeline_sheet(sheet(TIMELINE), p)
    _watchlist_sheet(sheet(WATCHLIST), p)
    _health_sheet(sheet(HEALTH), p)
    _sources_sheet(sheet(SOURCES), p)
    # Last, so the other sheets keep their places: every change, the Briefing sheet shows the first.
    _changes_sheet(sheet(CHANGES), p)
    book.close()
    return XlsxReport(buffer.getvalue(), tuple(cuts))


def _properties(book: Workbook, p: Presentation) -> None:
    masthead, edition = p.masthead, p.masthead.edition.value
    assert p.notes is not None
    book.set_properties({
        "title": plain(masthead.title),
        "subject": p.notes.subject,
        "author": plain(masthead.editor or masthead.publication or ""),
        "company": plain(masthead.publication or ""),
        "category": "Briefing",
        "keywords": p.notes.keywords,
        "comments": plain(p.verdict.headline, 1000),
        # Fixed to the edition so the same briefing gives the same file.
        "created": dt.datetime.combine(edition, dt.time()),
    })


def _page(sheet: _Sheet, masthead: MastheadView, header_rows: tuple[int, int] | None,
          freeze: tuple[int, int]) -> None:
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
    edition = plain(masthead.edition.text).replace("&", "&&")
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


def _plan_widths(sheet: _Sheet, columns: Sequence[Column], rows: Sequence[Sequence[object]],
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
        widths[col] = _fitted(widest, column.least, column.most)
    sheet.planned = widths
    return widths


class _Cells:
    """The formats of one table's cells, by column and (bold, quote), each looked up once."""

    def __init__(self, sheet: _Sheet, columns: Sequence[Column]) -> None:
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


def _table(sheet: _Sheet, top: int, columns: Sequence[Column], rows: Sequence[Sequence[object]],
           bold_rows: Collection[int] = (), empty: str = "Nothing yet.") -> tuple[int, int]:
    """A header row at `top`, then the rows, in order; returns (first, last) data row (last < first when none).

    This is where a 100,000-row briefing spends its time, so the common cells (text, links, numbers, dates)
    are written here with formats looked up once per column; any other value goes through `_Sheet.put`."""
    widths = _plan_widths(sheet, columns, rows, bold_rows)
    header = sheet.styles.cached_props("header")
    sheet.height(top, max(_wrapped_height(c.header, widths[col], header) for col, c in enumerate(columns)))
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
                points = max(points, _wrapped_height(text, widths[col], bold_props if bold else plain_props))
        if points:
            sheet.height(row, points)
        formats = bold_formats if bold else plain_formats
        for col, (kind, value) in enumerate(zip(kinds, values, strict=True)):
            if kind == "text" and value.__class__ is str and value:
                safe = cell_text(value)  # type: ignore[arg-type]
                if safe.cut:
                    cuts(row, col, safe)
                ws.write_string(row, col, safe.text, cells.format(col, bold, True) if safe.quote else formats[col])
            elif kind == "link" and isinstance(value, Link) and sheet.links < MAX_LINKS_PER_SHEET \
                    and (url := link_url(value)) is not None:
                safe = cell_text(value.text or url)
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


def _filtered_table(sheet: _Sheet, columns: Sequence[Column], rows: Sequence[Sequence[object]],
                    empty: str, bold_rows: Collection[int] = (), top: int = 2) -> tuple[int, int]:
    """A table with a filter, its columns fitted and the sheet's print setup: the shape of every table sheet."""
    first, last = _table(sheet, top, columns, rows, bold_rows, empty)
    if last >= first:
        sheet.ws.autofilter(top, 0, last, len(columns) - 1)
    return first, last


def _finish(sheet: _Sheet, p: Presentation, columns: Sequence[Column], top: int = 2) -> None:
    sheet.fit([(c.least, c.most) for c in columns])
    _page(sheet, p.masthead, (top, top), (top + 1, 0 if columns[0].kind == "date" else 1))


# --- Briefing sheet ----------------------------------------------------------------------------------------

BRIEFING_CAPS = ((14, 24), (13, 22), (50, 78), (20, 40), (16, 34))


def _briefing_sheet(book: Workbook, sheet: _Sheet, p: Presentation) -> None:
    sheet.ws.hide_gridlines(2)
    row = _masthead(book, sheet, p)
    row = _correction(sheet, p, row)
    row = _verdict(book, sheet, p, row + 1)
    row = _key_figures(book, sheet, p, row + 1)
    row = _trend(book, sheet, p, row + 1)
    row = _changes(sheet, p.changes, p.heading("changes"), row + 1)
    _contents(sheet, p, row + 1)
    sheet.fit(BRIEFING_CAPS)
    _page(sheet, p.masthead, None, (2, 0))
    # Print the briefing, not the links to the other sheets: on paper they lead nowhere.
    sheet.ws.print_area(0, 0, row - 1, len(BRIEFING_CAPS) - 1)
    sheet.ws.activate()


def _name(book: Workbook, sheet: _Sheet, name: str, row: int, col: int) -> None:
    book.define_name(name, f"={quote_sheetname(sheet.name)}!{xl_rowcol_to_cell(row, col, True, True)}")


def _masthead(book: Workbook, sheet: _Sheet, p: Presentation) -> int:
    m = p.masthead
    sheet.text(0, 0, m.title, "title", fit=False)
    sheet.height(0, 30)
    byline = " · ".join(part for part in (m.publication, f"edited by {m.editor}" if m.editor else None) if part)
    sheet.text(1, 0, byline or "Weekly briefing", "subtitle", fit=False)
    sheet.text(3, 0, "Edition", "label")
    sheet.date(3, 1, m.edition.value, "bold")
    sheet.text(4, 0, "ISO week", "label")
    sheet.text(4, 1, m.week, "bold", align="left")
    sheet.text(5, 0, "Days since pivot", "label")
    sheet.number(5, 1, m.days, "int", "bold", align="left")
    sheet.text(5, 2, m.pivot_line, "muted")
    _name(book, sheet, "EditionDate", 3, 1)
    _name(book, sheet, "DaysSincePivot", 5, 1)
    return 6


def _section(sheet: _Sheet, row: int, heading: str) -> int:
    for col in range(len(BRIEFING_CAPS)):
        sheet.text(row, col, heading if col == 0 else None, "section", fit=False)
    sheet.height(row, 22)
    return row + 1


def _verdict(book: Workbook, sheet: _Sheet, p: Presentation, row: int) -> int:
    v = p.verdict
    row = _section(sheet, row, p.heading("verdict"))
    sheet.text(row, 0, v.state, "state", bg_color=v.fill, font_color=v.ink, border_color=v.fill)
    # The score beside the verdict says what it is: a number shown as "Score −0.60".
    score = p.figure_cells[2].value
    sheet.number(row, 1, score if isinstance(score, (int, float)) else None, "score", "big",
                 num_format=SCORE_LABEL_FORMAT, align="left")
    sheet.text(row, 2, v.headline, "wrap", "bold", font_size=12)
    sheet.text(row, 3, v.score_gloss, "wrap", "muted")
    sheet.height(row, 36)
    _name(book, sheet, "Verdict", row, 0)
    row += 2
    sheet.text(row, 0, "Why", "block", fit=False)
    row += 1
    for col, header in enumerate(("Kind", "Weight", "Reason", "Detail", "Source")):
        sheet.text(row, col, header, "header")
    for fact in v.facts:
        row += 1
        sheet.text(row, 0, "Fact", "cell", "bold")
        sheet.text(row, 1, None, "cell")
        sheet.text(row, 2, fact, "cell", "wrap")
        sheet.text(row, 3, None, "cell")
        sheet.text(row, 4, None, "cell")
    for reason in v.signals:
        row += 1
        sheet.text(row, 0, "Signal", "cell", "bold")
        sheet.number(row, 1, reason.weight, "score", "cell")
        sheet.text(row, 2, reason.text, "cell", "wrap")
        sheet.text(row, 3, reason.detail, "cell", "wrap", "muted")
        sheet.link(row, 4, reason.source, "cell", "wrap")
    if v.signals_more_sheet:
        row += 1
        sheet.text(row, 2, f"{v.signals_more_sheet}.", "muted", fit=False)
    if not v.signals:
        row += 1
        sheet.text(row, 0, v.no_signals, "muted", fit=False)
    if v.change_call:
        row += 2
        sheet.text(row, 2, v.change_call, "wrap", "bold")
        _name(book, sheet, "ChangeCall", row, 2)
    return row + 1


def _key_figures(book: Workbook, sheet: _Sheet, p: Presentation, row: int) -> int:
    row = _section(sheet, row, p.heading("key-figures"))
    for figure in p.figure_cells:
        sheet.text(row, 0, figure.label, "label", valign="vcenter")
        sheet.put(row, 1, figure.kind, figure.value, "big", align="left", valign="vcenter")
        sheet.text(row, 2, figure.note, "wrap", valign="vcenter")
        _name(book, sheet, figure.name, row, 1)
        row += 1
    return row


TREND_CHART_ROWS = 18  # rows kept for the trend chart under its table, each 15 points (20 px): 360 px for 306


def _trend(book: Workbook, sheet: _Sheet, p: Presentation, row: int) -> int:
    """The trend across editions: the sentence, each edition's score and followers, and a native line chart."""
    t = p.trend
    if t is None or "trend" not in dict(p.sections):
        return row
    row = _section(sheet, row, p.heading("trend"))
    sheet.text(row, 0, t.sentence, "muted", fit=False)
    if t.first:
        return row + 1
    row += 1
    for col, header in enumerate(("Edition", "Score", "", "Followers", "Watched labs")):
        sheet.text(row, col, header, "header")
    first = row + 1
    for point in t.points:
        row += 1
        sheet.date(row, 0, point.edition.value, "cell", "bold" if point.current else "cell")
        sheet.number(row, 1, point.score, "score", "cell")
        sheet.text(row, 2, "this edition" if point.current else None, "cell", "muted")
        sheet.number(row, 3, point.followers, "int", "cell")
        sheet.number(row, 4, point.watched, "int", "cell")
    from .xlsx_trend import add_trend_chart

    labels = [point.edition.text.rsplit("\u00a0", 1)[0].replace("\u00a0", " ") for point in t.points]  # 15 Jun
    add_trend_chart(book, sheet.ws, sheet.name, first, row, labels, 1, 3, t.margin, (row + 1, 0))
    for below in range(row + 1, row + 1 + TREND_CHART_ROWS):
        sheet.height(below, 15)  # a height of its own, so LibreOffice's smaller default cannot let it overlap
    return row + 1 + TREND_CHART_ROWS


def _correction(sheet: _Sheet, p: Presentation, row: int) -> int:
    """Under the masthead of a corrected edition: "Corrected on DATE" and what changed from the sent version."""
    k = p.correction
    if k is None:
        return row
    sheet.text(row, 0, k.title, "bold", fit=False)
    sheet.text(row, 2, k.note, "wrap")
    for line in k.lines:
        row += 1
        sheet.text(row, 0, line.label, "muted", fit=False)
        sheet.text(row, 2, line.what, "wrap")
        sheet.text(row, 3, line.before_after, "wrap", "muted")
    return row + 1


def _changes(sheet: _Sheet, changes: ChangesView, heading: str, row: int) -> int:
    """The lead and the counts per sheet, then the changes that matter most, as the page shows them; every
    change is on the What changed sheet."""
    row = _section(sheet, row, heading)
    sheet.text(row, 0, changes.note, "muted", fit=False)
    for count in changes.counts:
        row += 1
        sheet.text(row, 0, count, fit=False)
    lines = (*changes.lead, *changes.rows.shown)
    if not lines:
        return row + 1
    row += 1
    for col, header in enumerate(("Change", "Why it matters", "What", "Before → after", "")):
        sheet.text(row, col, header, "header")
    for line in lines:
        row += 1
        sheet.text(row, 0, line.label, "cell", "bold")
        sheet.text(row, 1, line.tag, "cell")
        sheet.text(row, 2, line.what, "cell", "wrap")
        sheet.text(row, 3, line.before_after, "cell", "wrap")
        sheet.text(row, 4, None, "cell")
    if changes.more_sheet:
        row += 1
        sheet.text(row, 2, f"{changes.more_sheet}.", "muted", fit=False)
    return row + 1


def _contents(sheet: _Sheet, p: Presentation, row: int) -> None:
    row = _section(sheet, row, "In this workbook")
    assert p.notes is not None
    what = p.notes.contents
    pages = ((LABS, what["labs"]), (EVIDENCE, what["evidence"]), (SIGNALS, what["signals"]),
             (TIMELINE, what["timeline"]), (WATCHLIST, what["watchlist"]), (HEALTH, what["health"]),
             (SOURCES, what["sources"]), (CHANGES, what["changes"]))
    for name, what_it_holds in pages:
        # Internal links to our own sheet names: no workbook text goes into them.
        sheet.ws.write_url(row, 0, f"internal:{quote_sheetname(name)}!A1", sheet.styles("link"), name)
        sheet.text(row, 2, what_it_holds)
        row += 1


# --- Table sheets ------------------------------------------------------------------------------------------

# The lab board's optional columns, by present.evidence.LAB_COLUMNS key: shown only when some lab fills them.
LAB_OPTIONAL: dict[str, tuple[tuple[Column, str], ...]] = {
    "since": ((Column("Since", "date", 11, 12), "since"),),
    "flagship": ((Column("Flagship model", most=28), "flagship"), (Column("Scale", most=20), "scale")),
    "licence": ((Column("Licence", most=18), "licence"),),
    "mid_scale": ((Column("Mid-scale model", most=24), "mid_scale"),
                  (Column("Mid-scale licence", most=18), "mid_scale_licence")),
    "source": ((Column("Source", "link", 12, 32), "source"),),
}


def _labs_sheet(sheet: _Sheet, p: Presentation) -> None:
    labs = p.labs
    optional = [pair for key in ("since", "flagship", "licence", "mid_scale") if labs.shows(key)
                for pair in LAB_OPTIONAL[key]]
    country = any(lab.country for lab in labs.rows)
    tail = [pair for pair in LAB_OPTIONAL["source"] if labs.shows("source")]
    columns = (Column("Lab", least=10, most=24), Column("Role", least=10, most=14),
               Column("Flagship weights", least=10, most=12), *(c for c, _ in optional),
               *((Column("Country", most=16),) if country else ()), *(c for c, _ in tail))
    rows = [(lab.lab, lab.role, lab.weights, *(getattr(lab, attr) for _, attr in optional),
             *((lab.country,) if country else ()), *(getattr(lab, attr) for _, attr in tail))
            for lab in labs.rows]
    marked = [index for index, lab in enumerate(labs.rows) if lab.marked]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("labs"), p.notes.labs)
    first, last = _filtered_table(sheet, columns, rows, labs.empty, marked)
    _words(sheet, first, last, 2, {"Closed": (WARM_FILL, WARM), "Open": (COOL_FILL, COOL)})
    _words(sheet, first, last, 1, {"Pivot lab": (WARM_FILL, WARM), "Follower": (WARM_FILL, WARM)})
    _finish(sheet, p, columns)


QUARTER_COLUMNS = (Column("Quarter", least=10, most=10), Column("Pays", "weight", 9, 9),
                   Column("Reverts", "weight", 9, 9), Column("Net", "score", 9, 9),
                   Column("Signals", "int", 9, 9, "center"))


def _evidence_sheet(book: Workbook, sheet: _Sheet, p: Presentation) -> None:
    e = p.evidence
    assert p.notes is not None
    _title(sheet, len(QUARTER_COLUMNS), p.heading("evidence"), p.notes.evidence)
    rows = [(q.quarter, q.pays, q.reverts, q.net, q.signals) for q in e.quarters]
    first, last = _table(sheet, 2, QUARTER_COLUMNS, rows, (), e.empty)
    if last >= first:
        add_evidence_chart(book, sheet.ws, QuarterTable(first, last, 0, 1, 2, 3), [q.reverts for q in e.quarters],
                           e.margin, (2, len(QUARTER_COLUMNS) + 1), scale=evidence_scale(e.quarters, e.margin))
    sheet.fit([(c.least, c.most) for c in QUARTER_COLUMNS])
    _page(sheet, p.masthead, (2, 2), (3, 0))


SIGNAL_COLUMNS = (Column("Quarter", least=9, most=9), Column("Signal", least=24, most=52),
                  Column("Lab", least=8, most=18), Column("Value", "amount", 8, 14), Column("Unit", most=14),
                  Column("Points to", least=9, most=9),
                  Column("Strength", "int", 8, 8, "center"), Column("Confidence", least=10, most=11),
                  Column("Weight", "score", 8, 8), Column("Counts", least=7, most=7, align="center"),
                  Column("Observed", "date", 11, 12), Column("Source", "link", 12, 30))


def _signals_sheet(sheet: _Sheet, p: Presentation) -> None:
    signals = p.evidence.all_signals
    # Value a number the desk can sort and sum (a text Value stays text), its unit in a column of its own.
    rows = [(s.quarter, s.signal, s.lab, Amount(s.number, s.places) if s.number is not None else s.value,
             s.unit if s.number is not None else None, s.points_to, s.strength, s.confidence, s.weight,
             "Yes" if s.counted else "No", s.observed, s.source) for s in signals]
    assert p.notes is not None
    _title(sheet, len(SIGNAL_COLUMNS), SIGNALS, p.notes.signals)
    first, last = _filtered_table(sheet, SIGNAL_COLUMNS, rows, p.evidence.latest.empty)
    _words(sheet, first, last, 5, {"Pays": (WARM_FILL, WARM), "Reverts": (COOL_FILL, COOL)})
    _finish(sheet, p, SIGNAL_COLUMNS)


def _timeline_sheet(sheet: _Sheet, p: Presentation) -> None:
    events = p.timeline.all
    columns = (Column("Date", "date", 11, 12), Column("Lab", least=8, most=18), Column("Kind", least=10, most=20),
               Column("Headline", least=30, most=70), Column("Model", most=24), Column("Source", "link", 12, 30),
               Column("Note", least=8, most=10))
    rows = [(e.date, e.lab, e.kind, e.headline, e.model, e.source, "The pivot" if e.is_pivot else None)
            for e in events]
    pivots = [index for index, e in enumerate(events) if e.is_pivot]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("timeline"), p.notes.timeline)
    _filtered_table(sheet, columns, rows, p.timeline.empty, pivots)
    _finish(sheet, p, columns)


def _watchlist_sheet(sheet: _Sheet, p: Presentation) -> None:
    columns = (Column("Due", "date", 11, 17), Column("Days left", "int", 9, 9), Column("Attention", least=10, most=10),
               Column("Status", least=9, most=10), Column("Milestone", least=24, most=50),
               Column("Why it matters", least=24, most=50), Column("Outcome", least=10, most=30))
    rows = [(w.due, w.days_left, w.attention, w.status, w.milestone, w.why, w.outcome) for w in p.watchlist.all]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("watchlist"), p.notes.watchlist)
    first, last = _filtered_table(sheet, columns, rows, p.watchlist.empty)
    if last >= first:
        for word, fill, font in (("Overdue", palette.ALERT_TINT, palette.ALERT),
                                 ("Due soon", palette.SOON_TINT, palette.SOON)):
            sheet.ws.conditional_format(first, 0, last, len(columns) - 1, {
                "type": "formula", "criteria": f'=$C{first + 1}="{word}"',
                "format": sheet.styles.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
            })
    _finish(sheet, p, columns)


def _health_sheet(sheet: _Sheet, p: Presentation) -> None:
    h = p.health
    columns = (Column("Kind", least=12, most=14), Column("Where", least=10, most=22),
               Column("Message", least=40, most=100))
    rows = [(item.label, item.where, item.message) for item in h.items.all]
    # The readers' summary on top, one sentence a row; the rows for the desk under it.
    summary = (*((h.left_out,) if h.left_out else ()), *h.sentences)
    _title(sheet, len(columns), p.heading("health"))
    for index, sentence in enumerate(summary):
        sheet.text(1 + index, 0, sentence, fit=False)
    top = 2 + len(summary)
    _filtered_table(sheet, columns, rows, h.empty, top=top)
    _finish(sheet, p, columns, top=top)


CHANGE_COLUMNS = (Column("Change", least=9, most=12), Column("Why it matters", least=12, most=16),
                  Column("What", least=30, most=70), Column("Before → after", least=20, most=60))


def _changes_sheet(sheet: _Sheet, p: Presentation) -> None:
    """Every change since the last edition, those that matter most first (the Briefing sheet shows the first)."""
    c = p.changes
    assert p.notes is not None
    rows = [(line.label, line.tag, line.what, line.before_after) for line in c.lines]
    _title(sheet, len(CHANGE_COLUMNS), p.heading("changes"), p.notes.changes)
    _filtered_table(sheet, CHANGE_COLUMNS, rows, c.note if c.first else c.rows.empty)
    _finish(sheet, p, CHANGE_COLUMNS)


def _sources_sheet(sheet: _Sheet, p: Presentation) -> None:
    columns = (Column("Source", "link", 16, 50), Column("Publisher", least=10, most=30),
               Column("Published", "date", 11, 12), Column("Cited by", "int", 9, 9, "center"),
               Column("URL", least=8, most=50))
    rows = [(s.link, s.publisher, s.published, s.cited or "", s.url_text) for s in p.sources.all]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("sources"), p.notes.sources)
    _filtered_table(sheet, columns, rows, EMPTY["sources"])
    _finish(sheet, p, columns)
