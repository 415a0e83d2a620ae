"""Contradictions: cells that are each well-formed but disagree, as warnings at their cells (issue 23).

Each workbook in tests/files/contradiction-*.xlsx (tests/files/make_contradictions.py: the sample, edited as an
editor would, saved by LibreOffice) holds one contradiction; its code, cell and sentence are asserted literally,
and nothing else is found. The same line reaches `check`, `build` and `--annotate`; a clean season raises none.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import season as generator
from click.testing import CliRunner
from conftest import FILES, SAMPLE, Season

from report import sample
from report.check import check_file
from report.cli import cli
from report.contradictions import CODES
from report.new_workbook import workbook_bytes

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


# --- Consistent workbooks stay quiet ------------------------------------------------------------------------

def _rows() -> dict[str, list[dict[str, object]]]:
    return {sheet: [dict(r) for r in records] for sheet, records in sample.ROWS.items()}


def _lab(rows: dict[str, list[dict[str, object]]], name: str, **values: object) -> None:
    next(r for r in rows["Labs"] if r["Lab"] == name).update(values)


def _event(rows: dict[str, list[dict[str, object]]], day: dt.date, lab: str, kind: str) -> None:
    rows["Events"].append({"Date": day, "Lab": lab, "Kind": kind, "Headline": f"{lab}: {kind}", "Source": sample.SEED})


def reopened_and_dated(rows: dict[str, list[dict[str, object]]]) -> None:
    _event(rows, dt.date(2026, 5, 25), "Alibaba", "Reopened flagship")
    _lab(rows, "Alibaba", **{"Flagship weights": "Open", "Status since": dt.date(2026, 5, 25)})


def closed_reopened_closed(rows: dict[str, list[dict[str, object]]]) -> None:
    _event(rows, dt.date(2026, 5, 2), "Zhipu", "Closed flagship")
    _event(rows, dt.date(2026, 5, 9), "Zhipu", "Reopened flagship")
    _event(rows, dt.date(2026, 5, 16), "Zhipu", "Closed flagship")
    _lab(rows, "Zhipu", **{"Flagship weights": "Closed", "Status since": dt.date(2026, 5, 16)})


def unwatched_news_after_the_edition(rows: dict[str, list[dict[str, object]]]) -> None:
    # Not yet news for the 1 June edition; the row's Status since is after it too.
    _event(rows, dt.date(2026, 6, 10), "Zhipu", "Closed flagship")
    _lab(rows, "Zhipu", **{"Watch": "No", "Flagship weights": "Closed", "Status since": dt.date(2026, 6, 10)})


def same_text_other_quarter_or_lab(rows: dict[str, list[dict[str, object]]]) -> None:
    first = rows["Signals"][0]
    rows["Signals"].append({**first, "Quarter": "2026-Q3", "Observed": dt.date(2026, 7, 2)})
    rows["Signals"].append({**first, "Lab": "DeepSeek"})


@pytest.mark.parametrize("change", [reopened_and_dated, closed_reopened_closed, unwatched_news_after_the_edition,
                                    same_text_other_quarter_or_lab])
def test_consistent_workbooks_raise_no_contradiction(change: Callable[[dict], None], tmp_path: Path) -> None:  # type: ignore[type-arg]
    rows = _rows()
    change(rows)
    path = tmp_path / "consistent.xlsx"
    path.write_bytes(workbook_bytes(sample.SETTINGS, rows))
    found = [f.line() for f in check_file(path, today=dt.date(2026, 12, 7)).findings if f.code in CODES]
    assert found == []
