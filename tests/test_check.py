"""The checker's rules (report/check/), each on a copy of the sample edited the way an editor would.

Layout of the sample, for the cells below: Settings B2..B12 (Title, Publication, Editor, Pivot lab, Pivot model,
Pivot date, Stale after days, Call margin, Recipients, Sender, Edition date); Labs A Lab, E Flagship weights,
J Watch, K Source; Events A Date, B Lab, C Kind, D Headline, F Source; Signals A Quarter, C Lab, F Points to,
G Strength, H Confidence, I Observed, J Source, K Notes; Milestones A Due, B Milestone, D Status; Sources A Source,
C URL, D Published.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, append_row, edit_workbook, set_cell

from report.check import CheckResult, check_file
from report.cli import cli
from report.findings import Finding, summary

TODAY = dt.date(2026, 6, 1)
Change = Callable[[openpyxl.Workbook], None]

SIGNAL = {"Quarter": "2026-Q2", "Signal": "A new signal", "Points to": "Pays", "Source": "Seed report, 2026-05-27"}


def checked(path: Path, change: Change) -> CheckResult:
    edit_workbook(path, change)
    return check_file(path, today=TODAY)


def found(path: Path, change: Change) -> list[tuple[str, str | None, str | None, str]]:
    """(level, sheet, cell, code) of every finding after `change`."""
    return [(f.level, f.sheet, f.cell, f.code) for f in checked(path, change).findings]


def cells(**values: object) -> Change:
    """Set cells: cells(Signals_G2=5) sets Signals!G2."""

    def change(book: openpyxl.Workbook) -> None:
        for where, value in values.items():
            sheet, cell = where.rsplit("_", 1)
            book[sheet][cell] = value

    return change


def only(result: CheckResult) -> Finding:
    assert len(result.findings) == 1, [f.line() for f in result.findings]
    return result.findings[0]


def test_the_sample_is_clean() -> None:
    result = check_file(SAMPLE, today=TODAY)
    assert result.findings == [] and result.errors == [] and result.warnings == []
    assert result.tracker is not None


# -- labs -----------------------------------------------------------------------------------------------------


def test_lab_references_must_exist(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Events"]["B2"] = "Alibab"
        append_row(book, "Signals", {**SIGNAL, "Lab": "Mistral"})

    result = checked(sample_copy, change)
    assert [(f.sheet, f.cell, f.code, f.column, f.row, f.value) for f in result.findings] == [
        ("Events", "B2", "unknown-lab", "Lab", 2, "Alibab"),
        ("Signals", "C7", "unknown-lab", "Lab", 7, "Mistral"),
    ]
    assert result.findings[1].message == "'Mistral' is not a lab on the Labs sheet: add it there or fix the spelling"
    assert result.tracker is None


def test_lab_references_ignore_case_and_spaces_and_take_the_labs_spelling(sample_copy: Path) -> None:
    result = checked(sample_copy, cells(Events_B2="  alibaba ", Signals_C2="ALIBABA", Settings_B5="alibaba"))
    assert result.findings == []
    assert result.tracker is not None
    assert result.tracker.events[0].lab == "Alibaba" and result.tracker.signals[0].lab == "Alibaba"
    assert result.tracker.settings.pivot_lab == "Alibaba"


def test_pivot_lab_must_exist(sample_copy: Path) -> None:
    finding = only(checked(sample_copy, cells(Settings_B5="Mistral")))
    assert (finding.sheet, finding.cell, finding.code, finding.column, finding.row) == (
        "Settings", "B5", "unknown-lab", "Pivot lab", 5)
    assert finding.message == ("the pivot lab 'Mistral' is not a lab on the Labs sheet: add it there or fix the "
                               "spelling")


def test_lab_names_are_unique_ignoring_case(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        append_row(book, "Labs", {"Lab": "ZHIPU", "Flagship weights": "Open"})

    finding = only(checked(sample_copy, change))
    assert (finding.sheet, finding.cell, finding.code) == ("Labs", "A7", "duplicate")
    assert finding.message == "'ZHIPU' is already on row 6: each Lab must be unique"


def test_source_names_are_unique(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        append_row(book, "Sources", {"Source": "seed report,  2026-05-27"})

    finding = only(checked(sample_copy, change))
    assert (finding.sheet, finding.cell, finding.code) == ("Sources", "A6", "duplicate")


def test_a_bad_lab_row_does_not_make_its_references_unknown(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        set_cell(book, "Labs", "Lab", "DeepSeek", "Flagship weights", "half-open")
        append_row(book, "Signals", {**SIGNAL, "Lab": "DeepSeek"})

    finding = only(checked(sample_copy, change))
    assert (finding.sheet, finding.cell, finding.code) == ("Labs", "E3", "not-a-choice")
    assert finding.message == "'half-open' is not one of Open, Closed"


def test_a_row_with_two_problems_reports_both(sample_copy: Path) -> None:
    """Cross-sheet rules still see a row whose other cells are bad: one run, every problem."""
    assert found(sample_copy, cells(Events_A2="03/04/2026", Events_B2="Mistral", Events_F2="javascript:alert(1)")) == [
        ("error", "Events", "A2", "ambiguous-date"),
        ("error", "Events", "B2", "unknown-lab"),
        ("error", "Events", "F2", "bad-url"),
    ]


# -- cell types -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("quarter", "ok"), [("2026-Q2", True), ("Q2 2026", True), ("2026Q2", True),
                                             ("2026 q2", True), ("2026-Q5", False), ("Q2", False),
                                             ("2026-06", False), (2026, False)])
def test_quarter_format(sample_copy: Path, quarter: object, ok: bool) -> None:
    result = checked(sample_copy, cells(Signals_A2=quarter))
    if ok:
        assert result.findings == [] and result.tracker is not None
        assert result.tracker.signals[0].quarter == (2026, 2)
    else:
        finding = only(result)
        assert (finding.cell, finding.code, finding.column) == ("A2", "bad-quarter", "Quarter")
        assert finding.message == f"'{quarter}' is not a quarter; expected a quarter such as 2026-Q2"


@pytest.mark.parametrize(("strength", "ok"), [(1, True), (3, True), (" 2 ", True), ("3.0", True), (0, False),
                                              (4, False), (5, False), (2.5, False), ("two", False)])
def test_strength_1_to_3(sample_copy: Path, strength: object, ok: bool) -> None:
    result = checked(sample_copy, cells(Signals_G2=strength))
    if ok:
        assert result.findings == []
    else:
        finding = only(result)
        assert (finding.sheet, finding.cell, finding.code) == ("Signals", "G2", "bad-strength")


@pytest.mark.parametrize(("where", "url", "code"), [
    ("Sources_C3", "ftp://example.com/report.pdf", "bad-url"),
    ("Sources_C3", "javascript:alert(1)", "bad-url"),
    ("Sources_C3", "example.com/report", "bad-url"),
    ("Events_F2", "javascript:alert(1)", "bad-url"),
    ("Labs_K3", "data:text/html,hi", "bad-url"),
    ("Signals_J2", "file:///etc/passwd", "bad-url"),
    ("Sources_C3", "https://example.com/report", None),
    ("Events_F2", "http://example.com/story", None),
])
def test_urls_must_be_http_or_https(sample_copy: Path, where: str, url: str, code: str | None) -> None:
    result = checked(sample_copy, cells(**{where: url}))
    if code is None:
        assert result.findings == []  # a link in a Source cell needs no Sources row
    else:
        finding = only(result)
        assert (finding.sheet, finding.cell, finding.code, finding.value) == (*where.split("_"), code, url)


def test_recipients_must_be_valid_addresses(sample_copy: Path) -> None:
    result = checked(sample_copy, cells(Settings_B10="desk@example.com, editor@example", Settings_B11="briefing"))
    assert [(f.cell, f.code, f.column) for f in result.findings] == [
        ("B10", "bad-email", "Recipients"), ("B11", "bad-email", "Sender")]
    assert result.findings[0].message == ("'editor@example' is not an email address (the part after the @-sign "
                                          "is not valid: it should have a period); expected one such as "
                                          "desk@example.com")


def test_several_recipients(sample_copy: Path) -> None:
    result = checked(sample_copy, cells(Settings_B10="desk@example.com; Editor <editor@example.com>,\nc@example.org"))
    assert result.tracker is not None
    assert result.tracker.settings.recipients == ("desk@example.com", "Editor <editor@example.com>",
                                                  "c@example.org")


def test_choices_dates_and_numbers_as_editors_type_them(sample_copy: Path) -> None:
    result = checked(sample_copy, cells(Signals_F2=" PAYS ", Signals_H2="confirmed", Events_A2="20 Apr 2026",
                                        Settings_B8=" 14 ", Labs_J3="no"))
    assert result.findings == []
    assert result.tracker is not None
    assert (result.tracker.signals[0].points_to, result.tracker.signals[0].confidence) == ("Pays", "Confirmed")
    assert result.tracker.events[0].date == dt.date(2026, 4, 20)
    assert result.tracker.settings.stale_after_days == 14.0
    assert result.tracker.labs[1].watch == "No"


def test_blank_optional_cells_take_their_defaults(sample_copy: Path) -> None:
    result = checked(sample_copy, cells(Signals_G2=None, Signals_H2=None, Labs_J3=None, Milestones_D2=None,
                                        Settings_B8=None, Settings_B9=None))
    assert result.findings == []
    t = result.tracker
    assert t is not None
    assert (t.signals[0].strength, t.signals[0].confidence) == (1, "Reported")
    assert t.labs[1].watch == "Yes" and t.milestones[0].status == "Upcoming"
    assert (t.settings.stale_after_days, t.settings.call_margin, t.settings.edition_date) == (28.0, 2.0, dt.date(2026, 6, 1))


def test_a_small_number_in_a_date_column_is_not_a_date(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Signals"]["I2"] = 2026  # a year typed where the date format was lost
        book["Signals"]["I2"].number_format = "General"

    finding = only(checked(sample_copy, change))
    assert (finding.cell, finding.code) == ("I2", "bad-date")
    assert finding.message == "'2026' is a number, not a date; expected a date such as 2026-04-20 or 20 Apr 2026"


def test_required_values(sample_copy: Path) -> None:
    result = checked(sample_copy, cells(Events_D2=None, Settings_B2="  ", Milestones_A3=None))
    assert [(f.sheet, f.cell, f.code, f.column) for f in result.findings] == [
        ("Settings", "B2", "required", "Title"),
        ("Events", "D2", "required", "Headline"),
        ("Milestones", "A3", "required", "Due"),
    ]
    assert result.findings[1].message == "Headline is required: fill in this cell"


# -- warnings -------------------------------------------------------------------------------------------------


def test_warnings_still_give_the_records(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Signals"]["J2"] = None  # no source
        book["Signals"]["J3"] = "Reuters"  # names no Sources row
        book["Signals"]["I4"] = dt.datetime(2031, 5, 27)  # five years ahead
        book["Milestones"]["A2"] = dt.datetime(2035, 1, 1)  # a milestone may be far ahead
        book["Events"]["H1"] = "Comments"
        book.create_sheet("Notes")["A1"] = "to do"

    result = checked(sample_copy, change)
    assert [(f.level, f.sheet, f.cell, f.code) for f in result.findings] == [
        ("warning", None, None, "after-edition"),  # the signal observed in 2031 is not in the 2026-06-01 edition
        ("warning", "Events", "H1", "unknown-column"),
        ("warning", "Signals", "J2", "no-source"),
        ("warning", "Signals", "J3", "unknown-source"),
        ("warning", "Signals", "I4", "far-future"),
        ("warning", "Notes", None, "unknown-sheet"),
    ]
    messages = [f.message for f in result.findings]
    assert messages[2] == "this signal has no source: name one from the Sources sheet, or give a link"
    assert messages[3] == "'Reuters' names no row on the Sources sheet: add it there, or give a link"
    assert messages[4] == "'2031-05-27' is more than 2 years ahead: check the year"
    assert result.tracker is not None and len(result.tracker.signals) == 5


def test_a_bad_source_link_is_an_error_not_also_a_missing_source(sample_copy: Path) -> None:
    assert found(sample_copy, cells(Signals_J2="javascript:alert(1)")) == [("error", "Signals", "J2", "bad-url")]


def test_far_future_setting(sample_copy: Path) -> None:
    assert found(sample_copy, cells(Settings_B7=dt.datetime(2099, 4, 20))) == [
        ("warning", "Settings", "B7", "far-future"),
        ("error", "Settings", "B12", "edition-before-pivot")]  # the sample's edition is 2026-06-01


def test_unknown_and_repeated_settings(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        ws = book["Settings"]
        last = ws.max_row  # below the last setting row
        ws[f"A{last + 1}"], ws[f"B{last + 1}"] = "Colour", "blue"
        ws[f"A{last + 2}"], ws[f"B{last + 2}"] = " title* ", "Another title"
        ws[f"B{last + 3}"] = "a value with no name"

    assert found(sample_copy, change) == [
        ("warning", "Settings", "A18", "unknown-setting"),
        ("error", "Settings", "A19", "duplicate-setting"),
        ("warning", "Settings", "B20", "unnamed-setting"),
    ]


def test_missing_setting_row(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Settings"].delete_rows(6)  # Pivot model

    result = checked(sample_copy, change)
    finding = only(result)
    assert (finding.sheet, finding.cell, finding.code, finding.column) == ("Settings", None, "missing-setting",
                                                                           "Pivot model")


# -- the shape of the sheets ----------------------------------------------------------------------------------


def test_missing_and_repeated_columns(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Signals"].delete_cols(6)  # Points to
        book["Events"]["H1"] = " LAB "

    result = checked(sample_copy, change)
    assert [(f.sheet, f.cell, f.code, f.column, f.row) for f in result.findings] == [
        ("Events", "H1", "duplicate-column", "Lab", 1),
        ("Signals", None, "missing-column", "Points to", 1),
    ]
    assert result.findings[1].message == "the required column 'Points to' is missing: add it to the header row"


def test_merged_cells_in_a_table(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Signals"].merge_cells("K2:K3")

    finding = only(checked(sample_copy, change))
    assert (finding.sheet, finding.cell, finding.code, finding.column, finding.row, finding.value) == (
        "Signals", "K2", "merged-cells", "Notes", 2, "K2:K3")


def test_merged_title_above_the_table_is_not_a_table_problem(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(SAMPLE)
    ws = book["Sources"]
    ws.insert_rows(1, 2)
    ws["A1"] = None
    ws.merge_cells("A1:D1")
    path = tmp_path / "t.xlsx"
    book.save(path)
    assert check_file(path, today=TODAY).findings == []


def test_sheet_names_match_ignoring_case_and_findings_use_the_tab_name(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Labs"].title = "renaming"
        book["renaming"].title = "LABS"
        book["LABS"]["E3"] = "maybe"

    assert found(sample_copy, change) == [("error", "LABS", "E3", "not-a-choice")]


def test_formula_without_a_saved_value(sample_copy: Path) -> None:
    """openpyxl writes formulas without results, as any script would: the editor must open and save."""
    finding = only(checked(sample_copy, cells(Signals_G2="=1+1")))
    assert (finding.level, finding.sheet, finding.cell, finding.code, finding.column) == (
        "error", "Signals", "G2", "formula-not-calculated", "Strength")
    assert finding.message == ("this formula has no saved value: open the workbook in Excel or LibreOffice, save it, "
                               "and run again")


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(sample_copy: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["Signals"].insert_rows(3, 2)
        book["Signals"]["B4"] = "   "

    result = checked(sample_copy, change)
    assert result.findings == [] and result.tracker is not None
    assert [s.row for s in result.tracker.signals] == [2, 5, 6, 7, 8]


# -- the report -------------------------------------------------------------------------------------------------


def test_text_report_and_summary_two_errors_one_warning_two_sheets(sample_copy: Path) -> None:
    edit_workbook(sample_copy, cells(Signals_F2="maybe", Signals_J3=None, Events_A3="03/04/2026"))
    done = CliRunner().invoke(cli, ["check", str(sample_copy)])
    assert done.exit_code == 1
    assert done.stdout.splitlines() == [
        ("ERROR Events!A3 (Date): '03/04/2026' is ambiguous: it could be day/month or month/day; write it as "
        "2026-04-03 or 2026-03-04"),
        "ERROR Signals!F2 (Points to): 'maybe' is not one of Pays, Reverts, Neutral",
        "WARNING Signals!J3 (Source): this signal has no source: name one from the Sources sheet, or give a link",
        "2 errors, 1 warning in 2 sheets",
    ]


def test_warnings_only_exit_0(sample_copy: Path) -> None:
    edit_workbook(sample_copy, cells(Signals_J3=None))
    done = CliRunner().invoke(cli, ["check", str(sample_copy)])
    assert done.exit_code == 0
    assert done.stdout.splitlines()[-1] == "0 errors, 1 warning in 1 sheet"


def test_json_report(sample_copy: Path) -> None:
    edit_workbook(sample_copy, cells(Signals_I4=dt.datetime(2031, 5, 27), Signals_G2=5))
    done = CliRunner().invoke(cli, ["check", "--json", str(sample_copy)])
    assert done.exit_code == 1
    assert json.loads(done.stdout) == [
        {"level": "error", "code": "bad-strength", "sheet": "Signals", "cell": "G2", "column": "Strength", "row": 2,
         "value": "5", "message": "'5' is not a strength; expected 1, 2 or 3"},
        {"level": "warning", "code": "far-future", "sheet": "Signals", "cell": "I4", "column": "Observed", "row": 4,
         "value": "2031-05-27", "message": "'2031-05-27' is more than 2 years ahead: check the year"},
    ]


def test_summary_and_line_formats() -> None:
    error = Finding("error", "not-a-choice", "Signals", "E7", "Points to", 7, "maybe",
                    "'maybe' is not one of Pays, Reverts, Neutral")
    warning = Finding("warning", "unknown-sheet", "Notes", None, None, None, "Notes", "the sheet 'Notes' is ignored")
    workbook = Finding("warning", "macros-ignored", None, None, None, None, None, "macros are ignored")
    assert error.line() == "ERROR Signals!E7 (Points to): 'maybe' is not one of Pays, Reverts, Neutral"
    assert warning.line() == "WARNING Notes: the sheet 'Notes' is ignored"
    assert workbook.line() == "WARNING: macros are ignored"
    assert summary([]) == "No problems found."
    assert summary([error, error, warning]) == "2 errors, 1 warning in 2 sheets"
    assert summary([workbook]) == "0 errors, 1 warning"
    assert set(error.as_json()) == {"level", "code", "sheet", "cell", "column", "row", "value", "message"}
    dated = Finding("warning", "far-future", "Signals", "I4", "Observed", 4, dt.date(2031, 5, 27), "m")
    assert dated.as_json()["value"] == "2031-05-27"


def test_an_error_value_pasted_into_a_cell(sample_copy: Path) -> None:
    finding = only(checked(sample_copy, cells(Signals_D2="#N/A", Signals_K3="#1 priority")))
    assert (finding.cell, finding.code, finding.column) == ("D2", "error-value", "Value")
    assert finding.message == "this cell holds the error '#N/A': replace it with a value"


# -- text that reaches the email's subject, and settings that must be positive ----------------------------------


@pytest.mark.parametrize(
    ("where", "value"),
    [("Settings_B2", "Briefing\r\nBcc: evil@example.com"), ("Settings_B6", "Qwen=?utf-8?q?x?="),
     ("Labs_A3", "Deep=?utf-8?q?Seek?=")],
    ids=["title with a line break", "pivot model with an encoded word", "lab with an encoded word"],
)
def test_text_bound_for_the_subject_line_must_stay_on_one_line(sample_copy: Path, where: str, value: str) -> None:
    result = checked(sample_copy, cells(**{where: value}))
    sheet, cell = where.split("_")
    assert (result.errors[0].sheet, result.errors[0].cell, result.errors[0].code) == (sheet, cell, "not-one-line")
    assert "subject" in result.errors[0].message


@pytest.mark.parametrize("where", ["Settings_B8", "Settings_B9"], ids=["stale after days", "call margin"])
def test_stale_after_days_and_call_margin_must_be_above_zero(sample_copy: Path, where: str) -> None:
    finding = only(checked(sample_copy, cells(**{where: -2})))
    assert (finding.cell, finding.code) == (where.split("_")[1], "not-positive")
    assert finding.message == "'-2' is not above zero; expected a positive number"
