"""Contradictions: cells that are each well-formed but disagree, as warnings at their cells (issue 23).

Each workbook in tests/files/contradiction-*.xlsx (tests/files/make_contradictions.py: the sample, edited as an
editor would, saved by LibreOffice) holds one contradiction; its code, cell and sentence are asserted literally,
and nothing else is found. The same line reaches `check`, `build` and `--annotate`; a clean season raises none.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import season as generator
from click.testing import CliRunner
from conftest import FILES, SAMPLE, Season

from report.checks import check_file
from report.cli import cli
from report.contradictions import CODES

EXPECTED: dict[str, tuple[str, str, str]] = {  # file -> (code, where, message)
    "contradiction-status-since.xlsx": (
        "status-since-disagrees", "Labs!I4",
        ("Moonshot Kimi's Status since 2026-05-22 disagrees with its own Closed flagship event of 2026-05-12 "
        "(Events!A4): the briefing prints both dates; make them the same day, or correct the one that is wrong")),
    "contradiction-weights-vs-event.xlsx": (
        "status-since-disagrees", "Labs!E3",
        ("DeepSeek's Flagship weights says Open, but its own Closed flagship event of 2026-05-20 (Events!C4) says it "
        "closed then: set Flagship weights to Closed and Status since to 2026-05-20, or correct the event")),
    "contradiction-pivot-open.xlsx": (
        "pivot-row-disagrees", "Labs!E2",
        ("Alibaba, the pivot lab, is Open on the Labs sheet but no Reopened flagship event after the pivot "
        "(2026-04-20) dates it: the verdict turns REVERTED on this cell alone; add the Reopened flagship event on "
        "the Events sheet, or set this back to Closed")),
    "contradiction-pivot-closed.xlsx": (
        "pivot-row-disagrees", "Labs!E2",
        ("Alibaba, the pivot lab, is Closed since 2026-04-20 on the Labs sheet, but its Reopened flagship event of "
        "2026-05-25 (Events!C4) is later, and that event makes the verdict REVERTED: set this to Open since "
        "2026-05-25, or, if Alibaba closed again, add that Closed flagship event and its date as Status since")),
    "contradiction-duplicate-signal.xlsx": (
        "duplicate-signal", "Signals!B7",
        ("'Chinese-cloud customer  traction on Max-Preview reportedl...' (Alibaba, 2026-Q2) is already on row 2 "
        "(Signals!B2), so it is counted twice: delete one row, or say in the text what makes them different")),
    "contradiction-both-ways.xlsx": (
        "signal-both-ways", "Signals!F7",
        ("'Apache-2.0 is winning the permissive-licence race' (2026-Q2) points to Pays here but to Reverts on row 4 "
        "(Signals!F4): the same signal cannot point both ways; keep the row that holds and delete the other")),
    "contradiction-unwatched.xlsx": (
        "unwatched-lab-moved", "Labs!J6",
        ("Zhipu closed its flagship on 2026-05-28 (Events!C4), after the pivot, but its Watch is No, so it is not "
        "counted as a follower: this may be the story's biggest news; set Watch to Yes if the desk should count it")),
    "contradiction-nothing-to-score.xlsx": (
        "nothing-to-score", "Signals",
        ("nothing to score yet: no signal of 2026-Q2 or later, known by this edition (2026-06-01), points to Pays or "
        "Reverts, so the score is 0 and the verdict rests on followers and reversion alone; add the quarter's "
        "signals")),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_contradiction_is_one_warning_at_its_cell(name: str) -> None:
    result = CliRunner().invoke(cli, ["check", str(FILES / name), "--json"])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.output)
    code, where, message = EXPECTED[name]
    sheet, _, cell = where.partition("!")
    assert [(f["level"], f["code"], f["sheet"], f["cell"], f["message"]) for f in findings] == [
        ("warning", code, sheet, cell or None, message)]


def test_every_contradiction_code_has_its_workbook() -> None:
    assert {code for code, _, _ in EXPECTED.values()} == set(CODES)


def test_the_same_line_in_check_build_and_the_annotated_copy(tmp_path: Path) -> None:
    workbook = FILES / "contradiction-status-since.xlsx"
    code, where, message = EXPECTED["contradiction-status-since.xlsx"]
    line = f"WARNING {where} (Status since): {message}"
    runner = CliRunner()
    checked = runner.invoke(cli, ["check", str(workbook), "--annotate", str(tmp_path / "marked.xlsx")])
    assert checked.exit_code == 0
    assert checked.stdout.splitlines() == [line, "0 errors, 1 warning in 1 sheet"]
    built = runner.invoke(cli, ["build", str(workbook), "-o", str(tmp_path / "out"), "--format", "html"])
    assert built.exit_code == 0, built.output
    assert line in built.stderr.splitlines()
    marked = openpyxl.load_workbook(tmp_path / "marked.xlsx")
    assert message in marked["Labs"]["I4"].comment.text
    fix_list = [[c for c in row if c is not None] for row in marked["Fix list"].iter_rows(values_only=True)]
    assert any(code in row and message in row for row in fix_list), fix_list


def test_the_sample_and_a_clean_season_raise_no_contradiction(season: Season) -> None:
    assert check_file(SAMPLE).findings == []
    for week in generator.editions():
        found = [f.line() for f in check_file(season.workbook(week.number)).findings if f.code in CODES]
        assert found == [], (week.number, found)
