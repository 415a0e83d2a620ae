"""Real messy workbooks, saved by LibreOffice (tests/files/, built by tests/files/make_files.py).

For each: the exact findings (level, sheet, cell, code), and, where the file is meant to say what the
sample says, the same records as the sample apart from row numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FILES, SAMPLE, checked_tracker, records, run_cli

from report.check import CheckResult, check_file
from report.cli import cli
from report.model import Tracker
from report.read import read_workbook

TODAY = dt.date(2026, 6, 1)

Expected = list[tuple[str, str | None, str | None, str]]  # (level, sheet, cell, code)

EXPECTED: dict[str, Expected] = {
    "sample-libreoffice.xlsx": [],
    "reordered.xlsx": [
        ("warning", "Labs", "C1", "unknown-column"),
        ("warning", "Signals", "L1", "unknown-column"),
        ("warning", "Scratch", None, "unknown-sheet"),
    ],
    "blank-rows.xlsx": [],
    "text-values.xlsx": [],
    "lying-dimension.xlsx": [],
    "date1904.xlsx": [],
    "macros.xlsm": [("warning", None, None, "macros-ignored")],
    "formulas.xlsx": [
        ("error", "Signals", "G3", "formula-not-calculated"),
        ("error", "Signals", "D4", "formula-error"),
    ],
    "errors.xlsx": [
        ("error", "Settings", "B10", "bad-email"),
        ("error", "Labs", "A7", "duplicate"),
        ("error", "Events", "A2", "ambiguous-date"),
        ("error", "Events", "B3", "unknown-lab"),
        ("error", "Events", "F3", "bad-url"),
        ("error", "Signals", "F2", "not-a-choice"),
        ("error", "Signals", "A3", "bad-quarter"),
        ("error", "Signals", "G4", "bad-strength"),
        ("error", "Milestones", "D2", "merged-cells"),
        ("error", "Milestones", "B3", "required"),
        ("error", "Sources", "C3", "bad-url"),
    ],
}

# Files that say exactly what the sample says, however differently they say it.
EQUIVALENT = ["sample-libreoffice.xlsx", "reordered.xlsx", "blank-rows.xlsx", "text-values.xlsx",
              "lying-dimension.xlsx", "date1904.xlsx", "macros.xlsm"]

ERRORS_TEXT = """\
ERROR Settings!B10 (Recipients): 'not an address' is not an email address (an email address must have an \
@-sign); expected one such as desk@example.com
ERROR Labs!A7 (Lab): 'deepseek' is already on row 3: each Lab must be unique
ERROR Events!A2 (Date): '03/04/2026' is ambiguous: it could be day/month or month/day; write it as 2026-04-03 \
or 2026-03-04
ERROR Events!B3 (Lab): 'Mistral' is not a lab on the Labs sheet: add it there or fix the spelling
ERROR Events!F3 (Source): 'javascript:alert(1)' is not an http or https link; expected a link such as \
https://example.com/page
ERROR Signals!A3 (Quarter): '2026-Q5' is not a quarter; expected a quarter such as 2026-Q2
ERROR Signals!F2 (Points to): 'maybe' is not one of Pays, Reverts, Neutral
ERROR Signals!G4 (Strength): '5' is not a strength; expected 1, 2 or 3
ERROR Milestones!D2 (Status): cells D2:E2 are merged: unmerge them so each value has its own cell
ERROR Milestones!B3 (Milestone): Milestone is required: fill in this cell
ERROR Sources!C3 (URL): 'ftp://example.com/report.pdf' is not an http or https link; expected a link such as \
https://example.com/page
11 errors, 0 warnings in 6 sheets
"""


def checked(name: str) -> CheckResult:
    return check_file(FILES / name, today=TODAY)


def tracker(path: Path) -> Tracker:
    return checked_tracker(path, TODAY)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def sample_records() -> dict[str, object]:
    return records(tracker(SAMPLE))


# -- the files themselves -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_was_saved_by_libreoffice(name: str) -> None:
    """The inputs are what an office suite writes, not what openpyxl writes."""
    with zipfile.ZipFile(FILES / name) as z:
        app = z.read("docProps/app.xml").decode()
    assert "LibreOffice" in app


# -- exact findings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_findings(name: str) -> None:
    result = checked(name)
    assert [(f.level, f.sheet, f.cell, f.code) for f in result.findings] == EXPECTED[name]
    assert (result.tracker is None) == any(level == "error" for level, *_ in EXPECTED[name])


@pytest.mark.parametrize("name", EQUIVALENT)
def test_same_records_as_the_sample(name: str, sample_records: dict[str, object]) -> None:
    assert records(tracker(FILES / name)) == sample_records


# -- what each file exercises ---------------------------------------------------------------------------------


def test_reordered_headers_are_matched_whatever_their_order_case_and_spaces() -> None:
    ws = openpyxl.load_workbook(FILES / "reordered.xlsx")["Signals"]
    assert [c.value for c in ws[1]][:3] == ["SIGNAL*", " points  TO ", "quarter"]
    result = checked("reordered.xlsx")
    unknown = [f for f in result.findings if f.code == "unknown-column"]
    assert [(f.column, f.value) for f in unknown] == [("Internal ref", "Internal ref"), ("Comments", "Comments")]
    assert unknown[1].message == "the column 'Comments' is not one the tool uses; it is ignored"
    # The Sources sheet was renamed 'sources' by the editor: still found.
    assert "sources" in openpyxl.load_workbook(FILES / "reordered.xlsx", read_only=True).sheetnames


def test_blank_rows_hidden_and_filtered_rows_and_formatted_empty_rows() -> None:
    with zipfile.ZipFile(FILES / "blank-rows.xlsx") as z:
        signals_xml = z.read("xl/worksheets/sheet5.xml").decode()
        labs_xml = z.read("xl/worksheets/sheet3.xml").decode()
        milestones_xml = z.read("xl/worksheets/sheet6.xml").decode()
    assert signals_xml.count("<row ") > 1000  # the formatted empty rows are really in the file
    assert 'hidden="true"' in labs_xml and "<filterColumn" in milestones_xml
    book = read_workbook(FILES / "blank-rows.xlsx")
    assert len(book.sheets["Signals"].rows) == 5  # the empty rows cost nothing
    t = tracker(FILES / "blank-rows.xlsx")
    assert [e.row for e in t.events] == [2, 5]
    assert [s.row for s in t.signals] == [2, 3, 5, 9, 10]
    assert [lab.lab for lab in t.labs][-1] == "Zhipu"  # a hidden row is still read
    assert len(t.milestones) == 2  # so is a filtered-out one
    assert book.sheets["Sources"].header_row == 2  # a blank row above the header
    assert [s.row for s in t.sources] == [3, 4, 5, 6]


def test_text_values_read_as_typed_values() -> None:
    ws = openpyxl.load_workbook(FILES / "text-values.xlsx")
    assert ws["Events"]["A2"].value == "2026-04-20"  # still text in the file
    assert ws["Signals"]["I2"].value == 46169  # a serial number in a date column
    assert ws["Signals"]["G2"].value == " 2 "
    t = tracker(FILES / "text-values.xlsx")
    assert t.settings.pivot_date == dt.date(2026, 4, 20)
    assert t.settings.stale_after_days == 28.0
    assert [s.observed for s in t.signals] == [dt.date(2026, 5, 27)] * 5
    assert [s.quarter for s in t.signals] == [(2026, 2)] * 5
    assert t.signals[0].strength == 2 and t.signals[0].points_to == "Pays"
    assert t.labs[0].flagship_weights == "Closed" and t.labs[0].watch == "No"
    assert [m.due for m in t.milestones] == [dt.date(2026, 12, 31)] * 2


def test_formulas_read_their_saved_values() -> None:
    book = read_workbook(FILES / "formulas.xlsx")
    events = {c.coordinate: c for row in book.sheets["Events"].rows for c in row.cells.values()}
    signals = {c.coordinate: c for row in book.sheets["Signals"].rows for c in row.cells.values()}
    assert events["A2"].formula and events["A2"].value == dt.date(2026, 4, 20)
    assert events["D3"].value == "Six weeks on, no other major Chinese lab has followed the closed-weight move"
    assert signals["G2"].formula and signals["G2"].value == 2
    assert signals["G3"].formula and signals["G3"].value is None  # never calculated
    assert signals["K2"].formula and signals["K2"].value == ""  # calculated to an empty text: not a problem
    result = checked("formulas.xlsx")
    missing = result.findings[0]
    assert (missing.column, missing.row) == ("Strength", 3)
    assert missing.message == ("this formula has no saved value: open the workbook in Excel or LibreOffice, "
                               "save it, and run again")
    assert result.findings[1].message == "the formula here shows the error '#DIV/0!': fix the formula"


def test_lying_dimension_is_harmless(sample_records: dict[str, object]) -> None:
    with zipfile.ZipFile(FILES / "lying-dimension.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all('<dimension ref="A1:B2"/>' in z.read(n).decode() for n in sheets)
    # A reader that trusts <dimension> would see two columns and one record.
    trusting = openpyxl.load_workbook(FILES / "lying-dimension.xlsx", read_only=True)["Signals"]
    assert trusting.max_column == 2
    assert len(tracker(FILES / "lying-dimension.xlsx").signals) == 5


def test_date1904_dates_read_back_right() -> None:
    with zipfile.ZipFile(FILES / "date1904.xlsx") as z:
        assert 'date1904="true"' in z.read("xl/workbook.xml").decode()
    book = read_workbook(FILES / "date1904.xlsx")
    assert book.epoch_1904
    t = tracker(FILES / "date1904.xlsx")
    assert [e.date for e in t.events] == [dt.date(2026, 4, 20), dt.date(2026, 5, 27)]
    assert t.settings.pivot_date == dt.date(2026, 4, 20)
    assert t.sources[0].published == dt.date(2026, 5, 27)  # a bare 1904 serial number, 44707


def test_macros_are_read_with_a_warning() -> None:
    path = FILES / "macros.xlsm"
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin").startswith(b"\xd0\xcf\x11\xe0")  # a real VBA project (OLE)
        assert b"macroEnabled" in z.read("[Content_Types].xml")
    result = checked("macros.xlsm")
    assert result.findings[0].message == "this workbook holds macros; they are ignored and never run"
    done = CliRunner().invoke(cli, ["check", str(path)])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == ["WARNING: this workbook holds macros; they are ignored and never run",
                                        "0 errors, 1 warning"]


# -- all errors in one run --------------------------------------------------------------------------------


def test_errors_on_several_sheets_are_all_reported_in_one_run() -> None:
    done = run_cli("check", str(FILES / "errors.xlsx"))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "11 errors, 0 warnings in 6 sheets"
    assert len(lines) == 12  # one line per finding, then the summary
    assert set(lines[:-1]) == set(ERRORS_TEXT.splitlines()[:-1])
    # Sheet by sheet, row by row, left to right.
    assert lines[5] == "ERROR Signals!F2 (Points to): 'maybe' is not one of Pays, Reverts, Neutral"


def test_errors_as_json() -> None:
    done = CliRunner().invoke(cli, ["check", "--json", str(FILES / "errors.xlsx")])
    assert done.exit_code == 1
    findings = json.loads(done.output)
    assert isinstance(findings, list) and len(findings) == 11
    keys = {"level", "code", "sheet", "cell", "column", "row", "value", "message"}
    assert all(set(f) == keys for f in findings)
    assert {
        "level": "error", "code": "not-a-choice", "sheet": "Signals", "cell": "F2", "column": "Points to",
        "row": 2, "value": "maybe", "message": "'maybe' is not one of Pays, Reverts, Neutral",
    } in findings
    assert {
        "level": "error", "code": "merged-cells", "sheet": "Milestones", "cell": "D2", "column": "Status", "row": 2,
        "value": "D2:E2", "message": "cells D2:E2 are merged: unmerge them so each value has its own cell",
    } in findings
    assert [(f["sheet"], f["cell"], f["code"]) for f in findings] == [e[1:] for e in EXPECTED["errors.xlsx"]]


def test_clean_file_as_json_is_an_empty_list() -> None:
    done = CliRunner().invoke(cli, ["check", "--json", str(FILES / "sample-libreoffice.xlsx")])
    assert done.exit_code == 0
    assert json.loads(done.output) == []


def test_reordered_text_output_ends_with_summary() -> None:
    done = CliRunner().invoke(cli, ["check", str(FILES / "reordered.xlsx")])
    assert done.exit_code == 0
    assert done.output.splitlines() == [
        "WARNING Labs!C1 (Internal ref): the column 'Internal ref' is not one the tool uses; it is ignored",
        "WARNING Signals!L1 (Comments): the column 'Comments' is not one the tool uses; it is ignored",
        "WARNING Scratch: the sheet 'Scratch' is not one the tool uses; it is ignored",
        "0 errors, 3 warnings in 3 sheets",
    ]


# -- cost -----------------------------------------------------------------------------------------------------


def test_a_stray_cell_at_the_last_row_costs_nothing(tmp_path: Path) -> None:
    """Editors format whole blocks; one styled cell at row 1,048,576 must not mean a million rows."""
    book = openpyxl.load_workbook(SAMPLE)
    ws = book["Signals"]
    ws.cell(row=1_048_576, column=11).number_format = "0.00"
    ws.cell(row=1_048_576, column=11).value = " "
    path = tmp_path / "stray.xlsx"
    book.save(path)
    signals = read_workbook(path).sheets["Signals"]
    assert len(signals.rows) <= 6  # the five signals (and the stray row), not a million empty ones
    result = check_file(path, today=TODAY)
    assert result.findings == [] and result.tracker is not None
