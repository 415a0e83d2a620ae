"""The briefing's two charts, drawn once as SVG: the page inlines them, the email rasterises the same SVG to PNG.

Each SVG carries its own colours and font as presentation attributes (from report/palette.py), so it looks
the same inlined in the page, opened on its own, or rasterised by resvg for the email; nothing depends on a
stylesheet. Each has a <title> and a <desc>, and an alt text that states the figures. Every word a chart
writes (title, alt text, legend, labels) comes with what it draws, from report/present/charts.py: the charts
place words, they write none.

Sized for phones: the charts are drawn on a 600-unit-wide canvas, the email's width, and the smallest text
is 18 units, so the email's chart, 560 px inside its margins, still draws it at 10 px on a 375-px phone.
The work is bounded whatever the workbook holds: the evidence chart shows at most the last `chart.shown`
quarters, the timeline at most MAX_LANES lanes (more when followers need them) and one marker per lane and
8-unit column.

    evidence_scale(quarters, margin)        the one value scale (round ticks) the page, email and xlsx use
    evidence_svg(chart)                     pays up, reverts down, net marked, the score so far, the ±margin band
    timeline_svg(chart)                     one lane per lab, named whole; pivot lab and followers marked
    presentation_charts(p)                  both charts of one Presentation, for the page and the email alike
    png(chart)                              the same drawing as PNG, at twice its size
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from .. import palette
from ..present.views import EvidenceChart, QuarterFigures, TimelineChart, TimelineEvent

if TYPE_CHECKING:
    from ..present import Presentation

WIDTH = 600  # the canvas, in CSS px: the email's width
TEXT = 18  # the smallest text, in canvas units (11.25 CSS px when 600 is shown at 375)
SCALE = 2  # the PNG is drawn at twice the canvas, so it stays sharp on phones
CHAR = 0.66  # a generous average advance of DejaVu Sans (bold), in ems, to lay out text without measuring
MAX_LANES = 7  # more labs than this and the quietest share one "Other labs" lane (never the pivot lab or a follower)
MAX_MARKED_LANES = 24  # ... unless there are more followers than this: a chart, not a register
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
FLAGSHIP_MOVES = ("Closed flagship", "Reopened flagship")  # drawn over any other kind at the same spot


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

@dataclass(frozen=True)
class Scale:
    """The evidence chart's value axis: round ticks from `low` to `high` (0 among them), `step` apart."""

    low: float
    high: float
    step: float

    @property
    def ticks(self) -> tuple[float, ...]:
        count = round((self.high - self.low) / self.step)
        return tuple(round(self.low + i * self.step, 10) for i in range(count + 1))

    @property
    def places(self) -> int:
        """Decimals a tick label needs: 0 for whole steps, 1 for 0.5 or 2.5, 2 below that."""
        for places in (0, 1, 2, 3):
            if abs(self.step * 10**places - round(self.step * 10**places)) < 1e-9:
                return places
        return 3

    def label(self, value: float) -> str:
        """A tick's figure: 0 bare, others signed with a real minus sign and thousands separated."""
        if abs(value) < self.step / 1000:
            return "0"
        text = f"{abs(value):,.{self.places}f}"
        return ("+" if value > 0 else "\u2212") + text


STEPS = (1.0, 2.0, 2.5, 5.0)  # round steps, times a power of ten
MAX_TICKS = 7  # at most this many ticks on the value axis (6 intervals)


def nice_scale(low: float, high: float, max_ticks: int = MAX_TICKS) -> Scale:
    """The smallest round scale covering `low`..`high` (and 0) with at most `max_ticks` ticks, 0 among them."""
    low, high = min(low, 0.0), max(high, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)) or high - low <= 0:
        return Scale(-1.0, 1.0, 1.0) if high - low <= 0 else Scale(0.0, 1.0, 1.0)
    power = 10 ** math.floor(math.log10((high - low) / (max_ticks - 1)))
    while True:
        for base in STEPS:
            step = base * power
            below, above = math.ceil(-low / step - 1e-9), math.ceil(high / step - 1e-9)
            if below + above + 1 <= max_ticks:
                return Scale(round(-below * step, 10), round(above * step, 10), step)
        power *= 10


def running_scores(quarters: Sequence[QuarterFigures]) -> list[float]:
    """The score so far after each quarter: the running sum of the nets."""
    scores, total = [], 0.0
    for q in quarters:
        total += q.net
        scores.append(round(total, 10))
    return scores


def evidence_scale(quarters: Sequence[QuarterFigures], margin: float) -> Scale:
    """The one value scale of the evidence chart, on the page, in the email and in the xlsx: it covers every
    quarter's pays (up), reverts (down), net and score so far, and the ±margin band."""
    scores = running_scores(quarters)
    # Room beyond the margin, so its band shows as a band; at least ±0.5, so a zero margin still has a scale.
    room = max(abs(margin) * 1.2, 0.5)
    high = max([room, *(q.pays for q in quarters), *(q.net for q in quarters), *scores])
    low = min([-room, *(-q.reverts for q in quarters), *(q.net for q in quarters), *scores])
    return nice_scale(low, high)


def _short(value: float) -> str:
    """A signed figure short enough for its quarter's column: two places, one past ±10, none past ±1,000."""
    places = 0 if abs(value) >= 1000 else 1 if abs(value) >= 10 else 2
    if abs(value) < 0.5 * 10**-places:
        return f"{0:.{places}f}"
    return ("+" if value > 0 else "\u2212") + f"{abs(value):,.{places}f}"


PAYS_SWATCH = f'<rect x="-9" y="-7" width="18" height="14" fill="{palette.PAYS}"/>'
REVERTS_SWATCH = f'<rect x="-9" y="-7" width="18" height="14" fill="{palette.REVERTS}"/>'
BAND_STYLE = f'fill="{palette.RULE}" fill-opacity="0.45"'


def evidence_svg(chart: EvidenceChart) -> ChartSvg:
    """Pays weight up, reverts weight down, per quarter (the last `chart.shown`), on a round scale that covers
    them; each quarter's net a diamond, its figure on the net row under the quarter; the score so far as a line;
    the ±margin the verdict uses as a band. Text sits only in the gutter, under the plot and in the legend,
    so no label ever crosses a bar or a line; the legend lists what is drawn, in the plot's words."""
    every = list(chart.quarters)
    shown = every[-chart.shown:]
    scores = running_scores(every)[-len(shown):] if shown else []
    margin = chart.margin
    scale = evidence_scale(every, margin)
    labels = [scale.label(t) for t in scale.ticks]
    left = max([_text_width(label) for label in labels] + [_text_width(chart.net)]) + 18
    right, top, plot = 14.0, 14.0, 250.0

    def y(value: float) -> float:
        return top + (scale.high - value) * plot / (scale.high - scale.low)

    zero = y(0.0)
    n = max(len(shown), 1)
    step = (WIDTH - left - right) / max(n, 3)  # one or two quarters keep a sensible bar width, centred
    start = left + (WIDTH - left - right - step * n) / 2
    bar = min(step * 0.55, 56.0)
    drawn: set[str] = set()
    plot_parts: list[str] = []
    gutter: list[str] = []
    # The call margin: the band the score must leave for the verdict to lean one way.
    plot_parts.append(f'<rect class="band" x="{_num(left)}" y="{_num(y(margin))}" width="{_num(WIDTH - left - right)}" '
                      f'height="{_num(y(-margin) - y(margin))}" {BAND_STYLE}/>')
    for value in (margin, -margin):  # its edges, so the band shows even when the weights dwarf it
        plot_parts.append(f'<line class="band" x1="{_num(left)}" y1="{_num(y(value))}" x2="{WIDTH - right}" '
                          f'y2="{_num(y(value))}" stroke="{palette.MUTED}" stroke-width="1.5" stroke-dasharray="6 5"/>')
    for tick, label in zip(scale.ticks, labels, strict=True):
        if tick != 0:
            plot_parts.append(f'<line x1="{_num(left)}" y1="{_num(y(tick))}" x2="{WIDTH - right}" '
                              f'y2="{_num(y(tick))}" stroke="{palette.RULE}" stroke-width="1"/>')
        gutter.append(_text(left - 8, y(tick) + TEXT * 0.35, label, anchor="end", fill=palette.MUTED))
    for i, q in enumerate(shown):
        cx = start + step * (i + 0.5)
        if q.pays > 0:
            drawn.add("pays")
            plot_parts.append(f'<rect class="bar" x="{_num(cx - bar / 2)}" y="{_num(y(q.pays))}" width="{_num(bar)}" '
                              f'height="{_num(zero - y(q.pays))}" fill="{palette.PAYS}"/>')
        if q.reverts > 0:
            drawn.add("reverts")
            plot_parts.append(f'<rect class="bar" x="{_num(cx - bar / 2)}" y="{_num(zero)}" width="{_num(bar)}" '
                              f'height="{_num(y(-q.reverts) - zero)}" fill="{palette.REVERTS}"/>')
    plot_parts.append(f'<line x1="{_num(left)}" y1="{_num(zero)}" x2="{WIDTH - right}" y2="{_num(zero)}" '
                      f'stroke="{palette.INK}" stroke-width="1.5"/>')
    if scores:
        points = " ".join(f"{_num(start + step * (i + 0.5))},{_num(y(s))}" for i, s in enumerate(scores))
        plot_parts.append(f'<polyline points="{points}" fill="none" stroke="{palette.INK}" stroke-width="2" '
                          f'stroke-dasharray="2 3"/>')
        for i, s in enumerate(scores):
            plot_parts.append(_shape("circle", start + step * (i + 0.5), y(s), 5, palette.INK))
    for i, q in enumerate(shown):
        plot_parts.append(_shape("diamond", start + step * (i + 0.5), y(q.net), 7, palette.NET))
    # Under each quarter: its name on two lines, then its net on the row the gutter calls "Net".
    base = top + plot + 8
    under: list[str] = []
    for i, q in enumerate(shown):
        cx = start + step * (i + 0.5)
        name, _, year = q.quarter.partition("-")
        label, second = (year, name) if year else (q.quarter, "")
        under.append(_text(cx, base + TEXT, label, anchor="middle"))
        if second:
            under.append(_text(cx, base + TEXT * 2.1, second, anchor="middle", fill=palette.MUTED))
        colour = palette.PAYS if q.net > 0 else palette.REVERTS if q.net < 0 else palette.MUTED
        under.append(_text(cx, base + TEXT * 3.3, _short(q.net), anchor="middle", fill=colour, weight="bold"))
    if shown:
        gutter.append(_text(left - 8, base + TEXT * 3.3, chart.net, anchor="end", weight="bold"))
    legend_items = [item for key, item in (
        ("pays", (PAYS_SWATCH, chart.pays)),
        ("reverts", (REVERTS_SWATCH, chart.reverts)),
        ("net", (_shape("diamond", 0, 0, 7, palette.NET), chart.net)),
        ("score", (f'<line x1="-12" y1="0" x2="12" y2="0" stroke="{palette.INK}" stroke-width="2" '
                   f'stroke-dasharray="2 3"/>' + _shape("circle", 0, 0, 5, palette.INK), chart.score)),
        ("band", ((f'<rect x="-12" y="-8" width="24" height="16" {BAND_STYLE} stroke="{palette.MUTED}" '
                  'stroke-width="1.5" stroke-dasharray="6 5"/>'), chart.band)),
    ) if key in drawn or key == "band" or (key in ("net", "score") and shown)]
    legend, bottom = _legend(legend_items, base + TEXT * 4)
    body = [*gutter, '<g class="plot">', *plot_parts, "</g>", *under, '<g class="legend">', *legend, "</g>"]
    return ChartSvg("evidence", _svg("evidence", bottom + 8, chart.title, chart.alt, body), WIDTH,
                    math.ceil(bottom + 8), chart.alt)


# --- Timeline ------------------------------------------------------------------------------------------------

def _lanes(chart: TimelineChart) -> list[str]:
    """Labs in the order they first appear. The pivot lab and every follower (`chart.lanes`) keep a lane of
    their own; past MAX_LANES, the quietest of the others share one lane (`chart.others`), last."""
    count: dict[str, int] = {}
    for item in chart.events:
        count[item.lab] = count.get(item.lab, 0) + 1
    order = list(count)  # dicts keep first-appearance order
    if len(order) <= MAX_LANES:
        return order
    # The pivot lab and the followers first (past MAX_MARKED_LANES even they share, so the work stays bounded).
    marked = sorted((lab for lab in order if lab in chart.lanes), key=lambda lab: lab != chart.pivot_lab)
    kept = set(marked[:MAX_MARKED_LANES])  # sorted() is stable: the pivot lab, then followers as they appear
    rest = sorted((lab for lab in order if lab not in kept), key=lambda lab: -count[lab])
    kept.update(rest[: max(MAX_LANES - 1 - len(kept), 0)])
    return [lab for lab in order if lab in kept] + [chart.others]


def _wrap(text: str, width: float) -> list[str]:
    """A name whole, on as many lines as it needs to fit `width` (words kept; a word too long stays whole)."""
    lines: list[str] = []
    for word in " ".join(text.split()).split(" "):
        if lines and _text_width(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


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


def timeline_svg(chart: TimelineChart) -> ChartSvg:
    """Events since the pivot: one lane per lab, its name whole above it (the pivot lab's and the followers'
    with their role on the lab board, `chart.lanes`), a marker shape and colour per kind, the pivot and this
    edition marked by dashed lines. The pivot lab and the followers never share a lane."""
    timeline: Sequence[TimelineEvent] = chart.events
    pivot, edition = chart.pivot, chart.edition
    lanes = _lanes(chart)
    lane_of = {lab: i for i, lab in enumerate(lanes)}
    left, right, top = 12.0, 16.0, 60.0
    first = min([pivot, *(item.date for item in timeline)])
    last = max([edition, *(item.date for item in timeline)])
    span = max((last - first).days, 14)
    pad = max(2, span // 20)
    x0, x1 = first - dt.timedelta(days=pad), last + dt.timedelta(days=pad)
    days = (x1 - x0).days

    def x(day: dt.date) -> float:
        return left + (day - x0).days * (WIDTH - left - right) / days

    # Each lane: its name (and role) on one line or more above its rule, the markers on the rule. The name
    # starts right of the pivot's line and ends left of the edition's, so no dashed line crosses it.
    name_left = x(pivot) + 8
    name_width = max(x(edition) - 8 - name_left, 160.0)
    lane_top: list[float] = []
    lane_lines: list[list[str]] = []
    y = top
    for lab in lanes:
        lines = _wrap(chart.lanes.get(lab, lab), name_width)
        lane_top.append(y)
        lane_lines.append(lines)
        y += TEXT * 1.2 * len(lines) + 30
    bottom_axis = y + 4
    body: list[str] = []
    markers_at: list[float] = []
    for i, lab in enumerate(lanes):
        cy = lane_top[i] + TEXT * 1.2 * len(lane_lines[i]) + 14
        markers_at.append(cy)
        body.append(f'<line x1="{_num(left)}" y1="{_num(cy)}" x2="{WIDTH - right}" y2="{_num(cy)}" '
                    f'stroke="{palette.RULE}" stroke-width="1"/>')
        marked = lab in chart.lanes
        for j, line in enumerate(lane_lines[i]):
            body.append(_text(name_left, lane_top[i] + TEXT * (1 + 1.2 * j) - 2, line,
                              fill=palette.PAYS if marked else palette.INK, weight="bold" if marked else "normal"))
    body.append(f'<line x1="{_num(left)}" y1="{_num(bottom_axis)}" x2="{WIDTH - right}" y2="{_num(bottom_axis)}" '
                f'stroke="{palette.MUTED}" stroke-width="1"/>')
    # The pivot's label starts at its line, the edition's ends at its: each on its own row, never overlapping.
    for day, words, row, anchor in ((pivot, chart.pivot_label, 22.0, "start"),
                                    (edition, chart.edition_label, 46.0, "end")):
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
    # A flagship move (closing or reopening, what makes a follower or a reversion) is never hidden by another
    # kind in its spot, and the pivot's marker goes last, on top of anything it shares a spot with.
    seen: set[tuple[int, int, int]] = set()
    kinds: list[str] = []
    layers: tuple[list[str], list[str], list[str]] = ([], [], [])
    origin, per_day = x0.toordinal(), (WIDTH - left - right) / days
    other = len(lanes) - 1
    for item in timeline:
        lane = lane_of.get(item.lab, other)
        px = left + (item.date.toordinal() - origin) * per_day
        rank = 2 if item.is_pivot else 1 if item.kind in FLAGSHIP_MOVES else 0
        key = (lane, int(px // 8), rank)
        if key in seen:
            continue
        seen.add(key)
        if item.kind not in kinds:
            kinds.append(item.kind)
        shape, colour = KIND_STYLE.get(item.kind, KIND_STYLE["Other"])
        layers[rank].append(_shape(shape, px, markers_at[lane], 10 if item.is_pivot else 8 if rank else 7, colour))
    for layer in layers:
        body.extend(layer)
    items = [(_shape(*KIND_STYLE.get(kind, KIND_STYLE["Other"])[:1], 0, 0, 7,
                     KIND_STYLE.get(kind, KIND_STYLE["Other"])[1]), kind) for kind in sorted(kinds, key=_kind_order)[:6]]
    legend, bottom = _legend(items, bottom_axis + 8 + TEXT * 1.4)
    body.extend(legend)
    return ChartSvg("timeline", _svg("timeline", bottom + 8, chart.title, chart.alt, body), WIDTH,
                    math.ceil(bottom + 8), chart.alt)


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


# --- From the Presentation -----------------------------------------------------------------------------------

def presentation_charts(p: Presentation) -> dict[str, ChartSvg]:
    """The section charts of one edition, by name, drawn from its Presentation: the page inlines them and the
    email rasterises them, so both draw the same quarters and the same events (`p.timeline_chart`: every
    event since the pivot, not only the rows a list shows)."""
    drawn: dict[str, ChartSvg] = {}
    if p.evidence.quarters:
        drawn["evidence"] = evidence_svg(p.evidence.chart)
    if p.timeline_chart is not None and len(p.timeline_chart.events):
        drawn["timeline"] = timeline_svg(p.timeline_chart)
    return drawn
