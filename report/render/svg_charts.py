"""The briefing's two charts, drawn once as SVG: the page inlines them, the email rasterises the same SVG to PNG.

Each SVG carries its own colours and font as presentation attributes (from report/palette.py), so it looks
the same inlined in the page, opened on its own, or rasterised by resvg for the email; nothing depends on a
stylesheet. Each has a <title> and a <desc>, and an alt text that states the figures.

Sized for phones: the charts are drawn on a 600-unit-wide canvas, the email's width, and the smallest text
is 18 units, so a phone that shows the 600-px email at 375 px still draws it at 11.25 px (issue 11 §3).
The work is bounded whatever the workbook holds: the evidence chart shows at most the last MAX_QUARTERS
quarters, the timeline at most MAX_LANES lanes and one marker per lane and 8-unit column.

    evidence_svg(quarters, margin)          pays up, reverts down, net marked and labelled, ±margin lines
    timeline_svg(timeline, pivot, edition)  one lane per lab, a marker per event kind, pivot and edition lines
    png(chart)                              the same drawing as PNG, at twice its size
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from markupsafe import Markup, escape

from .. import palette
from ..formatting import signed

WIDTH = 600  # the canvas, in CSS px: the email's width
TEXT = 18  # the smallest text, in canvas units (11.25 CSS px when 600 is shown at 375)
SCALE = 2  # the PNG is drawn at twice the canvas, so it stays sharp on phones
CHAR = 0.66  # a generous average advance of DejaVu Sans (bold), in ems, to lay out text without measuring
MAX_QUARTERS = 8
MAX_LANES = 7  # more labs than this and the quietest share one "Other labs" lane
LABEL_CHARS = 12  # a lane's label is cut to this many characters
# The faces resvg is given (fonts-dejavu-core); the SVG names the family first. Without them: system fonts.
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# Event kinds: (shape, colour). Closing points to pays, opening to reverts.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "Closed flagship": ("square", palette.PAYS),
    "Reopened flagship": ("triangle", palette.REVERTS),
    "Open-weight release": ("circle", palette.REVERTS),
    "Disclosure": ("diamond", palette.MUTED),
    "Other": ("circle", palette.MUTED),
}


class QuarterFigures(Protocol):
    """What the evidence chart needs of a quarter (briefing.QuarterWeight and present.QuarterLine both have it)."""

    @property
    def quarter(self) -> str: ...
    @property
    def pays(self) -> float: ...
    @property
    def reverts(self) -> float: ...
    @property
    def net(self) -> float: ...


class TimelineEvent(Protocol):
    """What the timeline chart needs of an event."""

    @property
    def date(self) -> dt.date: ...
    @property
    def lab(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def is_pivot(self) -> bool: ...


@dataclass(frozen=True)
class ChartSvg:
    """One chart: its SVG markup (safe to place in a page as it is), size in CSS px, and alt text."""

    name: str  # "evidence" or "timeline": ids inside the SVG, the PNG's file name
    svg: Markup
    width: int
    height: int
    alt: str

    def __html__(self) -> str:
        return str(self.svg)

    def __str__(self) -> str:
        return str(self.svg)


_NARROW = set("iljtf.,:;'|!()[] ")
_WIDE = set("MWmw@%&<>=+~\u2212")


def _advance(char: str) -> float:
    """A character's advance in ems, a little over DejaVu Sans' own (bold included): wide for CJK and capitals."""
    if char in _NARROW:
        return 0.4
    if char in _WIDE or ord(char) > 0x2E80:
        return 1.05
    if char.isupper():
        return 0.8
    return CHAR


def _text_width(text: str, size: float = TEXT) -> float:
    """Text's width without measuring it: generous, so a label never runs off the picture."""
    return sum(_advance(char) for char in text) * size


def _num(value: float) -> str:
    """A coordinate, short: 12.5 not 12.500000001."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = palette.INK, weight: str = "normal",
          halo: bool = False) -> str:
    extra = (f' stroke="{palette.BACKGROUND}" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
             if halo else "")
    bold = ' font-weight="bold"' if weight == "bold" else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{fill}"{bold}{extra}>'
            f"{escape(text)}</text>")


def _shape(kind: str, x: float, y: float, r: float, fill: str) -> str:
    """A marker centred on (x, y), white-edged so overlapping markers stay apart."""
    edge = f'fill="{fill}" stroke="{palette.BACKGROUND}" stroke-width="1.5"'
    if kind == "square":
        return f'<rect x="{_num(x - r)}" y="{_num(y - r)}" width="{_num(2 * r)}" height="{_num(2 * r)}" {edge}/>'
    if kind == "triangle":
        points = f"{_num(x)},{_num(y - r * 1.15)} {_num(x + r * 1.1)},{_num(y + r * 0.85)} {_num(x - r * 1.1)},{_num(y + r * 0.85)}"
        return f'<polygon points="{points}" {edge}/>'
    if kind == "diamond":
        r *= 1.2
        points = f"{_num(x)},{_num(y - r)} {_num(x + r)},{_num(y)} {_num(x)},{_num(y + r)} {_num(x - r)},{_num(y)}"
        return f'<polygon points="{points}" {edge}/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" {edge}/>'


def _legend(items: Sequence[tuple[str, str]], top: float) -> tuple[list[str], float]:
    """Legend entries (a swatch's markup at (0, 0), the words) flowed into rows; returns the parts and the bottom."""
    parts: list[str] = []
    x, y, row = 12.0, top + TEXT, TEXT * 1.6
    for swatch, words in items:
        width = 28 + _text_width(words) + 22
        if x > 12 and x + width > WIDTH - 8:
            x, y = 12.0, y + row
        parts.append(f'<g transform="translate({_num(x + 10)} {_num(y - TEXT * 0.35)})">{swatch}</g>')
        parts.append(_text(x + 28, y, words, fill=palette.INK))
        x += width
    return parts, y + TEXT * 0.6


def _svg(name: str, height: float, title: str, desc: str, body: Iterable[str]) -> Markup:
    h = math.ceil(height)
    # role="img" with the title and desc as its name: a screen reader reads the figures, not every label.
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{name}" role="img" '
            f'viewBox="0 0 {WIDTH} {h}" width="{WIDTH}" height="{h}" '
            f'aria-labelledby="{name}-chart-title {name}-chart-desc" '
            f'font-family="{escape(palette.CHART_FONT)}" font-size="{TEXT}">'
            f'<title id="{name}-chart-title">{escape(title)}</title>'
            f'<desc id="{name}-chart-desc">{escape(desc)}</desc>'
            f'<rect width="{WIDTH}" height="{h}" fill="{palette.BACKGROUND}"/>')
    return Markup(head + "".join(body) + "</svg>")


# --- Evidence ------------------------------------------------------------------------------------------------

def _short(value: float) -> str:
    """A signed figure short enough for its quarter's column: two places, one past ±10."""
    return signed(value, 1 if abs(value) >= 10 else 2)


def evidence_alt(quarters: Sequence[QuarterFigures], margin: float) -> str:
    """The evidence chart in words: each quarter shown, the score so far and the margin it is held to."""
    shown = list(quarters[-MAX_QUARTERS:])
    parts = [f"{q.quarter}: pays {q.pays:.2f}, reverts {q.reverts:.2f}, net {signed(q.net)}" for q in shown]
    more = f" (the last {len(shown)} of {len(quarters)} quarters)" if len(quarters) > len(shown) else ""
    score = sum(q.net for q in quarters)
    return (f"Evidence by quarter since the pivot{more}: " + "; ".join(parts)
            + f". Score so far {signed(score)}; the call needs {signed(margin, 1).replace('+', '±')}.")


def evidence_svg(quarters: Sequence[QuarterFigures], margin: float) -> ChartSvg:
    """Pays weight up, reverts weight down, per quarter (the last eight); each quarter's net marked and written
    under its name; the score so far as a line, held against the ±margin the verdict uses."""
    every = list(quarters)
    shown = every[-MAX_QUARTERS:]
    running: list[float] = []
    total = 0.0
    for q in every:
        total += q.net
        running.append(total)
    scores = running[-len(shown):] if shown else []
    margin = abs(margin)

    high = max([q.pays for q in shown] + [s for s in scores] + [margin, 0.5]) * 1.12
    low = max([q.reverts for q in shown] + [-s for s in scores] + [margin, 0.5]) * 1.12
    left, right, top, plot = 74.0, 14.0, 16.0, 250.0
    zero = top + plot * high / (high + low)

    def y(value: float) -> float:
        return zero - value * plot / (high + low)

    n = max(len(shown), 1)
    step = (WIDTH - left - right) / max(n, 3)  # one or two quarters keep a sensible bar width, centred
    start = left + (WIDTH - left - right - step * n) / 2
    bar = min(step * 0.55, 56.0)
    body: list[str] = []
    # Grid and the ±margin, with their figures in the gutter: the reader sees where the call is made.
    body.append(f'<line x1="{left}" y1="{_num(zero)}" x2="{WIDTH - right}" y2="{_num(zero)}" stroke="{palette.INK}" '
                f'stroke-width="1.5"/>')
    body.append(_text(left - 8, zero + TEXT * 0.35, "0", anchor="end", fill=palette.MUTED))
    for value in (margin, -margin):
        body.append(f'<line x1="{left}" y1="{_num(y(value))}" x2="{WIDTH - right}" y2="{_num(y(value))}" '
                    f'stroke="{palette.MUTED}" stroke-width="1.5" stroke-dasharray="6 5"/>')
        body.append(_text(left - 8, y(value) + TEXT * 0.35, signed(value, 1), anchor="end", fill=palette.MUTED))
    for i, q in enumerate(shown):
        cx = start + step * (i + 0.5)
        if q.pays > 0:
            body.append(f'<rect x="{_num(cx - bar / 2)}" y="{_num(y(q.pays))}" width="{_num(bar)}" '
                        f'height="{_num(zero - y(q.pays))}" fill="{palette.PAYS}"/>')
        if q.reverts > 0:
            body.append(f'<rect x="{_num(cx - bar / 2)}" y="{_num(zero)}" width="{_num(bar)}" '
                        f'height="{_num(y(-q.reverts) - zero)}" fill="{palette.REVERTS}"/>')
    # The score so far: a line through each quarter's running total, the last one labelled.
    if scores:
        points = " ".join(f"{_num(start + step * (i + 0.5))},{_num(y(s))}" for i, s in enumerate(scores))
        body.append(f'<polyline points="{points}" fill="none" stroke="{palette.INK}" stroke-width="2" '
                    f'stroke-dasharray="2 3"/>')
        for i, s in enumerate(scores):
            body.append(_shape("circle", start + step * (i + 0.5), y(s), 5, palette.INK))
    for i, q in enumerate(shown):
        cx = start + step * (i + 0.5)
        body.append(_shape("diamond", cx, y(q.net), 7, palette.NET))
    if scores:
        last_x, last_y = start + step * (len(scores) - 0.5), y(scores[-1])
        label = f"score {signed(scores[-1])}"
        # Beside the last point, on the side with room; the halo keeps it readable over a bar.
        if last_x + 14 + _text_width(label) <= WIDTH - 4:
            body.append(_text(last_x + 14, last_y + TEXT * 0.35, label, weight="bold", halo=True))
        else:  # the last quarter is at the right edge: the label goes above (or below) its point
            dy = -14.0 if scores[-1] >= 0 else 14 + TEXT * 0.7
            body.append(_text(last_x + 8, last_y + dy, label, anchor="end", weight="bold", halo=True))
    # Under each quarter: its name on two lines, then its net, coloured by the side it leans to.
    base = top + plot + 8
    for i, q in enumerate(shown):
        cx = start + step * (i + 0.5)
        name, _, year = q.quarter.partition("-")
        label, second = (year, name) if year else (q.quarter, "")
        body.append(_text(cx, base + TEXT, label, anchor="middle"))
        if second:
            body.append(_text(cx, base + TEXT * 2.1, second, anchor="middle", fill=palette.MUTED))
        colour = palette.PAYS if q.net > 0 else palette.REVERTS if q.net < 0 else palette.MUTED
        body.append(_text(cx, base + TEXT * 3.3, _short(q.net), anchor="middle", fill=colour, weight="bold"))
    legend_items = [
        (f'<rect x="-9" y="-7" width="18" height="14" fill="{palette.PAYS}"/>', "Pays"),
        (f'<rect x="-9" y="-7" width="18" height="14" fill="{palette.REVERTS}"/>', "Reverts"),
        (_shape("diamond", 0, 0, 7, palette.NET), "Net (figure below)"),
        (f'<line x1="-12" y1="0" x2="12" y2="0" stroke="{palette.INK}" stroke-width="2" stroke-dasharray="2 3"/>'
         + _shape("circle", 0, 0, 5, palette.INK), "Score so far"),
        ((f'<line x1="-12" y1="0" x2="12" y2="0" stroke="{palette.MUTED}" stroke-width="1.5" '
         f'stroke-dasharray="6 5"/>'), f"Call margin {signed(margin, 1).replace('+', '±')}"),
    ]
    legend, bottom = _legend(legend_items, base + TEXT * 4)
    body.extend(legend)
    alt = evidence_alt(every, margin)
    title = "Evidence by quarter since the pivot"
    return ChartSvg("evidence", _svg("evidence", bottom + 8, title, alt, body), WIDTH, math.ceil(bottom + 8), alt)


# --- Timeline ------------------------------------------------------------------------------------------------

def _lanes(timeline: Sequence[TimelineEvent]) -> list[str]:
    """Labs in the order they first appear; past MAX_LANES, the quietest share an 'Other labs' lane."""
    count: dict[str, int] = {}
    for item in timeline:
        count[item.lab] = count.get(item.lab, 0) + 1
    order = list(count)  # dicts keep first-appearance order
    if len(order) <= MAX_LANES:
        return order
    keep = set(sorted(order, key=lambda lab: -count[lab])[: MAX_LANES - 1])
    return [lab for lab in order if lab in keep] + ["Other labs"]


def _cut(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ticks(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """At most four dates on the axis: month starts (or year starts over a long run), evenly thinned."""
    span = (last - first).days
    starts: list[dt.date] = []
    day = dt.date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            starts.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    if not starts:
        starts = [first]
    if span > 540:
        starts = [d for d in starts if d.month == 1] or starts[:1]
    keep = starts[:: max(1, math.ceil(len(starts) / 4))]
    fmt = "%Y" if span > 540 else "%b %Y" if span > 300 else "%-d %b"
    return [(d, d.strftime(fmt)) for d in keep]


def _kind_order(kind: str) -> int:
    order = list(KIND_STYLE)
    return order.index(kind) if kind in order else len(order)


def timeline_alt(timeline: Sequence[TimelineEvent]) -> str:
    """The timeline chart in words: the first events, then how many more."""
    shown = [f"{item.date.isoformat()} {item.lab}, {item.kind.lower()}{' (the pivot)' if item.is_pivot else ''}"
             for item in timeline[:6]]
    more = f"; and {len(timeline) - 6:,} more" if len(timeline) > 6 else ""
    return (f"Timeline of {len(timeline):,} event{'s' if len(timeline) != 1 else ''} since the pivot: "
            + "; ".join(shown) + more + ".")


def timeline_svg(timeline: Sequence[TimelineEvent], pivot: dt.date, edition: dt.date) -> ChartSvg:
    """Events since the pivot: one lane per lab, a marker shape and colour per kind, the pivot and this
    edition marked by dashed lines."""
    lanes = _lanes(timeline)
    lane_of = {lab: i for i, lab in enumerate(lanes)}
    labels = [_cut(lab) for lab in lanes]
    left = min(max((_text_width(label) for label in labels), default=60) + 20, 240.0)
    right, top, lane_h = 16.0, 60.0, 38.0
    first = min([pivot, *(item.date for item in timeline)])
    last = max([edition, *(item.date for item in timeline)])
    span = max((last - first).days, 14)
    pad = max(2, span // 20)
    x0, x1 = first - dt.timedelta(days=pad), last + dt.timedelta(days=pad)
    days = (x1 - x0).days

    def x(day: dt.date) -> float:
        return left + (day - x0).days * (WIDTH - left - right) / days

    bottom_axis = top + lane_h * max(len(lanes), 1)
    body: list[str] = []
    for i, label in enumerate(labels):
        cy = top + lane_h * (i + 0.5)
        body.append(f'<line x1="{_num(left)}" y1="{_num(cy)}" x2="{WIDTH - right}" y2="{_num(cy)}" '
                    f'stroke="{palette.RULE}" stroke-width="1"/>')
        body.append(_text(left - 10, cy + TEXT * 0.35, label, anchor="end"))
    body.append(f'<line x1="{_num(left)}" y1="{_num(bottom_axis)}" x2="{WIDTH - right}" y2="{_num(bottom_axis)}" '
                f'stroke="{palette.MUTED}" stroke-width="1"/>')
    # The pivot's label starts at its line, the edition's ends at its: each on its own row, never overlapping.
    for day, words, row, anchor in ((pivot, "pivot", 22.0, "start"), (edition, "this edition", 46.0, "end")):
        px = x(day)
        body.append(f'<line x1="{_num(px)}" y1="{_num(row + 4)}" x2="{_num(px)}" y2="{_num(bottom_axis)}" '
                    f'stroke="{palette.MUTED}" stroke-width="1.5" stroke-dasharray="5 4"/>')
        if anchor == "start" and px + _text_width(words) > WIDTH - right:
            anchor = "end"
        if anchor == "end" and px - _text_width(words) < 0:
            anchor = "start"
        body.append(_text(px + (4 if anchor == "start" else -4), row, words, anchor=anchor, fill=palette.MUTED))
    for day, words in _ticks(first, last):
        tx = x(day)
        anchor = "start" if tx - _text_width(words) / 2 < 4 else "end" if tx + _text_width(words) / 2 > WIDTH - 4 \
            else "middle"
        body.append(f'<line x1="{_num(tx)}" y1="{_num(bottom_axis)}" x2="{_num(tx)}" y2="{_num(bottom_axis + 6)}" '
                    f'stroke="{palette.MUTED}"/>')
        body.append(_text(tx, bottom_axis + 6 + TEXT, words, anchor=anchor, fill=palette.MUTED))
    # One marker per lane and 8-unit column (the first event's kind there; the pivot always its own): markers
    # that close would overlap anyway, and a hundred thousand events draw as a few hundred shapes.
    seen: set[tuple[int, int, bool]] = set()
    kinds: list[str] = []
    pivots: list[str] = []
    origin, per_day = x0.toordinal(), (WIDTH - left - right) / days
    other = len(lanes) - 1
    for item in timeline:
        lane = lane_of.get(item.lab, other)
        px = left + (item.date.toordinal() - origin) * per_day
        key = (lane, int(px // 8), item.is_pivot)
        if key in seen:
            continue
        seen.add(key)
        if item.kind not in kinds:
            kinds.append(item.kind)
        shape, colour = KIND_STYLE.get(item.kind, KIND_STYLE["Other"])
        marker = _shape(shape, px, top + lane_h * (lane + 0.5), 10 if item.is_pivot else 7, colour)
        # The pivot's marker goes last, on top of anything it shares a spot with.
        (pivots if item.is_pivot else body).append(marker)
    body.extend(pivots)
    items = [(_shape(*KIND_STYLE.get(kind, KIND_STYLE["Other"])[:1], 0, 0, 7,
                     KIND_STYLE.get(kind, KIND_STYLE["Other"])[1]), kind) for kind in sorted(kinds, key=_kind_order)[:6]]
    legend, bottom = _legend(items, bottom_axis + 8 + TEXT * 1.4)
    body.extend(legend)
    alt = timeline_alt(timeline)
    return ChartSvg("timeline", _svg("timeline", bottom + 8, "Timeline since the pivot", alt, body), WIDTH,
                    math.ceil(bottom + 8), alt)


# --- PNG -----------------------------------------------------------------------------------------------------

@cache
def _font_files() -> tuple[str, ...]:
    return tuple(f for f in FONT_FILES if Path(f).is_file())


def png(chart: ChartSvg) -> bytes:
    """The chart as PNG at SCALE times its size (the email shows it at `chart.width` CSS px)."""
    import resvg_py  # imported here: the page and the xlsx never pay for it

    files = _font_files()
    # Only the two faces the charts use, when present: loading every system font costs more than drawing.
    data = resvg_py.svg_to_bytes(svg_string=str(chart.svg), zoom=SCALE, background=palette.BACKGROUND,
                                 font_files=list(files) or None, skip_system_fonts=len(files) == len(FONT_FILES),
                                 font_family="DejaVu Sans", sans_serif_family="DejaVu Sans")
    return bytes(data)
