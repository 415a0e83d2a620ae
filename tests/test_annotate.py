"""`report check WORKBOOK --annotate OUT.xlsx`: every finding placed where the editor works, and nothing else
changed."""

from __future__ import annotations

import json
import os
import subprocess
from copy import copy
from pathlib import Path

import openpyxl
import pytest
from click.testing import Result
from conftest import append_row, edit_workbook, run_cli, soffice_convert
from openpyxl.comments import Comment

from report import schema
from report.annotate import FILLS

EDITOR_NOTE = "Check the figure with Li before Friday."
UNTOUCHED_NOTE = "Spelled as on the lab's own site."


def broken(book: openpyxl.Workbook) -> None:
    """An error on every sheet, some warnings, and the editors' own notes (one on a flagged cell)."""
    book["Settings"]["B7"] = "soon"  # Pivot date
    book["Labs"]["E3"] = "Perhaps"  # Flagship weights
    book["Labs"]["A4"].comment = Comment(UNTOUCHED_NOTE, "Li")
    book["Events"]["C3"] = "Rumour"  # Kind
    book["Signals"]["F2"] = "maybe"  # Points to
    book["Signals"]["F2"].comment = Comment(EDITOR_NOTE, "Li")
    book["Signals"]["J3"] = "Nowhere"  # a source the Sources sheet lacks: a warning
    book["Signals"]["L1"] = "Reviewer"  # an unknown column: a warning at its header
    append_row(book, "Milestones", {"Due": "whenever", "Milestone": "A date nobody knows"})
    append_row(book, "Sources", {"Source": "A feed", "URL": "ftp://example.com/feed"})
    book.create_sheet("Scratch")["A1"] = "the editor's own sheet"  # an unknown sheet: a warning


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, object]]]:
    """The broken workbook as LibreOffice saved it, its annotated copy, and its findings."""
    folder = tmp_path_factory.mktemp("annotate")
    made = folder / "made" / "tracker.xlsx"
    made.parent.mkdir()
    made.write_bytes(Path(__file__).resolve().parent.parent.joinpath("workbooks/bifurcation-tracker.xlsx")
                     .read_bytes())
    edit_workbook(made, broken)
    workbook = soffice_convert(made, "xlsx", folder)
    before = workbook.read_bytes()
    out = folder / "marked.xlsx"
    done = run_cli("check", "--json", str(workbook), "--annotate", str(out))
    assert done.returncode == 1, done.stderr
    assert workbook.read_bytes() == before  # the input is only read
    assert done.stderr.splitlines()[-1].startswith(f"Wrote {out}: ")
    return workbook, out, json.loads(done.stdout)  # --json stays one JSON document


def test_errors_on_every_sheet(checked: tuple[Path, Path, list[dict[str, object]]]) -> None:
    _, _, findings = checked
    errors = {f["sheet"] for f in findings if f["level"] == "error"}
    assert errors == {s.name for s in schema.SHEETS}
    assert {f["code"] for f in findings if f["level"] == "warning"} >= {"unknown-source", "unknown-column",
                                                                        "unknown-sheet"}


def test_each_finding_at_its_cell(checked: tuple[Path, Path, list[dict[str, object]]]) -> None:
    workbook, out, findings = checked
    book = openpyxl.load_workbook(out)
    placed = [f for f in findings if f["cell"]]
    assert len(placed) >= 8
    for finding in placed:
        cell = book[str(finding["sheet"])][str(finding["cell"])]
        worst = "error" if any(f["level"] == "error" for f in placed
                               if (f["sheet"], f["cell"]) == (finding["sheet"], finding["cell"])) else "warning"
        assert cell.fill.fgColor.rgb == FILLS[worst], finding
        assert cell.comment is not None and str(finding["message"]) in cell.comment.text
        assert f"{str(finding['level']).upper()}" in cell.comment.text  # never colour alone
    assert FILLS["error"] != FILLS["warning"]
    # The editor's note on a flagged cell comes first, as written; ours follows.
    note = book["Signals"]["F2"].comment
    assert note.text.startswith(EDITOR_NOTE) and "'maybe' is not one of Pays, Reverts, Neutral" in note.text
    assert note.author == openpyxl.load_workbook(workbook)["Signals"]["F2"].comment.author  # the editor's


def test_fix_list_first_one_row_per_finding_linking_to_its_cell(
        checked: tuple[Path, Path, list[dict[str, object]]]) -> None:
    _, out, findings = checked
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == "Fix list" and book.active.title == "Fix list"
    assert sum(ws.sheet_view.tabSelected for ws in book.worksheets) == 1
    ws = book["Fix list"]
    rows = [r for r in ws.iter_rows(min_row=5) if r[0].value in ("ERROR", "WARNING")]
    assert [(r[0].value, r[3].value, r[4].value) for r in rows] == [
        (str(f["level"]).upper(), f["message"], f["code"]) for f in findings
    ]
    for row, finding in zip(rows, findings, strict=True):
        if finding["sheet"] in book.sheetnames:
            assert row[1].hyperlink.location == f"'{finding['sheet']}'!{finding['cell'] or 'A1'}"
    # Grouped by sheet: a heading row before each sheet's findings, in the order an editor fixes them.
    headings = [r[0].value for r in ws.iter_rows(min_row=5) if r[0].value not in ("ERROR", "WARNING", None)]
    assert headings == [f"{s} ({sum(1 for f in findings if f['sheet'] == s)})"
                        for s in dict.fromkeys(str(f["sheet"]) for f in findings)]


def _styles(cell: openpyxl.cell.Cell) -> tuple[object, ...]:
    # Copies: openpyxl's style proxies do not compare equal to each other, only their targets do.
    return copy(cell.font), copy(cell.border), copy(cell.alignment), copy(cell.protection)


def _validations(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[object, ...]]:
    return sorted((str(dv.sqref), dv.type, dv.formula1, dv.prompt, dv.promptTitle, dv.errorStyle, dv.error)
                  for dv in ws.data_validations.dataValidation)


def test_everything_else_survives_exactly(checked: tuple[Path, Path, list[dict[str, object]]]) -> None:
    """Every cell of every sheet: value, type, number format, font, borders, alignment, protection, link, and
    the fill and note of every cell that was not flagged; every dropdown, width, height, pane, filter, merge."""
    workbook, out, findings = checked
    original = openpyxl.load_workbook(workbook, rich_text=True)
    annotated = openpyxl.load_workbook(out, rich_text=True)
    flagged = {(f["sheet"], f["cell"]) for f in findings if f["cell"]}
    assert annotated.sheetnames == ["Fix list", *original.sheetnames]
    compared = 0
    for ws in original.worksheets:
        other = annotated[ws.title]
        assert (other.max_row, other.max_column) == (ws.max_row, ws.max_column)
        for row in ws.iter_rows():
            for cell in row:
                twin = other[cell.coordinate]
                where = f"{ws.title}!{cell.coordinate}"
                assert (twin.value, twin.data_type, twin.number_format) == \
                    (cell.value, cell.data_type, cell.number_format), where
                assert _styles(twin) == _styles(cell), where
                assert (twin.hyperlink and twin.hyperlink.target) == (cell.hyperlink and cell.hyperlink.target)
                if (ws.title, cell.coordinate) not in flagged:
                    assert copy(twin.fill) == copy(cell.fill), where
                    assert (twin.comment and twin.comment.text) == (cell.comment and cell.comment.text), where
                compared += 1
        assert _validations(other) == _validations(ws), ws.title
        assert {k: (d.width, d.hidden) for k, d in other.column_dimensions.items()} == \
            {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()}, ws.title
        assert {k: d.height for k, d in other.row_dimensions.items()} == \
            {k: d.height for k, d in ws.row_dimensions.items()}, ws.title
        assert other.freeze_panes == ws.freeze_panes and other.auto_filter.ref == ws.auto_filter.ref
        assert sorted(map(str, other.merged_cells.ranges)) == sorted(map(str, ws.merged_cells.ranges))
        assert other.sheet_state == ws.sheet_state
    assert compared > 500
    assert annotated["Labs"]["A4"].comment.text == UNTOUCHED_NOTE


def test_checking_the_copy_gives_the_same_findings(checked: tuple[Path, Path, list[dict[str, object]]]) -> None:
    """The Fix list is never read (no 'unknown sheet'), the notes are never data."""
    _, out, findings = checked
    done = run_cli("check", "--json", str(out))
    assert done.returncode == 1
    assert json.loads(done.stdout) == findings


def test_annotating_an_annotated_copy_replaces_its_fix_list(
        checked: tuple[Path, Path, list[dict[str, object]]], tmp_path: Path) -> None:
    _, out, _findings = checked
    again = tmp_path / "again.xlsx"
    done = run_cli("check", str(out), "--annotate", str(again))
    assert done.returncode == 1
    book = openpyxl.load_workbook(again)
    assert book.sheetnames.count("Fix list") == 1
    note = book["Signals"]["F2"].comment.text
    assert note.count("'maybe' is not one of") == 2  # the note of the first pass is the copy's own note now
    assert note.startswith(EDITOR_NOTE)


def test_a_clean_workbook_gets_an_empty_fix_list(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "marked.xlsx"
    done = run_cli("check", str(sample_copy), "--annotate", str(out))
    assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(out)["Fix list"]
    assert ws["A1"].value == "Fix list for tracker.xlsx: No problems found."


def test_never_writes_the_input_however_named(sample_copy: Path, tmp_path: Path) -> None:
    before = sample_copy.read_bytes()
    link = tmp_path / "link.xlsx"
    link.symlink_to(sample_copy)
    hard = tmp_path / "hard.xlsx"
    os.link(sample_copy, hard)
    for name in (str(sample_copy), str(tmp_path / "." / "tracker.xlsx"), str(link), str(hard)):
        done = run_cli("check", str(sample_copy), "--annotate", name)
        assert done.returncode == 2, name
        assert done.stderr.startswith(f"Error: --annotate {name} is the workbook being checked"), done.stderr
    done = run_cli("check", str(sample_copy), "--annotate", str(tmp_path / "copy.csv"))
    assert done.returncode == 2 and "must be an .xlsx file" in done.stderr
    assert sample_copy.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.xlsx", "link.xlsx", "tracker.xlsx"]


def test_the_copy_opens_in_libreoffice(checked: tuple[Path, Path, list[dict[str, object]]], tmp_path: Path,
                                       artifacts: Path) -> None:
    """Printed through LibreOffice: the Fix list is the first page and names every finding; the PNG pages are
    saved to look at."""
    _, out, findings = checked
    pdf = soffice_convert(out, "pdf", tmp_path)
    (artifacts / "annotated.pdf").write_bytes(pdf.read_bytes())
    done = subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(artifacts / "annotated-page")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"], check=False,
                           capture_output=True, text=True, timeout=120).stdout
    assert "Fix list for tracker.xlsx" in first
    for finding in findings:
        assert str(finding["code"]) in first


def annotate_in_process(workbook: str, out: str, *more: str) -> Result:
    """`report check WORKBOOK --annotate OUT`, run in this process (the output and exit code are what matter)."""
    from click.testing import CliRunner

    from report.cli import cli

    return CliRunner().invoke(cli, ["check", workbook, "--annotate", out, *more])


def test_an_existing_out_is_replaced_only_with_force(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "unrelated.xlsx"
    out.write_bytes(b"someone else's workbook")
    refused = annotate_in_process(str(sample_copy), str(out))
    assert refused.exit_code == 2, refused.output
    assert refused.stderr == (f"Error: --annotate {out} already exists: choose another name, or add --force to "
                              "replace it.\n")
    assert out.read_bytes() == b"someone else's workbook"
    forced = annotate_in_process(str(sample_copy), str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert openpyxl.load_workbook(out).sheetnames[0] == schema.FIX_LIST_SHEET


def test_an_editors_own_fix_list_sheet_is_kept_and_said(sample_copy: Path, tmp_path: Path) -> None:
    edit_workbook(sample_copy, lambda book: book.create_sheet("Fix List").cell(row=1, column=1, value="mine"))
    out = tmp_path / "marked.xlsx"
    done = annotate_in_process(str(sample_copy), str(out))
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines()[-1] == ("The workbook's own sheet 'Fix List' is kept in the copy as 'Fix List "
                                            "(kept)'.")
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[0] == schema.FIX_LIST_SHEET
    assert book["Fix List (kept)"]["A1"].value == "mine"
    # Annotating the copy replaces our own Fix list, and keeps theirs as it is.
    again = tmp_path / "again.xlsx"
    assert annotate_in_process(str(out), str(again)).exit_code == 0
    assert openpyxl.load_workbook(again).sheetnames.count(schema.FIX_LIST_SHEET) == 1


def test_a_kept_name_already_taken_is_numbered_as_excel_names_sheets(sample_copy: Path, tmp_path: Path) -> None:
    def add(book: openpyxl.Workbook) -> None:
        book.create_sheet("Fix list").cell(row=1, column=1, value="mine")
        book.create_sheet("FIX LIST (KEPT)").cell(row=1, column=1, value="older")

    edit_workbook(sample_copy, add)
    out = tmp_path / "marked.xlsx"
    done = annotate_in_process(str(sample_copy), str(out))
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines()[-1] == ("The workbook's own sheet 'Fix list' is kept in the copy as 'Fix list "
                                            "(kept) (2)'.")
    book = openpyxl.load_workbook(out)
    assert (book["Fix list (kept) (2)"]["A1"].value, book["FIX LIST (KEPT)"]["A1"].value) == ("mine", "older")
