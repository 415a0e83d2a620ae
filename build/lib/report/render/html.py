"""The HTML page: one self-contained file (inline CSS and SVG; no scripts, fonts, images or links to fetch).

The templates lay out the page; this module supplies the pieces that are computed (the two SVG charts)
and small helpers the templates call. Every string from the workbook is escaped: the templates by
autoescape, the SVG here by `Markup.format`, which escapes each argument.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..analysis import safe_url
from ..briefing import Briefing, Changes, LabRow, Link, QuarterWeight, RowChange, TimelineItem
from .templating import environment, long_date, number, signed

# One palette for the page and the charts. Colour carries meaning, always next to a word:
# closed weights and the evidence that closing pays share one hue; open weights and reverting the other.
PALETTE: dict[str, str] = {
    "ink": "#1f2328",
    "muted": "#57606a",
    "rule": "#d0d7de",
    "band": "#f6f8fa",
    "closed": "#a84300",
    "closed-tint": "#fbeee4",
    "open": "#1e5bb8",
    "open-tint": "#e8f0fb",
    "alert": "#b42318",
    "alert-tint": "#fdecea",
    "soon": "#8a5a00",
    "soon-tint": "#fff4d6",
    # Verdict badges: white text on each is at least 4.5:1 (WCAG AA).
    "reverted": "#174a8c",
    "spreading": "#8f1d0b",
    "leaning-pays": "#a84300",
    "leaning-reverts": "#1e5bb8",
    "too-early": "#4b5563",
}

def render_html(briefing: Briefing) -> str:
    """The briefing as one self-contained HTML5 page (SPEC §6)."""
    template = environment().get_template("briefing.html.j2")
    return template.render(
        b=briefing,
        palette=PALETTE,
        evidence_chart=evidence_chart(briefing.quarters),
        timeline_chart=timeline_chart(briefing.timeline, briefing.masthead.pivot_date, briefing.masthead.edition),
        href=href,
        direction=direction,
        lab_role=lab_role,
        rows_by_sheet=rows_by_sheet,
        score_change=score_change,
    )


# Helpers the templates call.


def href(link: Link | None) -> str | None:
    """The address to link to, or None. Checked again here: an href never comes from anything but http(s)/mailto."""
    if link is None:
        return None
    return safe_url(link.url)


def direction(weight: float) -> str:
    """'pays', 'reverts' or 'neutral': the CSS class and the word shown beside a signed weight."""
    if weight > 0:
        return "pays"
    if weight < 0:
        return "reverts"
    return "neutral"


def lab_role(lab: LabRow) -> str:
    """How the verdict sees a lab: the pivot lab, a follower, watched, or not watched."""
    if lab.is_pivot:
        return "Pivot lab"
    if lab.is_follower:
        return "Follower"
    return "Watched" if lab.watched else "Not watched"


def rows_by_sheet(changes: Changes) -> list[tuple[str, list[RowChange]]]:
    """The changed rows grouped by sheet, sheets in first-seen order; added, then changed, then removed."""
    order = {"added": 0, "changed": 1, "removed": 2}
    groups: dict[str, list[RowChange]] = {}
    for row in changes.rows:
        groups.setdefault(row.sheet, []).append(row)
    return [(sheet, sorted(rows, key=lambda r: order.get(r.change, 3))) for sheet, rows in groups.items()]


def score_change(changes: Changes) -> str | None:
    """'−0.60 → +1.20 (+1.80)', or None when the score did not move or there is nothing to compare."""
    before, after = changes.score_before, changes.score_after
    if before is None or after is None or round(before - after, 6) == 0:
        return None
    return f"{signed(before)} \u2192 {signed(after)} ({signed(after - before)})"


# Charts: inline SVG computed from the briefing. Sizes are in viewBox units; the page scales them.


@dataclass(frozen=True)
class Chart:
    """An SVG chart and its natural width (the page never draws it wider)."""

    svg: Markup
    width: int

    def __html__(self) -> str:
        return str(self.svg)


def _svg(width: int, height: int, ident: str, title: str, desc: str, body: Iterable[Markup],
         min_width: int = 0) -> Chart:
    # Never wider than drawn; never so narrow the labels cannot be read (the chart's box scrolls instead).
    svg = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" style="max-width:{w}px;min-width:{m}px">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(w=width, h=height, m=min_width, id=ident, title=title, desc=desc)
    return Chart(svg + Markup("").join(body) + Markup("</svg>"), width)


def _text(x: float, y: float, content: str, cls: str = "", anchor: str = "start") -> Markup:
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="{}">{}</text>').format(
        x, y, anchor, cls, content)


def _line(x1: float, y1: float, x2: float, y2: float, cls: str) -> Markup:
    return Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="{}"/>').format(x1, y1, x2, y2, cls)


def _rect(x: float, y: float, width: float, height: float, cls: str) -> Markup:
    return Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" class="{}"/>').format(
        x, y, width, height, cls)


def _scale_top(largest: float) -> float:
    """A round top for the weight axis: 1, 1.5, 2, 3, 4, 5, 6, 8, 10, ..."""
    steps = (1, 1.5, 2, 3, 4, 5, 6, 8, 10)
    magnitude = 10 ** max(0, math.floor(math.log10(max(largest, 1))))
    for step in steps:
        if step * magnitude >= largest - 1e-9:
            return step * magnitude
    return 10 * magnitude


EVIDENCE_COLUMN = 160  # at least; a few quarters share EVIDENCE_WIDTH
EVIDENCE_WIDTH = 440
MIN_SCALE = 0.65  # drawn no smaller than this, so labels stay legible: many quarters scroll in their box on a phone
EVIDENCE_AXIS = 64
EVIDENCE_HALF = 100  # height of each half (pays above the zero line, reverts below)
EVIDENCE_BAR = 48


def evidence_chart(quarters: Sequence[QuarterWeight]) -> Chart | None:
    """Pays weight up, reverts weight down, one column per quarter, the net marked with a diamond and labelled."""
    if not quarters:
        return None
    top = _scale_top(max(max(q.pays, q.reverts) for q in quarters))
    column = max(EVIDENCE_COLUMN, (EVIDENCE_WIDTH - EVIDENCE_AXIS - 12) / len(quarters))
    width = round(EVIDENCE_AXIS + column * len(quarters) + 12)
    zero = 40 + EVIDENCE_HALF
    height = zero + EVIDENCE_HALF + 62

    def y(value: float) -> float:
        return zero - value / top * EVIDENCE_HALF

    body: list[Markup] = []
    for tick in (top, top / 2, 0.0, -top / 2, -top):
        body.append(_line(EVIDENCE_AXIS, y(tick), width - 8, y(tick), "axis" if tick == 0 else "grid"))
        body.append(_text(EVIDENCE_AXIS - 6, y(tick) + 4, signed(tick, 1), "tick", "end"))
    # Which way is which, in words: colour is never the only cue.
    body.append(_text(EVIDENCE_AXIS - 6, y(top) - 14, "\u2191 pays", "axis-label pays-text", "end"))
    body.append(_text(EVIDENCE_AXIS - 6, y(-top) + 22, "\u2193 reverts", "axis-label reverts-text", "end"))
    for index, q in enumerate(quarters):
        body.extend(_evidence_column(q, EVIDENCE_AXIS + index * column, column, y, zero))
    desc = "; ".join(
        f"{q.quarter}: pays {number(q.pays)}, reverts {number(q.reverts)}, net {signed(q.net)} "
        f"({q.signals} signal{'s' if q.signals != 1 else ''})"
        for q in quarters
    )
    title = "Evidence by quarter: pays weight up, reverts weight down, net marked"
    return _svg(width, int(height), "evidence-chart", title, desc + ".", body, min_width=round(width * MIN_SCALE))


def _evidence_column(q: QuarterWeight, left: float, column: float, y: Callable[[float], float],
                     zero: float) -> list[Markup]:
    bar = EVIDENCE_BAR
    cx = left + min(column * 0.42, 64 + column * 0.15)  # left of centre: the net's label goes on the right
    out: list[Markup] = []
    if q.pays:
        out.append(_rect(cx - bar / 2, y(q.pays), bar, zero - y(q.pays), "bar-pays"))
    if q.reverts:
        out.append(_rect(cx - bar / 2, zero, bar, y(-q.reverts) - zero, "bar-reverts"))
    if q.signals:
        out.append(_text(cx, y(q.pays) - 6, f"pays {number(q.pays)}", "value pays-text", "middle"))
        out.append(_text(cx, y(-q.reverts) + 15, f"reverts {number(q.reverts)}", "value reverts-text", "middle"))
        # The net: a diamond on the bar's axis, a tick out past the bar, and its value beside it.
        ny = y(q.net)
        out.append(Markup('<path d="M{:.1f} {:.1f}l7 7l-7 7l-7 -7z" class="net-mark"/>').format(cx, ny - 7))
        out.append(_line(cx + 8, ny, cx + bar / 2 + 12, ny, "net-line"))
        out.append(_text(cx + bar / 2 + 15, ny + 4, f"net {signed(q.net)}", "value net-text"))
    else:
        out.append(_text(cx, zero - 6, "no signals", "value muted-text", "middle"))
    base = zero + EVIDENCE_HALF + 40
    out.append(_text(cx, base, q.quarter, "quarter", "middle"))
    out.append(_text(cx, base + 16, f"{q.signals} signal{'s' if q.signals != 1 else ''}", "muted-text small",
                     "middle"))
    return out


TIMELINE_WIDTH = 720  # wide: desktop and print, time running left to right
TIMELINE_NARROW = 360  # narrow: phones, time running top to bottom
TIMELINE_MARGIN = 20
LANE = 38
CHAR = 6.6  # average width of a 12-unit character, to keep labels apart
LABEL_CHARS = 36  # longer labels are cut with an ellipsis; the table below has them whole


@dataclass(frozen=True)
class TimelineCharts:
    """The timeline drawn twice: wide for screens and paper, narrow (top to bottom) for phones."""

    wide: Chart
    narrow: Chart


def _month_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first of each month inside the range, thinned to at most eight."""
    ticks: list[dt.date] = []
    day = dt.date(start.year, start.month, 1)
    while day <= end:
        if day >= start:
            ticks.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, math.ceil(len(ticks) / 8))
    return ticks[::step]


def _tick_label(tick: dt.date, first: bool) -> str:
    # The year shows on the first tick and on each January.
    return f"{tick:%b %Y}" if tick.month == 1 or first else f"{tick:%b}"


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _clip(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _label_lines(item: TimelineItem) -> tuple[str, str]:
    kind = f"{item.kind} (the pivot)" if item.is_pivot else item.kind
    return _clip(f"{_short(item.date)} \u00b7 {item.lab}"), _clip(kind)


def _lanes(spans: Sequence[tuple[float, float]]) -> list[int]:
    """Greedy lanes: each label goes in the lowest lane where it overlaps nothing."""
    ends: list[float] = []
    lanes: list[int] = []
    for left, right in spans:
        for lane, end in enumerate(ends):
            if left > end + 10:
                ends[lane] = right
                lanes.append(lane)
                break
        else:
            ends.append(right)
            lanes.append(len(ends) - 1)
    return lanes


def _event_class(item: TimelineItem) -> str:
    if item.kind == "Closed flagship":
        return "ev-closed"
    if item.kind in ("Reopened flagship", "Open-weight release"):
        return "ev-open"
    return "ev-other"


def _markers(item: TimelineItem, cx: float, cy: float) -> list[Markup]:
    out = []
    if item.is_pivot:
        out.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="10" class="pivot-ring"/>').format(cx, cy))
    out.append(Markup('<circle cx="{:.1f}" cy="{:.1f}" r="6" class="{}"/>').format(cx, cy, _event_class(item)))
    return out


def _timeline_texts(items: Sequence[TimelineItem], start: dt.date, end: dt.date) -> tuple[str, str]:
    title = f"Timeline of events from {long_date(start)} to {long_date(end)}"
    desc = "; ".join(
        f"{long_date(item.date)}: {item.lab}, {item.kind}{' (the pivot)' if item.is_pivot else ''}, {item.headline}"
        for item in items
    )
    return title, desc + "."


def timeline_chart(items: Sequence[TimelineItem], pivot: dt.date, edition: dt.date) -> TimelineCharts | None:
    """Events since the pivot on a date axis; each labelled with its date, lab and kind; the pivot ringed."""
    if not items:
        return None
    start = min(pivot, items[0].date)
    end = max(edition, max(item.date for item in items))
    return TimelineCharts(_timeline_wide(items, start, end, edition), _timeline_narrow(items, start, end, edition))


def _timeline_wide(items: Sequence[TimelineItem], start: dt.date, end: dt.date, edition: dt.date) -> Chart:
    span_days = max((end - start).days, 1)
    pad = max(span_days * 0.04, 1)
    left, right = TIMELINE_MARGIN, TIMELINE_WIDTH - TIMELINE_MARGIN

    def x(day: dt.date) -> float:
        return left + ((day - start).days + pad) / (span_days + 2 * pad) * (right - left)

    spans: list[tuple[float, float]] = []
    anchors: list[str] = []
    for item in items:
        px = x(item.date)
        size = max(len(line) for line in _label_lines(item)) * CHAR + 6
        anchor = "end" if px + size > right else "start"
        anchors.append(anchor)
        spans.append((px - size, px) if anchor == "end" else (px, px + size))
    lanes = _lanes(spans)
    height = 24 + (max(lanes) + 1) * LANE + 52
    axis = height - 40

    body: list[Markup] = [_line(left, axis, right, axis, "axis")]
    ticks = _month_ticks(start, end)
    for tick in ticks:
        body.append(_line(x(tick), axis, x(tick), axis + 5, "axis"))
        body.append(_text(x(tick), axis + 19, _tick_label(tick, tick == ticks[0]), "tick", "middle"))
    ex = x(edition)
    near_right = ex > right - 110
    body.append(_line(ex, 12, ex, axis, "edition-line"))
    body.append(_text(ex + (-4 if near_right else 4), axis + 34, f"this edition, {_short(edition)}",
                      "muted-text small", "end" if near_right else "start"))
    # Labels first, markers last, so a marker is never hidden under a neighbour's leader line.
    markers: list[Markup] = []
    for item, lane, anchor in zip(items, lanes, anchors, strict=True):
        px = x(item.date)
        top = axis - 2 - (lane + 1) * LANE
        first, second = _label_lines(item)
        tx = px - 4 if anchor == "end" else px + 4
        body.append(_line(px, top - 10, px, axis, "leader"))
        body.append(_text(tx, top, first, "ev-label", anchor))
        body.append(_text(tx, top + 14, second, f"ev-kind {_event_class(item)}-text", anchor))
        markers.extend(_markers(item, px, axis))
    title, desc = _timeline_texts(items, start, end)
    return _svg(TIMELINE_WIDTH, height, "timeline-chart", title, desc, body + markers)


def _timeline_narrow(items: Sequence[TimelineItem], start: dt.date, end: dt.date, edition: dt.date) -> Chart:
    axis_x, label_x, top = 70.0, 92.0, 18.0
    length = max(180.0, 46.0 * len(items))
    span_days = max((end - start).days, 1)

    def y(day: dt.date) -> float:
        return top + 8 + (day - start).days / span_days * length

    # Each label sits level with its event, pushed down just enough to clear the one before.
    levels: list[float] = []
    for item in items:
        levels.append(max(y(item.date), levels[-1] + 36 if levels else 0.0))
    bottom = max(y(end) + 8, levels[-1] + 18) + 14
    ey = y(edition)

    body: list[Markup] = [_line(axis_x, top, axis_x, bottom, "axis")]
    ticks = _month_ticks(start, end)
    for tick in ticks:
        if abs(y(tick) - ey) < 16:
            continue  # the edition's own label is there
        body.append(_line(axis_x - 5, y(tick), axis_x, y(tick), "axis"))
        body.append(_text(axis_x - 9, y(tick) + 4, _tick_label(tick, tick == ticks[0]), "tick", "end"))
    body.append(_line(axis_x - 6, ey, axis_x + 6, ey, "edition-tick"))
    body.append(_text(axis_x - 9, ey + 4, _short(edition), "tick", "end"))
    body.append(_text(axis_x - 9, ey + 18, "edition", "muted-text small", "end"))
    markers: list[Markup] = []
    for item, level in zip(items, levels, strict=True):
        cy = y(item.date)
        first, second = _label_lines(item)
        body.append(Markup('<polyline points="{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}" class="leader"/>').format(
            axis_x, cy, axis_x + 10, cy, label_x - 4, level))
        body.append(_text(label_x, level + 4, first, "ev-label"))
        body.append(_text(label_x, level + 18, second, f"ev-kind {_event_class(item)}-text"))
        markers.extend(_markers(item, axis_x, cy))
    title, desc = _timeline_texts(items, start, end)
    return _svg(TIMELINE_NARROW, round(bottom + 10), "timeline-chart-narrow", title, desc, body + markers)
