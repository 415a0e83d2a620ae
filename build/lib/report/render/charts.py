"""The email's charts as small PNGs: the same data as the page's SVG charts, drawn with matplotlib.

The object-oriented API (`Figure` + `FigureCanvasAgg`) keeps pyplot's global state out of it, so
charts can be drawn from any thread and nothing opens a window. Output is deterministic: the bundled
DejaVu font, no timestamps or software tag in the PNG.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter
from PIL import Image

from ..briefing import Briefing, QuarterWeight, TimelineItem
from .templating import signed

# The page's palette (render/html.py): closed weights and pays share one hue, open and reverts the other.
PAYS = "#a84300"
REVERTS = "#1e5bb8"
INK = "#1f2328"
MUTED = "#57606a"
GRID = "#e5e7eb"

WIDTH_PX = 544  # the email's content column: shown at its own size, never scaled
SCALE = 2  # drawn at twice the size it is shown, so it stays sharp on phones
COLOURS = 64  # a palette PNG: charts are flat colours, and this keeps them small

# Event kinds: (marker, colour) — closing points to pays, opening to reverts.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "Closed flagship": ("s", PAYS),
    "Reopened flagship": ("^", REVERTS),
    "Open-weight release": ("o", REVERTS),
    "Disclosure": ("D", MUTED),
    "Other": ("o", MUTED),
}
MAX_LANES = 8  # more labs than this and the smallest lanes share one "Other labs" row
LABEL_CHARS = 17
MAX_QUARTERS = 8  # two years: more would crowd the quarter names


@dataclass(frozen=True)
class Chart:
    """One inline image of the email: its PNG bytes, a file name, the size it is shown at, and its alt text."""

    name: str  # "evidence": the Content-ID's idstring and the file name's stem
    png: bytes
    width: int  # CSS pixels
    height: int
    alt: str

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


def charts(briefing: Briefing) -> tuple[Chart, ...]:
    """The email's charts, in the order the sections show them; a chart with no data is left out."""
    out: list[Chart] = []
    if briefing.quarters:
        out.append(evidence_chart(briefing.quarters))
    if briefing.timeline:
        out.append(timeline_chart(briefing.timeline, briefing.masthead.pivot_date, briefing.masthead.edition))
    return tuple(out)


def _plain(text: str, limit: int = LABEL_CHARS) -> str:
    """Cell text as a chart label: shortened, and never read as mathtext."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    # A '$' in a lab name would otherwise start matplotlib's math mode.
    return text.replace("$", r"\$")


def _figure(height_px: int) -> Figure:
    figure = Figure(figsize=(WIDTH_PX / 100, height_px / 100), dpi=100 * SCALE, facecolor="white")
    FigureCanvasAgg(figure)
    return figure


def _style(axes: Axes) -> None:
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(MUTED)
    axes.tick_params(colors=INK, labelsize=10, length=0)
    axes.set_axisbelow(True)


def _png(figure: Figure) -> bytes:
    """The figure as a small, deterministic palette PNG."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    with warnings.catch_warnings():
        # A lab name in a script DejaVu lacks draws as boxes; the email's tables still show it whole.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    palette = image.convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _axes(figure: Figure, height: int, left: int, top: int, bottom: int, right: int = 14) -> Axes:
    """Axes placed by pixel margins, so labels and legends keep their room whatever the chart's height."""
    axes = figure.add_axes((left / WIDTH_PX, bottom / height, 1 - (left + right) / WIDTH_PX, 1 - (top + bottom) / height))
    _style(axes)
    return axes


def evidence_chart(quarters: tuple[QuarterWeight, ...]) -> Chart:
    """Pays weight up, reverts weight down, per quarter since the pivot (the last eight); the net marked on each."""
    quarters = quarters[-MAX_QUARTERS:]
    height = 270
    figure = _figure(height)
    axes = _axes(figure, height, left=50, top=12, bottom=76)
    xs = list(range(len(quarters)))
    width = 0.34 if len(quarters) > 1 else 0.4
    axes.bar(xs, [q.pays for q in quarters], width, color=PAYS, label="Pays (closed weights pay)", zorder=2)
    axes.bar(xs, [-q.reverts for q in quarters], width, color=REVERTS, label="Reverts (open default holds)", zorder=2)
    axes.axhline(0, color=INK, linewidth=0.8, zorder=3)
    axes.hlines([q.net for q in quarters], [x - width * 0.7 for x in xs], [x + width * 0.7 for x in xs],
                color=INK, linewidth=2, zorder=4)
    axes.scatter(xs, [q.net for q in quarters], marker="D", s=36, color=INK, edgecolors="white", linewidths=1,
                 zorder=5, label="Net")
    top = max([q.pays for q in quarters] + [1.0])
    bottom = max([q.reverts for q in quarters] + [1.0])
    axes.set_ylim(-bottom * 1.25, top * 1.25)
    # A lone quarter sits in the middle rather than filling the width.
    pad = max(0.0, (4 - len(quarters)) / 2)
    axes.set_xlim(-0.6 - pad, len(quarters) - 0.4 + pad)
    # The net goes under its quarter's name: it can never sit on a bar or run off the edge.
    axes.set_xticks(xs, [f"{_plain(q.quarter)}\nnet {signed(q.net)}" for q in quarters])
    axes.tick_params(axis="x", labelsize=10.5 if len(quarters) <= 5 else 9)
    axes.yaxis.grid(True, color=GRID, linewidth=0.8)
    axes.set_ylabel("weight", fontsize=10, color=MUTED)
    handles, labels = axes.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: ("Pays" not in labels[i], "Reverts" not in labels[i]))
    figure.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower center", ncol=3, frameon=False,
                  fontsize=9.5, handletextpad=0.4, columnspacing=1.2)
    return Chart("evidence", _png(figure), WIDTH_PX, height, evidence_alt(quarters))


def evidence_alt(quarters: tuple[QuarterWeight, ...]) -> str:
    """The chart in words, for readers whose mail client hides images."""
    shown = quarters[-MAX_QUARTERS:]
    parts = [f"{q.quarter}: pays {q.pays:.2f}, reverts {q.reverts:.2f}, net {signed(q.net)}" for q in shown]
    more = f" (the last {len(shown)} of {len(quarters)} quarters)" if len(quarters) > len(shown) else ""
    return "Chart of evidence by quarter — " + "; ".join(parts) + more + "."


def _lanes(timeline: tuple[TimelineItem, ...]) -> list[str]:
    """Labs in the order they first appear; past MAX_LANES, the quietest share an 'Other labs' lane."""
    order: list[str] = []
    count: dict[str, int] = {}
    for item in timeline:
        if item.lab not in count:
            order.append(item.lab)
        count[item.lab] = count.get(item.lab, 0) + 1
    if len(order) <= MAX_LANES:
        return order
    keep = set(sorted(order, key=lambda lab: (-count[lab], order.index(lab)))[: MAX_LANES - 1])
    return [lab for lab in order if lab in keep] + ["Other labs"]


def timeline_chart(timeline: tuple[TimelineItem, ...], pivot: dt.date, edition: dt.date) -> Chart:
    """Events since the pivot: one lane per lab, marker by kind, the pivot and this edition marked."""
    lanes = _lanes(timeline)
    height = 96 + 30 * len(lanes)
    figure = _figure(height)
    axes = _axes(figure, height, left=140, top=24, bottom=62, right=16)
    lane_of = {lab: i for i, lab in enumerate(lanes)}
    # One scatter per kind, not per event: a busy year of events stays one draw call each.
    groups: dict[str, tuple[list[float], list[int], list[int]]] = {}
    for item in timeline:
        xs, ys, sizes = groups.setdefault(item.kind, ([], [], []))
        xs.append(date2num(item.date))
        ys.append(lane_of.get(item.lab, len(lanes) - 1))
        sizes.append(110 if item.is_pivot else 55)
    for kind, (xs, ys, sizes) in groups.items():
        marker, colour = KIND_STYLE.get(kind, KIND_STYLE["Other"])
        axes.scatter(xs, ys, marker=marker, s=sizes, color=colour, edgecolors="white", linewidths=1, zorder=3)
    kinds = list(groups)
    first = min(pivot, *(item.date for item in timeline))
    last = max(edition, *(item.date for item in timeline))
    span = max((last - first).days, 14)
    margin = dt.timedelta(days=max(2, span // 20))
    axes.set_xlim(date2num(first - margin), date2num(last + margin))
    axes.set_ylim(len(lanes) - 0.5, -0.5)
    axes.set_yticks(range(len(lanes)), [_plain(lab) for lab in lanes])
    for lane in range(len(lanes)):
        axes.axhline(lane, color=GRID, linewidth=0.8, zorder=1)
    # The edition's label ends at its line, so it stays inside the picture when the edition is the last date.
    for day, text, align in ((pivot, "pivot", "center"), (edition, "this edition", "right")):
        axes.axvline(date2num(day), color=MUTED, linewidth=0.8, linestyle=(0, (3, 3)), zorder=2)
        axes.annotate(text, (date2num(day), 1.0), xycoords=("data", "axes fraction"), xytext=(2 if align == "center"
                      else 3, 3), textcoords="offset points", ha=align, va="bottom", fontsize=9, color=MUTED)
    axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=7))
    # Past a year the ticks need the year; within one, the day says more.
    long_run = (last - first).days > 300
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _tick_date(num2date(value).date(), long_run)))
    axes.tick_params(axis="x", labelsize=9)
    axes.tick_params(axis="y", labelsize=10)
    handles = [Line2D([], [], linestyle="none", marker=KIND_STYLE.get(k, KIND_STYLE["Other"])[0], markersize=7,
                      color=KIND_STYLE.get(k, KIND_STYLE["Other"])[1], label=k) for k in kinds]
    figure.legend(handles=handles, loc="lower center", ncol=min(len(handles), 5), frameon=False, fontsize=9,
                  handletextpad=0.3, columnspacing=1.0)
    return Chart("timeline", _png(figure), WIDTH_PX, height, timeline_alt(timeline))


def _tick_date(day: dt.date, long_run: bool) -> str:
    return f"{day:%b %Y}" if long_run else f"{day.day} {day:%b}"


def timeline_alt(timeline: tuple[TimelineItem, ...]) -> str:
    """The timeline chart in words: the first events, then how many more."""
    shown = [f"{item.date.isoformat()} {item.lab}, {item.kind.lower()}{' (the pivot)' if item.is_pivot else ''}"
             for item in timeline[:6]]
    more = f"; and {len(timeline) - 6} more" if len(timeline) > 6 else ""
    return f"Timeline chart of {len(timeline)} event{'s' if len(timeline) != 1 else ''} since the pivot — " + \
        "; ".join(shown) + more + "."

