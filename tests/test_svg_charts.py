"""The charts, drawn once as SVG (report/render/svg_charts.py): their own colours and font, the figures in
words, text big enough for a phone and inside the picture, bounded work, and the same drawing as the PNG."""

from __future__ import annotations

import datetime as dt
import io
import random
import re

import pytest
from PIL import Image

from report import palette
from report.briefing import QuarterWeight, TimelineItem
from report.present import present
from report.present.charts import evidence_chart, timeline_chart
from report.render import svg_charts
from report.render.email import charts

HEX = re.compile(r'(?:fill|stroke)="(#[0-9a-f]{6}|none)"')


def stress_quarters() -> list[QuarterWeight]:
    values = [(1.2, 0.3), (0, 2.4), (3.1, 0.9), (0.6, 0.6), (12.5, 1), (0, 0), (2, 4.2), (1.5, 0.2), (0.3, 11.1)]
    return [QuarterWeight(f"{2025 + i // 4}-Q{i % 4 + 1}", p, r, round(p - r, 2), 3) for i, (p, r) in enumerate(values)]


def stress_timeline(count: int) -> list[TimelineItem]:
    rng = random.Random(7)
    labs = ["Alibaba", "DeepSeek", "Mistral AI Research Laboratories", "Meta", "Zhipu", "Moonshot", "01.AI",
            "Qwen team", "X", "智谱 AI", "<b>&amp;</b>"]
    kinds = [*svg_charts.KIND_STYLE, "Something new"]
    items = [TimelineItem(dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 500)), rng.choice(labs),
                          rng.choice(kinds), "h", None, None, i == 0) for i in range(count)]
    return sorted(items, key=lambda item: item.date)


def test_the_evidence_chart_carries_its_own_colours_font_and_words(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    chart = svg_charts.evidence_svg(evidence_chart(sample_briefing.quarters, sample_briefing.verdict.margin))
    svg = str(chart)
    assert svg.startswith("<svg") and "<style" not in svg and 'class="chart chart-evidence"' in svg
    allowed = {palette.PAYS, palette.REVERTS, palette.INK, palette.MUTED, palette.BACKGROUND, palette.RULE, "none"}
    assert set(HEX.findall(svg)) <= allowed
    assert f'font-family="{palette.CHART_FONT}"' in svg and 'font-size="18"' in svg
    assert not re.search(r'font-size="(\d+)"', svg.replace('font-size="18"', "")), "no smaller text"
    # Pays up, reverts down, the net written under its quarter, the ±margin the verdict uses, the score so far.
    assert f'fill="{palette.PAYS}"' in svg and f'fill="{palette.REVERTS}"' in svg
    # The sample's weights (1.20 and 1.80) on round ticks one apart, with room past the ±2.0 band.
    ticks = re.findall(r'text-anchor="end" fill="#57606a">([^<]+)</text>', svg)
    assert ticks == ["\u22123", "\u22122", "\u22121", "0", "+1", "+2", "+3"]  # bottom up
    assert ">\u22120.60</text>" in svg and ">Net</text>" in svg
    assert svg.count('stroke-dasharray="6 5"') >= 2 and ">Score so far \u22120.60</text>" in svg
    assert "<title" in svg and "<desc" in svg
    assert chart.alt == ("Evidence by quarter since the pivot: 2026-Q2: pays 1.20, reverts 1.80, net \u22120.60. "
                         "Score so far \u22120.60; the call needs \u00b12.0.")


def test_work_is_bounded() -> None:
    chart = svg_charts.timeline_svg(timeline_chart(stress_timeline(100_000), dt.date(2025, 1, 1), dt.date(2026, 6, 1)))
    svg = str(chart)
    assert len(svg) < 100_000 and svg.count("<rect") + svg.count("<circle") + svg.count("<polygon") < 1500
    lanes = re.findall(r'text-anchor="start" fill="#1f2328">([^<]+)</text>', svg)
    assert len(lanes) <= svg_charts.MAX_LANES + 6 and "Other labs" in lanes  # + the legend's six kinds
    assert "100,000 events" in chart.alt and chart.alt.count(";") <= 7


def test_cell_text_is_escaped() -> None:
    evil = "<b>&amp;</b>"
    items = [TimelineItem(dt.date(2026, 5, 1), evil, evil, evil, None, None, False)]
    svg = str(svg_charts.timeline_svg(timeline_chart(items, dt.date(2026, 4, 20), dt.date(2026, 6, 1))))
    assert "<b>" not in svg and "&lt;b&gt;&amp;amp;&lt;/b&gt;" in svg
    quarters = [QuarterWeight(evil, 1.0, 0.5, 0.5, 1)]
    svg = str(svg_charts.evidence_svg(evidence_chart(quarters, 2.0)))
    assert "<b>" not in svg and "&lt;b&gt;" in svg


@pytest.mark.parametrize("case", ["sample", "stress"])
def test_every_label_is_inside_the_picture(browser, sample_briefing, case: str) -> None:  # type: ignore[no-untyped-def]
    if case == "sample":
        drawn = [svg_charts.evidence_svg(evidence_chart(sample_briefing.quarters, sample_briefing.verdict.margin)),
                 svg_charts.timeline_svg(timeline_chart(sample_briefing.timeline, sample_briefing.masthead.pivot_date,
                                                        sample_briefing.masthead.edition))]
    else:
        drawn = [svg_charts.evidence_svg(evidence_chart(stress_quarters(), 2.0)),
                 svg_charts.timeline_svg(timeline_chart(stress_timeline(2000), dt.date(2025, 1, 1),
                                                        dt.date(2026, 6, 1)))]
    page = browser.new_page(viewport={"width": 700, "height": 900})
    try:
        for chart in drawn:
            page.set_content(f"<!doctype html><body style='margin:0'>{chart}</body>")
            boxes = page.evaluate("""() => Array.from(document.querySelectorAll('svg text')).map(t => {
                const b = t.getBBox(); return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height]; })""")
            assert boxes
            for text, left, top, right, bottom in boxes:
                assert left >= 0 and top >= 0, text
                assert right <= chart.width and bottom <= chart.height, text
    finally:
        page.close()


def test_the_email_shows_the_same_drawing_as_png(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    drawn = charts(present(sample_briefing))
    evidence = svg_charts.evidence_svg(evidence_chart(sample_briefing.quarters, sample_briefing.verdict.margin))
    assert drawn[0].png == svg_charts.png(evidence), "the same SVG, rasterised; deterministic"
    assert drawn[0].alt == evidence.alt
    picture = Image.open(io.BytesIO(drawn[0].png)).convert("RGB")
    assert picture.size == (2 * 600, 2 * evidence.height)
    colours = {colour for _, colour in picture.getcolors(1_000_000) or []}
    assert tuple(int(palette.PAYS[i:i + 2], 16) for i in (1, 3, 5)) in colours
    assert tuple(int(palette.REVERTS[i:i + 2], 16) for i in (1, 3, 5)) in colours
