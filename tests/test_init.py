"""`report init PATH [--sample] [--force]`: a workbook that guides the editor, built from the schema."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, append_row, checked_tracker, edit_workbook, records, run_cli, soffice_convert
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.dimensions import ColumnDimension

from report import sample, schema
from report.check import check_file
from report.cli import cli
from report.model import Tracker
from report.new_workbook import MAX_INPUT_MESSAGE, MAX_INPUT_TITLE, MAX_ROWS, input_message, input_title, template_bytes

HEADER_FILL = "FF1F3A5F"
REQUIRED_FILL = "FF2F6F6A"  # a calm teal, not an error red


def init(tmp_path: Path, *args: str, name: str = "w.xlsx") -> Path:
    path = tmp_path / name
    done = CliRunner().invoke(cli, ["init", str(path), *args])
    assert done.exit_code == 0, done.output
    return path


def tracker(path: Path) -> Tracker:
    return checked_tracker(path)  # type: ignore[no-any-return]


def column_dimension(ws: openpyxl.worksheet.worksheet.Worksheet, index: int) -> ColumnDimension:
    """The <col> that covers column `index` (neighbours with the same settings share one)."""
    return next(d for d in ws.column_dimensions.values() if d.min <= index <= d.max)


def validations(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, DataValidation]:
    """The validation on each column (by letter) or cell (Settings), keyed by where its range starts."""
    out: dict[str, DataValidation] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng.split(":")[0]] = dv
    return out


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(init(tmp_path_factory.mktemp("blank")))


# -- the guiding workbook -------------------------------------------------------------------------------------


def test_sheets_in_order_readme_first(blank: openpyxl.Workbook) -> None:
    assert blank.sheetnames == [schema.README_SHEET, *(s.name for s in schema.SHEETS)]
    assert blank.active.title == schema.README_SHEET  # the editor lands on the explanations


def test_readme_explains_every_sheet_and_column(blank: openpyxl.Workbook) -> None:
    ws = blank[schema.README_SHEET]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    first_column = [row[0] for row in cells]
    text = " ".join(str(v) for row in cells for v in row if v)
    for spec in schema.SHEETS:
        assert spec.name in first_column
        assert spec.help in text
        for column in schema.SETTINGS_FIELDS if spec is schema.SETTINGS else spec.columns:
            row = next(r for r in cells if r[0] == column.name and column.help in str(r[3]))
            assert (row[2] == "Yes") == column.required
            if column.choices:
                assert row[1] == "one of " + ", ".join(column.choices)
    assert "03/04/2026" in text  # warns about ambiguous dates


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.name)
def test_table_sheet_headers_panes_widths_dates_filter(blank: openpyxl.Workbook, spec: schema.Sheet) -> None:
    ws = blank[spec.name]
    headers = [c.value for c in ws[1]]
    assert headers == [c.name + ("*" if c.required else "") for c in spec.columns]
    for index, column in enumerate(spec.columns, start=1):
        header = ws.cell(row=1, column=index)
        dimension = column_dimension(ws, index)
        assert header.font.b
        assert header.fill.fgColor.rgb == (REQUIRED_FILL if column.required else HEADER_FILL)
        assert dimension.width >= column.width
        if column.kind == "date":
            assert dimension.number_format == "yyyy-mm-dd", column.name
    assert ws.freeze_panes == ("B2" if spec.name == "Labs" else "A2")
    assert ws.auto_filter.ref == f"A1:{get_column_letter(len(spec.columns))}2"
    assert ws.max_row == 1  # no records without --sample


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.name)
def test_dropdowns_and_input_messages_on_every_column(blank: openpyxl.Workbook, spec: schema.Sheet) -> None:
    found = validations(blank[spec.name])
    lab_letter = get_column_letter(schema.LABS.columns.index(schema.LABS.column("Lab")) + 1)
    for index, column in enumerate(spec.columns, start=1):
        dv = found[f"{get_column_letter(index)}2"]
        assert str(dv.sqref) == f"{get_column_letter(index)}2:{get_column_letter(index)}{MAX_ROWS + 1}"
        assert dv.showInputMessage and dv.promptTitle == input_title(column) and dv.prompt == input_message(column)
        assert column.help in dv.prompt and column.name in dv.promptTitle
        if column.choices:
            assert dv.type == "list" and dv.formula1 == '"' + ",".join(column.choices) + '"', column.name
        elif column.kind == "lab":
            assert dv.type == "list" and dv.formula1 == f"Labs!${lab_letter}$2:${lab_letter}${MAX_ROWS + 1}"
        elif column.kind == "quarter":
            assert dv.type == "list" and "2026-Q2" in dv.formula1 and "2026-Q3" in dv.formula1
            assert dv.errorStyle == "information"  # other quarters, and the other spellings, stay allowed
        elif column.kind == "strength":
            assert dv.type == "list" and dv.formula1 == '"1,2,3"'
        elif column.kind == "source":
            # Fed by the Sources sheet; a link is allowed too, so the list informs and never refuses.
            assert dv.type == "list" and dv.formula1 == f"Sources!$A$2:$A${MAX_ROWS + 1}", column.name
            assert dv.errorStyle == "information"
        else:
            assert dv.type is None  # "any value": there only for its input message


def test_settings_sheet_lists_every_setting_with_help_and_dropdown(blank: openpyxl.Workbook) -> None:
    ws = blank["Settings"]
    assert [c.value for c in ws[1]] == ["Setting", "Value", "About"]
    assert [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)] == [
        f.name for f in schema.SETTINGS_FIELDS
    ]
    found = validations(ws)
    for row, field in enumerate(schema.SETTINGS_FIELDS, start=2):
        assert field.help in ws.cell(row=row, column=3).value
        assert ws.cell(row=row, column=1).fill.fgColor.rgb == (REQUIRED_FILL if field.required else "00000000")
        dv = found[f"B{row}"]
        assert dv.prompt == input_message(field) and field.help in dv.prompt
        if field.kind == "lab":
            assert dv.type == "list" and dv.formula1.startswith("Labs!")
    assert ws.freeze_panes == "A2"


def test_blank_workbook_says_what_to_fill_first(tmp_path: Path) -> None:
    path = init(tmp_path)
    done = run_cli("check", str(path))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        ("ERROR Settings!B2 (Title): this workbook is new: start with Settings: Title, Pivot lab, Pivot model, "
        "Pivot date; then put the pivot lab and the labs you watch on the Labs sheet; then add events, signals, "
        "milestones and sources"),
        "1 error, 0 warnings in 1 sheet",
    ]
    done = run_cli("check", "--json", str(path))
    assert [(f["code"], f["cell"]) for f in json.loads(done.stdout)] == [("empty-workbook", "B2")]


def test_partly_filled_workbook_gets_the_bare_findings(tmp_path: Path) -> None:
    """Once the editor has started on the tables, each blank required setting is its own error again."""
    path = init(tmp_path)
    edit_workbook(path, lambda book: append_row(book, "Labs", {"Lab": "Alibaba", "Flagship weights": "Closed"}))
    result = check_file(path)
    assert [(f.cell, f.code, f.column) for f in result.findings] == [
        ("B2", "required", "Title"), ("B5", "required", "Pivot lab"), ("B6", "required", "Pivot model"),
        ("B7", "required", "Pivot date"),
    ]


@pytest.mark.parametrize("column", [*schema.SETTINGS_FIELDS, *(c for s in schema.TABLES for c in s.columns)],
                         ids=lambda c: c.name)
def test_every_input_note_fits_excels_limits(column: schema.Column) -> None:
    assert len(input_title(column)) <= MAX_INPUT_TITLE
    assert len(input_message(column)) <= MAX_INPUT_MESSAGE


def test_required_marks_have_a_legend(blank: openpyxl.Workbook) -> None:
    text = " ".join(str(c.value) for row in blank[schema.README_SHEET].iter_rows() for c in row if c.value)
    assert "marked * and have teal headers" in text


def test_template_through_libreoffice_nothing_overlaps(tmp_path: Path, artifacts: Path) -> None:
    """Every README row is tall enough for its wrapped text (LibreOffice does not grow a row written by a
    program), and the PDF LibreOffice prints keeps each sheet one page wide. The PNG pages are saved to look at."""
    path = init(tmp_path, "--sample")
    book = openpyxl.load_workbook(path)
    ws = book[schema.README_SHEET]
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCD"}
    merged = {str(r).split(":")[0]: str(r) for r in ws.merged_cells.ranges}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = widths[cell.column_letter]
            if cell.coordinate in merged:
                first, last = merged[cell.coordinate].split(":")
                width = sum(widths[get_column_letter(c)] for c in range(ws[first].column, ws[last].column + 1))
            lines = sum(max(1, -(-len(part) // int(width * 0.95 - 1))) for part in cell.value.split("\n"))
            assert (ws.row_dimensions[cell.row].height or 15) >= 15 * lines, cell.coordinate
    pdf = soffice_convert(path, "pdf", tmp_path / "pdf")
    (artifacts / "template.pdf").write_bytes(pdf.read_bytes())
    done = subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(artifacts / "template-page")],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=False, capture_output=True,
                          text=True, timeout=120).stdout
    # One page wide: the help column prints beside its column names, not on pages of its own.
    assert any("Kind" in line and "Closed flagship" in line for line in text.splitlines()), text
    assert any("Title" in line and "The briefing's title" in line for line in text.splitlines())


def test_template_is_the_same_every_time() -> None:
    assert template_bytes() == template_bytes()
    assert template_bytes(with_sample=True) == template_bytes(with_sample=True)


# -- writing safely -------------------------------------------------------------------------------------------


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = init(tmp_path)
    before = path.read_bytes()
    done = CliRunner().invoke(cli, ["init", str(path), "--sample"])
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [
        f"Error: {path} already exists: choose another name, or add --force to replace it."
    ]
    assert path.read_bytes() == before
    done = CliRunner().invoke(cli, ["init", str(path), "--sample", "--force"])
    assert done.exit_code == 0, done.output
    assert path.read_bytes() == template_bytes(with_sample=True)
    assert [p.name for p in tmp_path.iterdir()] == ["w.xlsx"]  # no temporary file left behind


def test_refuses_other_extensions(tmp_path: Path) -> None:
    path = tmp_path / "w.xls"
    done = CliRunner().invoke(cli, ["init", str(path)])
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [f"Error: {path} should end in .xlsx: the tool writes Excel workbooks."]
    assert not path.exists()


def test_init_says_what_to_do_next(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    done = CliRunner().invoke(cli, ["init", str(path), "--sample"])
    assert done.stdout == f"Wrote {path} with the sample story. Fill it in, then run: report check {path}\n"


# -- the sample -----------------------------------------------------------------------------------------------


def test_sample_holds_the_story_of_the_seed(tmp_path: Path) -> None:
    t = tracker(init(tmp_path, "--sample"))
    assert t.settings.pivot_lab == "Alibaba" and t.settings.pivot_model == "Qwen 3.6 Max-Preview"
    assert t.settings.pivot_date.isoformat() == "2026-04-20"
    assert [lab.lab for lab in t.labs] == [row["Lab"] for row in sample.ROWS["Labs"]]
    assert [e.headline for e in t.events] == [row["Headline"] for row in sample.ROWS["Events"]]
    assert [s.signal for s in t.signals] == [row["Signal"] for row in sample.ROWS["Signals"]]
    assert [m.milestone for m in t.milestones] == [row["Milestone"] for row in sample.ROWS["Milestones"]]
    assert [s.source for s in t.sources] == [row["Source"] for row in sample.ROWS["Sources"]]
    # Nothing the seed does not say: no invented links or figures.
    assert all(s.url is None for s in t.sources)
    assert all(s.value is None for s in t.signals)


def test_committed_sample_holds_the_same_records_as_a_fresh_init(tmp_path: Path) -> None:
    assert records(tracker(SAMPLE)) == records(tracker(init(tmp_path, "--sample")))
    # And it is that very file: regenerate it with `report init workbooks/bifurcation-tracker.xlsx --sample --force`.
    assert SAMPLE.read_bytes() == template_bytes(with_sample=True)


def test_init_sample_then_check_passes_before_and_after_libreoffice(tmp_path: Path) -> None:
    """The issue's "Done when": report init w.xlsx --sample && report check w.xlsx, also after LibreOffice has
    opened and saved the file, with the same records."""
    path = tmp_path / "w.xlsx"
    done = run_cli("init", str(path), "--sample")
    assert done.returncode == 0, done.stderr
    done = run_cli("check", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "No problems found.\n"
    saved = soffice_convert(path, "xlsx", tmp_path / "libreoffice")
    done = run_cli("check", str(saved))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "No problems found.\n"
    assert records(tracker(saved)) == records(tracker(path))
