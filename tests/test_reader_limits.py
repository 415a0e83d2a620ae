"""Hostile and extreme workbooks (issue 12): sheets under a table's name, cells and tables past every
limit, special files, a title above the header, and library warnings. Each is said in one sentence or
one finding, never a traceback, a hang or a class name."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import SAMPLE, edit_workbook, run_cli

from report import sample, schema
from report.check import check_file
from report.cli import cli
from report.errors import UnreadableWorkbook
from report.new_workbook import SAFE, _settings, _styles, _table
from report.read import files, read_workbook, scan

NOT_REGULAR = ("{path} is not a regular file (it is a device, a pipe or a system file): give the path of an .xlsx "
               "file.")


def copy(tmp_path: Path, name: str = "tracker.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(SAMPLE.read_bytes())
    return path


def rezip(path: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite members of the package in place (None drops a member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename in change:
                payload = change[info.filename]
                if payload is not None:
                    dst.writestr(info.filename, payload)
            else:
                dst.writestr(info.filename, src.read(info))
    path.write_bytes(out.getvalue())


def member_of(path: Path, sheet: str) -> str:
    """The zip member that holds a sheet's XML (openpyxl saves them as sheet1.xml ... in tab order)."""
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def check_lines(path: Path) -> tuple[int, list[str], str]:
    done = CliRunner().invoke(cli, ["check", str(path)])
    return done.exit_code, done.stdout.splitlines(), done.stderr


# -- sheets under a table's name ------------------------------------------------------------------------------


def test_hidden_and_very_hidden_table_sheets_are_read_with_a_warning(tmp_path: Path) -> None:
    def hide(book: openpyxl.Workbook) -> None:
        book["Labs"].sheet_state = "hidden"
        book["Sources"].sheet_state = "veryHidden"

    path = edit_workbook(copy(tmp_path), hide)
    code, lines, _ = check_lines(path)
    assert code == 0
    assert "WARNING Labs: the sheet 'Labs' is hidden: it is read all the same; unhide it so what the briefing " \
           "shows can be seen" in lines
    assert "WARNING Sources: the sheet 'Sources' is very hidden: it is read all the same; unhide it so what the " \
           "briefing shows can be seen" in lines
    result = check_file(path)
    assert result.tracker is not None and len(result.tracker.labs) == 5  # still read


def test_two_sheets_matching_one_table_are_an_error_naming_both(tmp_path: Path) -> None:
    def duplicate(book: openpyxl.Workbook) -> None:
        twin = book.copy_worksheet(book["Signals"])
        twin.title = "signals "
        twin["B2"] = "A signal only the twin holds"

    path = edit_workbook(copy(tmp_path), duplicate)
    code, lines, _ = check_lines(path)
    assert code == 1
    assert ("ERROR Signals: the sheets 'Signals' and 'signals ' both match the Signals sheet: rename or delete all "
            "but one") in lines
    assert not any("unknown-sheet" in line or "'signals '" in line and "not one the tool uses" in line
                   for line in lines)


def tables_with_a_chartsheet(path: Path, under: str) -> None:
    """The six sheets as 'report init' writes them, with a chart sheet named `under` (in place of the
    table of that name, if there is one)."""
    book = xlsxwriter.Workbook(str(path), SAFE)
    styles = _styles(book)
    _settings(book, styles, sample.SETTINGS)
    for spec in schema.TABLES:
        if spec.name != under:
            _table(book, styles, spec, list(sample.ROWS[spec.name]))
    chartsheet = book.add_chartsheet(under)
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Signals!$G$2:$G$6"})
    chartsheet.set_chart(chart)
    book.close()


def test_a_chartsheet_of_its_own_is_an_unknown_sheet(tmp_path: Path) -> None:
    path = tmp_path / "charted.xlsx"
    tables_with_a_chartsheet(path, "Strength chart")
    code, lines, _ = check_lines(path)
    assert code == 0, lines
    assert "WARNING Strength chart: the sheet 'Strength chart' is not one the tool uses; it is ignored" in lines


def test_a_chartsheet_under_a_table_name_is_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "chart.xlsx"
    tables_with_a_chartsheet(path, "Signals")
    with zipfile.ZipFile(path) as z:
        assert any(n.startswith("xl/chartsheets/") for n in z.namelist())
    code, _, stderr = check_lines(path)
    assert code == 2
    assert stderr.splitlines() == [
        (f"Error: {path}: the sheet 'Signals' is a chart sheet, not a table: rename it and add a Signals sheet with "
        "the table, as 'report init' makes it.")
    ]
    assert "AttributeError" not in stderr


# -- limits ---------------------------------------------------------------------------------------------------


def test_a_cell_over_excels_limit_is_an_error_at_its_cell(tmp_path: Path) -> None:
    def marked(book: openpyxl.Workbook) -> None:
        book["Signals"]["B3"] = "LONG-SIGNAL"
        book["Signals"]["D4"] = "LONG-VALUE"  # a Value may be text: the same limit holds
        book["Signals"]["K2"] = "LONG-NOTE"

    path = edit_workbook(copy(tmp_path), marked)
    # openpyxl cuts text at the limit, as Excel does; other tools write what they are given.
    with zipfile.ZipFile(path) as z:
        sheet = member_of(path, "Signals")
        xml = z.read(sheet)
    assert b"LONG-SIGNAL" in xml
    rezip(path, {sheet: xml.replace(b"LONG-SIGNAL", b"x" * 32_768).replace(b"LONG-NOTE", b"y" * 32_767)
                 .replace(b"LONG-VALUE", b"z" * 40_000)})
    code, lines, _ = check_lines(path)
    assert code == 1
    assert lines[:-1] == [("ERROR Signals!B3 (Signal): this cell holds 32,768 characters, more than Excel's limit of "
                          "32,767: shorten it"),
                          ("ERROR Signals!D4 (Value): this cell holds 40,000 characters, more than Excel's limit of "
                          "32,767: shorten it")]
    assert check_file(path).findings[0].code == "too-long"


def shared_strings(count: int) -> bytes:
    """A shared-strings table of `count` different texts, none used by any cell."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    body = b"".join(b"<si><t>%x</t></si>" % i for i in range(count))
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}" count="{count}" uniqueCount="{count}">'
            .encode() + body + b"</sst>")


def test_a_huge_unused_shared_strings_table_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = copy(tmp_path)
    count = scan.MAX_SHARED_STRINGS + 1
    rezip(path, {"xl/sharedStrings.xml": shared_strings(count)})
    assert path.stat().st_size < 20 * 1024 * 1024  # small on disk
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/sharedStrings.xml")
        assert info.file_size / info.compress_size < files.MAX_RATIO  # not refused as a zip bomb
    done = run_cli("check", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        (f"Error: {path} holds more than 2,000,000 different texts, far more than a desk workbook needs (most are "
        "likely unused): copy the sheets into a new workbook, save it, and use that.")
    ]


def test_a_shared_strings_table_under_the_cap_is_read(tmp_path: Path) -> None:
    path = copy(tmp_path)
    with zipfile.ZipFile(path) as z:
        original = z.read("xl/sharedStrings.xml")
    # The sample's own strings first (the cells point at them), then unused ones.
    extra = b"".join(b"<si><t>unused %d</t></si>" % i for i in range(50_000))
    rezip(path, {"xl/sharedStrings.xml": original.replace(b"</sst>", extra + b"</sst>")})
    assert check_file(path).tracker is not None


def rows_xml(count: int, with_values: bool) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    if with_values:
        rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>r</t></is></c></row>' % (i, i)
                        for i in range(2, count + 2))
    else:
        rows = b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (i, i)
                        for i in range(2, count + 2))
    header = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Source*</t></is></c></row>'
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData>'.encode() + header + rows + \
        b"</sheetData></worksheet>"


def test_too_many_rows_are_refused_with_a_sentence(tmp_path: Path) -> None:
    path = copy(tmp_path)
    rezip(path, {member_of(path, "Sources"): rows_xml(scan.MAX_ROWS + 1, with_values=True)})
    done = run_cli("check", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        (f"Error: {path}: the sheet 'Sources' has more than 500,000 rows holding values, more than the tool reads: "
        "move old rows to an archive workbook and retry.")
    ]


def test_many_formatted_empty_rows_are_not_counted(tmp_path: Path) -> None:
    path = copy(tmp_path)
    rezip(path, {member_of(path, "Sources"): rows_xml(scan.MAX_ROWS + 1, with_values=False)})
    assert len(read_workbook(path).sheets["Sources"].rows) == 0
    assert check_file(path).errors == []


def test_a_value_at_the_far_corner_of_a_sheet_is_refused_before_the_grid_is_built(tmp_path: Path) -> None:
    path = copy(tmp_path)
    sheet = member_of(path, "Milestones")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData>'
           '<row r="1"><c r="A1" t="inlineStr"><is><t>Due*</t></is></c></row>'
           '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
           "</sheetData></worksheet>").encode()
    rezip(path, {sheet: xml})
    with pytest.raises(UnreadableWorkbook) as raised:
        check_file(path)
    assert str(raised.value) == (
        f"{path}: the sheet 'Milestones' has a value as far out as row 1,048,576, which would mean reading a grid of "
        "more than 16,000,000 cells: delete the stray cells below and to the right of the table, save, and retry."
    )


# -- special files --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/proc/self/environ"])
def test_special_files_are_not_regular_files_and_are_never_read(tmp_path: Path, special: str) -> None:
    if special == "fifo":
        path = tmp_path / "pipe.xlsx"
        os.mkfifo(path)  # nobody writes to it: opening it would block forever
    else:
        path = Path(special)
    done = run_cli("check", str(path))  # run_cli times out after 300 s: a hang fails the test
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["Error: " + NOT_REGULAR.format(path=path)]
    assert "0 bytes" not in done.stderr


# -- the header row -------------------------------------------------------------------------------------------


def test_a_title_row_above_the_header_is_skipped_and_said(tmp_path: Path) -> None:
    def titled(book: openpyxl.Workbook) -> None:
        ws = book["Signals"]
        ws.insert_rows(1)
        ws["A1"] = "Signals tracker, kept by the desk"

    path = edit_workbook(copy(tmp_path), titled)
    code, lines, _ = check_lines(path)
    assert code == 0, lines
    assert ("WARNING Signals!A1: row 1 above the table names none of this sheet's columns and is ignored: row 2 was "
            "taken as the header, the first row that names one") in lines
    assert not any("missing" in line for line in lines)
    result = check_file(path)
    assert result.tracker is not None and [s.row for s in result.tracker.signals] == [3, 4, 5, 6, 7]


def test_a_sheet_with_no_header_row_gets_one_error_that_says_which_row_was_taken(tmp_path: Path) -> None:
    def headless(book: openpyxl.Workbook) -> None:
        ws = book["Milestones"]
        for cell in ws[1]:
            cell.value = None
        ws["A1"] = "Things to watch"

    path = edit_workbook(copy(tmp_path), headless)
    code, lines, _ = check_lines(path)
    assert code == 1
    errors = [line for line in lines if line.startswith("ERROR")]
    assert errors == [("ERROR Milestones: no row among the first 10 rows with text names a column of this sheet, so "
                      "row 1 (the first with text) was taken as the header: add a header row with Due, Milestone")]


# -- library warnings -----------------------------------------------------------------------------------------


def test_no_library_warning_reaches_the_terminal(tmp_path: Path) -> None:
    """Excel's data-validation extension (lists kept on another sheet) made openpyxl print a UserWarning
    with its site-packages path before anything the tool said."""
    path = copy(tmp_path)
    sheet = member_of(path, "Signals")
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet)
    extension = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                 b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                 b'<x14:dataValidations count="0"/></ext></extLst></worksheet>')
    rezip(path, {sheet: xml.replace(b"</worksheet>", extension)})
    for args in (["check", str(path)], ["build", str(path), "-o", str(tmp_path / "out"), "--edition",
                                        "2026-06-01"]):
        done = run_cli(*args)
        assert "Warning" not in done.stderr and "site-packages" not in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert done.returncode == 0, done.stderr
