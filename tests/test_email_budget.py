"""The email's budget (issue 11 §4): the HTML part never passes it, the text part keeps the same row limits,
and an edition that cannot fit is summarised and the build says so."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import SAMPLE
from test_email_clients import build_eml, grow, parse

from report.briefing import HealthItem, Link, SourceRow
from report.present import present
from report.render.email import (
    HTML_BUDGET,
    InlineImage,
    compile_mjml,
    estimate,
    limits_for,
    plan_limit,
    render_mjml,
)

IMAGES = {name: InlineImage("cid:x@example.com", "Chart of " + "figures " * 20, 600, 400)
          for name in ("evidence", "timeline")}


def parts(data: bytes) -> tuple[str, str]:
    message = parse(data)
    html, text = message.get_body(("html",)), message.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())


def big_briefing(briefing, rows: int):  # type: ignore[no-untyped-def]
    first = briefing.timeline[0]
    return dataclasses.replace(
        briefing,
        timeline=tuple(dataclasses.replace(first, date=first.date + dt.timedelta(days=i % 40),
                                           headline=f"Event {i} " * 8, is_pivot=i == 0) for i in range(rows)),
        health=tuple(HealthItem("warning", f"Signals!A{i}", "A long warning about this row " * 4)
                     for i in range(rows)),
        sources=tuple(SourceRow(f"Source {i}", "Pub", Link(f"Source {i}", f"https://example.com/{'x' * 80}/{i}"),
                                None, None, 1) for i in range(rows)),
    )


@pytest.mark.parametrize("rows", [0, 400])
def test_the_estimate_tracks_the_rendered_size(sample_briefing, rows: int) -> None:  # type: ignore[no-untyped-def]
    briefing = big_briefing(sample_briefing, rows) if rows else sample_briefing
    for limit in (40, 10, 3):
        p = present(briefing).for_email(limits_for(limit))
        rendered = len(compile_mjml(render_mjml(p, IMAGES, {})).encode("utf-8"))
        assert 0.65 * rendered <= estimate(p, IMAGES, limit) <= 1.35 * rendered, (limit, rendered)


def test_the_plan_comes_from_counts(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    assert plan_limit(present(sample_briefing).for_email(limits_for(40)), IMAGES) == 40
    big = big_briefing(sample_briefing, 400)
    assert plan_limit(present(big).for_email(limits_for(40)), IMAGES, budget=60_000) < 40


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """An edition whose rows are so long that even three a list pass the budget."""
    base = tmp_path_factory.mktemp("huge")
    text = "A very long note pasted from a wire story, sentence after sentence. " * 120  # about 8,000 characters
    return build_eml(grow(SAMPLE, base / "huge.xlsx", 60, text), base / "out")


def test_an_edition_that_cannot_fit_is_summarised_and_the_build_says_so(huge: tuple[bytes, str]) -> None:
    data, said = huge
    html, text = parts(data)
    assert len(html.encode("utf-8")) <= HTML_BUDGET
    assert f"over its {HTML_BUDGET // 1000} KB budget" in said and "show only how many rows" in said
    assert "in this list, in the attached workbook." in html
    # A summarised section keeps its heading and what it says; only its rows give way.
    # 40 Pays signals of strength 2 and 3, 20 Reverts of strength 1, all Reported, on the sample's 1.2 vs 1.8:
    # 61.2 vs 13.8, a score of 47.4.
    assert "LEANING PAYS" in html
    assert html.count("data-section=") == 11  # every section of SPEC §6, the trend across editions included
    # The text part keeps the HTML's row limits: bounded, with the notes saying where the rest is.
    assert len(text.encode("utf-8")) < 200_000
    assert "more in the attached workbook" in text
    assert "Signal 59:" not in text and "Event 59:" not in text


def test_a_3000_row_edition_fits_by_cutting_rows_only(tmp_path: Path) -> None:
    data, said = build_eml(grow(SAMPLE, tmp_path / "big.xlsx", 3000, "Short news."), tmp_path / "out")
    html, text = parts(data)
    assert len(html.encode("utf-8")) <= HTML_BUDGET and "budget" not in said
    assert "more in the attached workbook" in html and "more in the attached workbook" in text
    assert len(text.encode("utf-8")) < 60_000
