"""Screenshots of weeks 1, 13 and 26 of the season, saved under tests/artifacts/ to be looked at (issue 18): the
page at 390 and 1280 px, the email at 375 and 600 px in light and dark, and the xlsx as LibreOffice prints it.
Each test also holds what a look would catch first: nothing wider than the screen, and every page printed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import Season, soffice_convert
from test_season_outputs import email_html

WEEKS = (1, 13, 26)


@pytest.mark.parametrize("week", WEEKS)
def test_page_screenshots(browser, season: Season, artifacts: Path, week: int) -> None:  # type: ignore[no-untyped-def]
    html = season.files(week)["html"]
    for width in (390, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(html.as_uri())
            assert page.evaluate("() => document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(artifacts / f"season-week-{week:02d}-page-{width}.png"), full_page=True)
        finally:
            page.close()


@pytest.mark.parametrize("week", WEEKS)
def test_email_screenshots(browser, season: Season, artifacts: Path, week: int) -> None:  # type: ignore[no-untyped-def]
    html = email_html(season.files(week)["eml"])
    for width in (375, 600):
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
            try:
                page.set_content(html)
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(artifacts / f"season-week-{week:02d}-email-{width}-{scheme}.png"),
                                full_page=True)
            finally:
                page.close()


@pytest.mark.parametrize("week", WEEKS)
def test_xlsx_screenshots(season: Season, artifacts: Path, tmp_path: Path, week: int) -> None:
    pdf = soffice_convert(season.files(week)["xlsx"], "pdf", tmp_path)
    stem = artifacts / f"season-week-{week:02d}-xlsx"
    for old in artifacts.glob(f"{stem.name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(stem)], check=True, timeout=300)
    pages = list(artifacts.glob(f"{stem.name}-*.png"))
    assert len(pages) >= 8  # one sheet or more a page: Briefing, Labs, Evidence, Signals, Timeline, ...
