"""`report desk` through two weeks of the season (scripts/season.py): the editor publishes week 12, saves
week 13 over the workbook (by rename, as Excel does), and the desk follows: the check's verdict, the preview,
and the publish that says what changed, against the season's own expected verdicts."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import season as season_module
from test_desk import UPDATE_MS, start_desk, stop


def test_the_editors_next_week_in_the_desk(browser: Any, tmp_path: Path) -> None:
    weeks = tmp_path / "weeks"
    weeks.mkdir()
    before, after = season_module.week(12), season_module.week(13)
    expected_before, expected_after = season_module.expected(12).state, season_module.expected(13).state
    assert (expected_before, expected_after) == ("LEANING REVERTS", "SPREADING")
    workbook = tmp_path / "tracker.xlsx"
    workbook.write_bytes(season_module.write_week(weeks, 12).read_bytes())
    next_week = season_module.write_week(weeks, 13).read_bytes()

    process, url = start_desk(workbook, tmp_path / "out")
    base = url.split("/?", 1)[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.goto(base + "/publish")
        page.get_by_role("button", name="Build this edition").click()
        page.wait_for_selector("#built-verdict")
        assert page.locator("#built-title").inner_text().endswith(before.edition.isoformat())
        assert page.locator("#built-verdict").inner_text().startswith(f"{expected_before} — ")

        page.goto(base + "/")
        page.wait_for_selector("#live[data-version]", state="attached", timeout=10_000)
        # Week 12's score, −2.10 by the generator's own arithmetic.
        assert f": {expected_before} (score \u22122.10) — " in page.locator("#verdict").inner_text()
        # The next week's save, written beside the workbook and renamed over it (as Excel saves).
        draft = tmp_path / "~tracker.tmp"
        draft.write_bytes(next_week)
        os.replace(draft, workbook)
        page.wait_for_selector(f"#verdict:has-text('{expected_after}')", timeout=UPDATE_MS)
        assert page.locator("#verdict").inner_text().startswith(f"Edition {after.edition.isoformat()}: ")

        page.goto(base + "/preview")
        assert page.locator("#preview-verdict").inner_text().startswith(
            f"Edition {after.edition.isoformat()}: {expected_after} (score \u22125.20) — ")
        assert "Compared with the edition of " in page.locator("main").inner_text()
        assert re.search(rf"{expected_before} → {expected_after}", page.locator("#preview-changes").inner_text())

        page.goto(base + "/publish")
        page.get_by_role("button", name="Build this edition").click()
        page.wait_for_selector("#built-verdict")
        changes = page.locator("#changes").inner_text()
        assert re.search(rf"{expected_before} → {expected_after}", changes), changes

        page.goto(base + "/history")
        assert page.locator("#editions tbody tr td:first-child").all_inner_texts() == [
            after.edition.isoformat(), before.edition.isoformat()]
    finally:
        context.close()
        stop(process)
