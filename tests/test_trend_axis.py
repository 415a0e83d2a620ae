"""The trend chart's value axis covers every edition's score with round ticks, on the season's last edition."""

from __future__ import annotations

import re

from conftest import Season

# Scores of weeks 14 and 19-30, the last twelve editions before week 30 and week 30 itself, as the season
# generator's own arithmetic gives them (scripts/season.py expected()).
SCORES = [-7.2, 0.6, 5.1, 4.3, -2.0, 1.5, 0.9, 2.8, -2.4, -3.3, -9.3, -6.6, -7.1]


def _trend_svg(page: str) -> str:
    start = page.index('class="chart chart-trend"')
    return page[start:page.index("</svg>", start)]


def test_the_trend_axis_is_labelled_round_and_covers_every_score(season: Season) -> None:
    svg = _trend_svg(season.files(30)["html"].read_text(encoding="utf-8"))
    assert [float(s) for s in re.findall(r'data-score="([^"]*)"', svg)] == SCORES
    labels = re.findall(r'<text x="66" y="([\d.]+)" text-anchor="end" fill="#[0-9A-Fa-f]+">([^<]*)</text>', svg)
    at = {text: float(y) for y, text in labels}
    # -9.3 to +5.1 on round ticks of 5, the ±2.0 margin and 0 labelled too.
    assert set(at) == {"+10", "+5", "+2.0", "0", "\u22122.0", "\u22125", "\u221210"}
    assert at["+10"] < at["+5"] < at["+2.0"] < at["0"] < at["\u22122.0"] < at["\u22125"] < at["\u221210"]
    dots = {float(score): float(cy) for cy, score in re.findall(r'cy="([\d.]+)"[^>]*data-score="([^"]*)"', svg)}
    # Every dot lies between the outer ticks, and -9.3 sits just above -10.
    assert all(at["+10"] <= cy <= at["\u221210"] for cy in dots.values())
    assert at["\u22125"] < dots[-9.3] < at["\u221210"]
