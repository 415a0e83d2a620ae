"""The trend across editions, drawn once as SVG: the page inlines it, the email rasterises it (svg_charts.png),
the web archive's index shows it above the editions.

It follows report/render/svg_charts.py's conventions: a 600-unit canvas (the email's width), text no smaller
than 18 units (11.25 px on a 375-px phone), colours and font as presentation attributes from report/palette.py,
a <title> and a <desc> that states the figures, and a `ChartSvg` to place. Its words (title, alt text,
legend, labels) are the `TrendView`'s, from report/present/trend.py: it writes none of its own.

Two panels share the x axis, one column per edition (evenly spaced, labelled by date; a gap in the editions
is not drawn to scale, the dates say it): the score as a line with a dot per edition against the ±call margin
shaded as a band, and below it the follower count as a step. Each dot carries its edition's figures as data
attributes (`data-edition`, `data-score`, `data-followers`), so a test can read the points the chart shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from .. import palette
from ..formatting import signed
from ..present.views import TrendView
from .svg_charts import TEXT, WIDTH, ChartSvg, nice_scale

NAME = "trend"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = palette.INK, bold: bool = False,
          halo: bool = False) -> str:
    extra = (f' stroke="{palette.BACKGROUND}" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'
             if halo else "")
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{fill}"{weight}{extra}>'
            f"{escape(text)}</text>")


def _width(text: str) -> float:
    """Generous text width without measuring (as svg_charts does): a label never runs off the picture."""
    return len(text) * 0.66 * TEXT


def _ticks(count: int) -> list[int]:
    """At most three labelled editions: the first, the middle one and the last."""
    if count <= 3:
        return list(range(count))
    return [0, (count - 1) // 2, count - 1]


def trend_svg(trend: TrendView) -> ChartSvg:
    """The score (line and dots, ±margin band) and the followers (step) of every edition on the trend."""
    points = trend.points
    margin = abs(trend.margin)
    scores = [p.score for p in points]
    # Round ticks that cover every score and the band, as the evidence chart's axis does.
    scale = nice_scale(min([*scores, -margin, -0.5]), max([*scores, margin, 0.5]), max_ticks=5)
    high, low = scale.high, scale.low
    left, right, top, plot = 74.0, 30.0, TEXT + 14.0, 200.0
    span = high - low

    def y(value: float) -> float:
        return top + (high - value) * plot / span

    n = len(points)
    step = (WIDTH - left - right) / max(n - 1, 1)

    def x(i: int) -> float:
        return left + step * i if n > 1 else left + (WIDTH - left - right) / 2

    body: list[str] = []
    # The value axis: faint rules at the round ticks, labelled where the margin's own labels leave room.
    for tick in scale.ticks:
        if tick == 0 or abs(abs(tick) - margin) < 1e-9:
            continue
        ty = y(tick)
        body.append(f'<line x1="{_num(left)}" y1="{_num(ty)}" x2="{_num(WIDTH - right)}" y2="{_num(ty)}" '
                    f'stroke="{palette.RULE}" stroke-width="1"/>')
        if all(abs(ty - y(value)) >= TEXT for value in (margin, -margin, 0.0)):
            body.append(_text(left - 8, ty + TEXT * 0.35, scale.label(tick), anchor="end", fill=palette.MUTED))
    # The ±margin band: inside it the verdict does not lean.
    body.append(f'<rect x="{_num(left)}" y="{_num(y(margin))}" width="{_num(WIDTH - left - right)}" '
                f'height="{_num(y(-margin) - y(margin))}" fill="{palette.RULE}" fill-opacity="0.6"/>')
    for value in (margin, -margin):
        body.append(f'<line x1="{_num(left)}" y1="{_num(y(value))}" x2="{_num(WIDTH - right)}" y2="{_num(y(value))}" '
                    f'stroke="{palette.MUTED}" stroke-width="1.5" stroke-dasharray="6 5"/>')
        body.append(_text(left - 8, y(value) + TEXT * 0.35, signed(value, 1), anchor="end", fill=palette.MUTED))
    body.append(f'<line x1="{_num(left)}" y1="{_num(y(0))}" x2="{_num(WIDTH - right)}" y2="{_num(y(0))}" '
                f'stroke="{palette.INK}" stroke-width="1"/>')
    body.append(_text(left - 8, y(0) + TEXT * 0.35, "0", anchor="end", fill=palette.MUTED))
    if n > 1:
        line = " ".join(f"{_num(x(i))},{_num(y(p.score))}" for i, p in enumerate(points))
        body.append(f'<polyline points="{line}" fill="none" stroke="{palette.NET}" stroke-width="2.5"/>')
    for i, p in enumerate(points):
        colour = palette.PAYS if p.score > 0 else palette.REVERTS if p.score < 0 else palette.MUTED
        radius = 7 if p.current else 5
        body.append(f'<circle class="trend-point" cx="{_num(x(i))}" cy="{_num(y(p.score))}" r="{radius}" '
                    f'fill="{colour}" stroke="{palette.BACKGROUND}" stroke-width="1.5" '
                    f'data-edition="{p.edition.iso}" data-score="{p.score!r}" data-followers="{p.followers}"/>')
    # This edition's score written beside its dot: to the right when there is room, else above it to the left.
    last = points[-1]
    label = trend.score_now
    lx, ly = x(n - 1), y(last.score)
    if lx + 12 + _width(label) <= WIDTH - 4:
        body.append(_text(lx + 12, ly + TEXT * 0.35, label, bold=True, halo=True))
    else:
        above = ly - 12 if ly - 12 - TEXT > 0 else ly + 12 + TEXT * 0.7
        body.append(_text(lx - 6, above, label, anchor="end", bold=True, halo=True))

    # Followers: a step along a small panel, the count written at each change.
    ftop = top + plot + 22
    fplot = 56.0
    most = max([p.followers for p in points] + [1])

    def fy(value: int) -> float:
        return ftop + fplot - value * fplot / most

    body.append(_text(left - 8, ftop + TEXT * 0.7, trend.followers_axis, anchor="end", fill=palette.MUTED)
                if _width(trend.followers_axis) < left else "")
    body.append(f'<line x1="{_num(left)}" y1="{_num(fy(0))}" x2="{_num(WIDTH - right)}" y2="{_num(fy(0))}" '
                f'stroke="{palette.MUTED}" stroke-width="1"/>')
    path: list[str] = []
    for i, p in enumerate(points):
        if i == 0:
            path.append(f"M{_num(x(i))},{_num(fy(p.followers))}")
        else:
            path.append(f"H{_num(x(i))}V{_num(fy(p.followers))}")
    if n == 1:
        path.append(f"H{_num(x(0) + 1)}")
    body.append(f'<path d="{"".join(path)}" fill="none" stroke="{palette.PAYS}" stroke-width="3"/>')
    shown_count: int | None = None
    for i, p in enumerate(points):
        if p.followers != shown_count:
            shown_count = p.followers
            anchor = "end" if i == n - 1 and n > 1 else "start"
            body.append(_text(x(i) + (-4 if anchor == "end" else 4), fy(p.followers) - 6, p.followers_text,
                              anchor=anchor, fill=palette.INK, bold=True, halo=True))
    # Dates under the columns: at most four, the first and the last among them.
    base = ftop + fplot + 8 + TEXT
    for i in _ticks(n):
        words = points[i].edition.text.replace("\u00a0", " ")
        tx = x(i)
        anchor = "start" if tx - _width(words) / 2 < 4 else "end" if tx + _width(words) / 2 > WIDTH - 4 else "middle"
        body.append(_text(tx, base, words, anchor=anchor, fill=palette.MUTED))
    # The legend, one row.
    ly2 = base + TEXT * 1.7
    body.append(f'<line x1="12" y1="{_num(ly2 - 6)}" x2="36" y2="{_num(ly2 - 6)}" stroke="{palette.NET}" '
                f'stroke-width="2.5"/>')
    body.append(_text(42, ly2, trend.score_label))
    body.append(f'<rect x="120" y="{_num(ly2 - 13)}" width="24" height="14" fill="{palette.RULE}" '
                f'stroke="{palette.MUTED}" stroke-dasharray="4 3"/>')
    body.append(_text(150, ly2, trend.band))
    body.append(f'<line x1="350" y1="{_num(ly2 - 6)}" x2="374" y2="{_num(ly2 - 6)}" stroke="{palette.PAYS}" '
                f'stroke-width="3"/>')
    body.append(_text(380, ly2, trend.followers_label))
    height = math.ceil(ly2 + 12)
    return ChartSvg(NAME, _svg(height, trend.title, trend.alt, body), WIDTH, height, trend.alt)


def _svg(height: int, title: str, desc: str, body: Sequence[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{NAME}" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'aria-labelledby="{NAME}-chart-title {NAME}-chart-desc" '
            f'font-family="{escape(palette.CHART_FONT)}" font-size="{TEXT}">'
            f'<title id="{NAME}-chart-title">{escape(title)}</title>'
            f'<desc id="{NAME}-chart-desc">{escape(desc)}</desc>'
            f'<rect width="{WIDTH}" height="{height}" fill="{palette.BACKGROUND}"/>')
    return Markup(head + "".join(body) + "</svg>")
