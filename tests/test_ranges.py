"""Dates and quarters a story can have (1990 to 2100), at their cell (issue 12 part 2).

Each crash the issue found is reproduced first: a date or quarter far outside those years used to pass
`check` (or crash it) and then crash `build` with the catch-all "unexpected problem".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import openpyxl
import pytest
from conftest import append_row, edit_workbook, run_cli, set_cell
from hypothesis import given
from hypothesis import strategies as st

from report.values import FIRST_YEAR, LAST_YEAR, Bad, parse_date, parse_due, parse_quarter

EDITION = ("--edition", "2026-06-01")


def findings(workbook: Path) -> tuple[int, list[dict[str, object]]]:
    result = run_cli("check", str(workbook), "--json")
    return result.returncode, json.loads(result.stdout)


def errors_at(workbook: Path, sheet: str) -> list[dict[str, object]]:
    code, found = findings(workbook)
    assert code == 1
    return [f for f in found if f["level"] == "error" and f["sheet"] == sheet]


def assert_build_refuses(workbook: Path, out: Path, cell: str) -> None:
    """`build` stops with the workbook's errors (exit 1, the cell named), never the catch-all."""
    result = run_cli("build", str(workbook), "-o", str(out), *EDITION, "--format", "html")
    assert result.returncode == 1, result.stderr
    assert "unexpected problem" not in result.stderr
    assert cell in result.stderr
    assert not out.exists() or not list(out.glob("briefing-*"))


# A date cell before 1900 is stored as a negative serial number (Excel has no such dates): not a date at all.
FAR = [(dt.datetime(9999, 12, 31), "out-of-range"), ("9999-12-31", "out-of-range"), ("0001-01-01", "out-of-range"),
       ("1989-12-31", "out-of-range"), ("2101-01-01", "out-of-range"), (dt.datetime(1, 1, 1), "bad-date")]


@pytest.mark.parametrize(("when", "code"), FAR)
def test_an_event_outside_the_years_is_an_error_at_its_cell(sample_copy: Path, tmp_path: Path,
                                                           when: object, code: str) -> None:
    row: list[int] = []
    edit_workbook(sample_copy, lambda book: row.append(append_row(book, "Events", {
        "Date": when, "Lab": "DeepSeek", "Kind": "Disclosure", "Headline": "A date far away"})))
    found = errors_at(sample_copy, "Events")
    assert [(f["code"], f["cell"]) for f in found] == [(code, f"A{row[0]}")]
    if code == "out-of-range":
        assert "outside the years a briefing can cover (1990 to 2100)" in str(found[0]["message"])
    assert_build_refuses(sample_copy, tmp_path / "out", f"Events!A{row[0]}")


@pytest.mark.parametrize(("pivot", "code"), [("0001-01-01", "out-of-range"), (dt.datetime(1, 1, 1), "bad-date"),
                                             (dt.datetime(9999, 12, 31), "out-of-range")])
def test_a_pivot_date_in_year_one_is_an_error_at_its_cell(sample_copy: Path, tmp_path: Path, pivot: object,
                                                          code: str) -> None:
    edit_workbook(sample_copy, lambda book: set_cell(book, "Settings", "Setting", "Pivot date", "Value", pivot))
    found = errors_at(sample_copy, "Settings")
    assert [f["code"] for f in found] == [code]
    assert_build_refuses(sample_copy, tmp_path / "out", str(found[0]["cell"]))


@pytest.mark.parametrize("due", ["0000-Q1", "9999-Q4", "Q1 0000", "0001-01-01", "9999-12-31"])
def test_a_milestone_due_outside_the_years_is_an_error_not_a_crash(sample_copy: Path, tmp_path: Path,
                                                                  due: str) -> None:
    row: list[int] = []
    edit_workbook(sample_copy, lambda book: row.append(append_row(book, "Milestones", {
        "Due": due, "Milestone": "Something, some day"})))
    found = errors_at(sample_copy, "Milestones")
    assert [(f["code"], f["cell"]) for f in found] == [("out-of-range", f"A{row[0]}")]
    assert_build_refuses(sample_copy, tmp_path / "out", f"Milestones!A{row[0]}")


@pytest.mark.parametrize("quarter", ["9999-Q4", "1989-Q4", "2101-Q1"])
def test_a_signal_quarter_outside_the_years_is_an_error(sample_copy: Path, tmp_path: Path, quarter: str) -> None:
    row: list[int] = []
    edit_workbook(sample_copy, lambda book: row.append(append_row(book, "Signals", {
        "Quarter": quarter, "Signal": "A far signal", "Points to": "Pays", "Source": "https://example.com/a"})))
    found = errors_at(sample_copy, "Signals")
    assert [(f["code"], f["cell"]) for f in found] == [("out-of-range", f"A{row[0]}")]
    assert_build_refuses(sample_copy, tmp_path / "out", f"Signals!A{row[0]}")


@pytest.mark.parametrize(("serial", "not_said"), [(0, "is a time"), (-5, "1899-12-25"), (2958466, "#VALUE!"),
                                                  (-0.5, "is a time")])
def test_date_formatted_serials_that_are_no_date_are_errors_that_say_so(sample_copy: Path, serial: float,
                                                                        not_said: str) -> None:
    row: list[int] = []

    def change(book: openpyxl.Workbook) -> None:
        number = append_row(book, "Events", {"Date": serial, "Lab": "DeepSeek", "Kind": "Disclosure",
                                             "Headline": "A serial"})
        book["Events"].cell(row=number, column=1).number_format = "yyyy-mm-dd"
        row.append(number)

    edit_workbook(sample_copy, change)
    result = run_cli("check", str(sample_copy))
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if f"Events!A{row[0]}" in x)
    assert line.startswith("ERROR"), line
    assert not_said not in line
    assert "not a date" in line
    assert "Warning" not in result.stderr and "openpyxl" not in result.stderr


def test_the_years_at_the_edges_are_accepted(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        append_row(book, "Milestones", {"Due": "2100-Q4", "Milestone": "The far edge"})
        append_row(book, "Events", {"Date": "1990-01-01", "Lab": "DeepSeek", "Kind": "Disclosure",
                                    "Headline": "The near edge"})

    edit_workbook(sample_copy, change)
    code, found = findings(sample_copy)
    assert code == 0, [f for f in found if f["level"] == "error"]


@given(st.dates())
def test_a_text_date_is_accepted_exactly_when_its_year_is_in_range(day: dt.date) -> None:
    inside = FIRST_YEAR <= day.year <= LAST_YEAR
    for written in (day.isoformat(), day.strftime("%d %b %Y") if day.year >= 1000 else day.isoformat()):
        try:
            assert parse_date(written) == day and inside
            assert parse_due(written) == day
        except Bad as bad:
            assert not inside and bad.code == "out-of-range", (written, bad.message)


@given(st.integers(min_value=0, max_value=9999), st.integers(min_value=1, max_value=4))
def test_a_quarter_is_accepted_exactly_when_its_year_is_in_range(year: int, number: int) -> None:
    inside = FIRST_YEAR <= year <= LAST_YEAR
    written = f"{year:04d}-Q{number}"
    try:
        assert parse_quarter(written) == (year, number) and inside
        assert parse_due(written).year == year
    except Bad as bad:
        assert not inside and bad.code == "out-of-range", (written, bad.message)


# Excel's serials for 1 Jan 1990 and 31 Dec 2100, written out: the years a date may have.
SERIAL_1990, SERIAL_2100 = 32874, 73415


@given(st.integers(min_value=SERIAL_1990 - 400, max_value=SERIAL_2100 + 400)
       | st.floats(min_value=SERIAL_1990 - 400, max_value=SERIAL_2100 + 400)
       | st.sampled_from([0, -1, 1.5, float("nan"), float("inf"), -float("inf"), 10**9, 2958466]))
def test_a_serial_number_is_a_date_in_range_or_an_error(serial: float) -> None:
    inside = math.isfinite(serial) and SERIAL_1990 <= int(serial) <= SERIAL_2100
    try:
        day = parse_date(serial)
    except Bad as bad:
        assert not inside, (serial, bad.message)
        assert bad.code in ("out-of-range", "bad-date")
        return
    assert inside, (serial, day)
    assert day == dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))


@pytest.mark.parametrize("edition", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_an_edition_outside_the_years_is_a_usage_error(sample_copy: Path, tmp_path: Path, edition: str) -> None:
    result = run_cli("build", str(sample_copy), "-o", str(tmp_path / "out"), "--edition", edition)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (f"Error: --edition '{edition}' is outside the years a briefing can "
                                             "cover (1990 to 2100): check the year.")
    assert not (tmp_path / "out").exists()
