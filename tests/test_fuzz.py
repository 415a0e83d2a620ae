"""Fuzzing (issue 12 part 6): random values of every column kind through `check` and `build`.

The sample workbook is written afresh for each example, with a few cells replaced by random values: text
with any Unicode, numbers, dates, date-formatted serial numbers, error cells, formulas with a saved value
(XlsxWriter) and without one (openpyxl). Whatever the cells hold, the commands end with exit 0 or 1 and their
own sentences, never the catch-all "unexpected problem".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner
from conftest import SAMPLE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from report import schema
from report.cli import cli

ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
DATE_FORMAT = "yyyy-mm-dd"
# The dates the edition is measured from stay put: an edition before the pivot is a usage error (exit 2) by
# design, and test_ranges.py covers those two cells' ranges.
FIXED_SETTINGS = {"Pivot date", "Edition date"}


@dataclass(frozen=True)
class Serial:
    """A number in a date-formatted cell."""

    number: float


@dataclass(frozen=True)
class Formula:
    """A formula; `cached` is its saved result (None: never calculated)."""

    text: str
    cached: object


@dataclass(frozen=True)
class ErrorCell:
    code: str


def _sample() -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(SAMPLE)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


SHEETS = _sample()

texts = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
look_alikes = st.one_of(
    st.from_regex(r"\A-?\d{1,5}[-/. ]?Q[0-9]\Z"),  # quarters, good and bad
    st.from_regex(r"\A\d{1,5}[-/.]\d{1,2}[-/.]\d{1,5}\Z"),  # dates typed as text
    st.sampled_from(["Pays", "Reverts", "Neutral", "Open", "Closed", "Yes", "No", "Alibaba", "DeepSeek",
                     "desk@example.com", "https://example.com/a", "javascript:alert(1)", "=?utf-8?q?x?="]),
)
numbers = st.one_of(st.integers(min_value=-10**15, max_value=10**15),
                    st.floats(allow_nan=False, allow_infinity=False))
EDGES = [dt.datetime(9999, 12, 31), dt.datetime(1900, 3, 1), dt.datetime(1989, 12, 31), dt.datetime(2101, 1, 1),
         dt.datetime(1990, 1, 1), dt.datetime(2100, 12, 31)]
dates = st.one_of(st.sampled_from(EDGES),
                  st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)))
serials = st.builds(Serial, st.one_of(st.floats(min_value=-1e6, max_value=3e6, allow_nan=False),
                                      st.sampled_from([0, -5, 1, 60, 61, 2958465, 2958466])))
errors = st.builds(ErrorCell, st.sampled_from(ERRORS))
cached = st.one_of(st.none(), texts, numbers, st.booleans(), st.sampled_from(ERRORS))
formulas = st.builds(Formula, st.sampled_from(["=1+1", '=""', "=TODAY()", "=A1"]), cached)
values = st.one_of(texts, look_alikes, numbers, dates, serials, errors, formulas, st.booleans(), st.none())
quarters = st.builds(lambda year, q, sep: f"{year:04d}{sep}Q{q}" if sep != " last" else f"Q{q} {year:04d}",
                     st.integers(min_value=0, max_value=9999), st.integers(min_value=0, max_value=5),
                     st.sampled_from(["-", "", " ", " last"]))
text_dates = st.builds(lambda d, form: d.strftime(form), dates, st.sampled_from(["%Y-%m-%d", "%d %b %Y",
                                                                                 "%B %d, %Y", "%d/%m/%Y"]))
# Values a column of each kind is likely to meet (its own kind, at the edges), as well as anything at all.
BY_KIND: dict[str, st.SearchStrategy[object]] = {
    "date": st.one_of(dates, serials, text_dates),
    "due": st.one_of(dates, serials, text_dates, quarters),
    "quarter": quarters,
    "number": numbers,
    "strength": st.one_of(numbers, st.sampled_from([1, 2, 3, "2", 3.0])),
    "value": numbers,
}


def kind_of(sheet: str, row: int, column: int) -> str:
    """The schema kind of a cell of the sample (a Settings value: its row's kind)."""
    spec = schema.sheet_named(sheet)
    header = SHEETS[sheet][row][0] if sheet == "Settings" else SHEETS[sheet][0][column]
    for candidate in (schema.SETTINGS_FIELDS if sheet == "Settings" else spec.columns):
        if candidate.key == schema.header_key(header):
            return candidate.kind
    return "text"


TYPED = [(sheet, column, None) for sheet, rows in SHEETS.items() if sheet not in ("README", "Settings")
         for column in range(len(rows[0])) if kind_of(sheet, 0, column) in BY_KIND] + [
        ("Settings", 1, row) for row in range(1, len(SHEETS["Settings"]))
        if SHEETS["Settings"][row][0] not in FIXED_SETTINGS and kind_of("Settings", row, 1) in BY_KIND]


@st.composite
def edits(draw: st.DrawFn) -> dict[tuple[str, int, int], object]:
    """A few cells of the sample's tables (or a row under them) and their new values."""
    changes: dict[tuple[str, int, int], object] = {}
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if draw(st.booleans()):
            # Half the edits go to a typed column (dates, quarters, numbers), where a bad value goes deepest.
            sheet, column, settings_row = draw(st.sampled_from(TYPED))
        else:
            sheet = draw(st.sampled_from([s for s in SHEETS if s != "README"]))
            column, settings_row = -1, None
        rows = SHEETS[sheet]
        if sheet == "Settings":
            choices = [i for i in range(1, len(rows)) if rows[i][0] not in FIXED_SETTINGS]
            row, column = settings_row or draw(st.sampled_from(choices)), 1
        else:
            row = draw(st.integers(min_value=1, max_value=len(rows)))  # len(rows): a new row
            if column < 0:
                column = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
        kind = kind_of(sheet, row if sheet == "Settings" else 0, column)
        typed = BY_KIND.get(kind)
        changes[(sheet, row, column)] = draw(values if typed is None or draw(st.integers(0, 3)) == 0 else typed)
    return changes


def write_openpyxl(path: Path, cells: dict[str, dict[tuple[int, int], object]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, grid in cells.items():
        ws = book.create_sheet(sheet)
        for (row, column), value in grid.items():
            cell = ws.cell(row=row + 1, column=column + 1)
            if isinstance(value, Serial):
                cell.value, cell.number_format = value.number, DATE_FORMAT
            elif isinstance(value, Formula):
                cell.value = value.text  # openpyxl saves no result: a formula never calculated
            elif isinstance(value, ErrorCell):
                cell.value = value.code
                cell.data_type = "e"
            elif isinstance(value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # text, even when it starts with '='
            elif isinstance(value, dt.datetime):
                cell.value, cell.number_format = value, DATE_FORMAT
            else:
                cell.value = value
    book.save(path)


def write_xlsxwriter(path: Path, cells: dict[str, dict[tuple[int, int], object]]) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    date = book.add_format({"num_format": DATE_FORMAT})
    for sheet, grid in cells.items():
        ws = book.add_worksheet(sheet)
        for (row, column), value in grid.items():
            if isinstance(value, Serial):
                ws.write_number(row, column, value.number, date)
            elif isinstance(value, Formula):
                result = value.cached if value.cached is not None else 0
                ws.write_formula(row, column, value.text, None, result)
            elif isinstance(value, ErrorCell):
                ws.write_formula(row, column, "=NA()", None, value.code)  # a saved error result
            elif isinstance(value, bool):
                ws.write_boolean(row, column, value)
            elif isinstance(value, (int, float)):
                ws.write_number(row, column, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(row, column, value, date)
            elif isinstance(value, str):
                ws.write_string(row, column, value)  # control characters are saved as _xHHHH_ escapes
    book.close()


def workbook_with(path: Path, changes: dict[tuple[str, int, int], object], writer: str) -> Path:
    cells: dict[str, dict[tuple[int, int], object]] = {}
    for sheet, rows in SHEETS.items():
        grid = cells.setdefault(sheet, {})
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    grid[(r, c)] = value
    for (sheet, row, column), value in changes.items():
        cells[sheet].pop((row, column), None)
        if value is not None:
            cells[sheet][(row, column)] = value
    (write_openpyxl if writer == "openpyxl" else write_xlsxwriter)(path, cells)
    return path


CATCH_ALL = re.compile(r"unexpected problem", re.IGNORECASE)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# The crashes the issue found, always tried (row 1 is the sample's first record; columns count from 0).
@example(changes={("Events", 1, 0): dt.datetime(9999, 12, 31)}, writer="openpyxl")
@example(changes={("Milestones", 1, 0): "0000-Q1"}, writer="xlsxwriter")
@example(changes={("Signals", 1, 0): "9999-Q4"}, writer="openpyxl")
@example(changes={("Events", 1, 0): Serial(0)}, writer="xlsxwriter")
@example(changes={("Events", 1, 0): Serial(2958466)}, writer="openpyxl")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(changes=edits(), writer=st.sampled_from(["openpyxl", "xlsxwriter"]))
def test_random_cells_give_exit_0_or_1_never_the_catch_all(folder: Path, changes: dict[tuple[str, int, int], object],
                                                           writer: str) -> None:
    workbook = workbook_with(folder / "fuzz.xlsx", changes, writer)
    runner = CliRunner()
    checked = runner.invoke(cli, ["check", str(workbook)])
    assert not CATCH_ALL.search(checked.output), checked.output
    assert checked.exit_code in (0, 1), checked.output
    built = runner.invoke(cli, ["build", str(workbook), "-o", str(folder / "out"), "--edition", "2026-06-01",
                                "--format", "html", "--format", "xlsx"])
    assert not CATCH_ALL.search(built.output), built.output
    assert built.exit_code in (0, 1), built.output
    # check and build agree on whether the workbook can be built.
    assert built.exit_code == checked.exit_code, checked.output + built.output
