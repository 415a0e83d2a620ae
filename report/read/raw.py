"""The reader's output: a workbook's sheets as saved, row by row, each cell's value and where it is.

Nothing here judges a value; the checker (report/check/) does that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import cell_name


@dataclass(frozen=True)
class RawCell:
    """A cell's saved value and where it is."""

    value: object
    coordinate: str
    column: int
    formula: bool = False  # the cell holds a formula; `value` is its saved result
    error: bool = False  # the saved value is an error such as #DIV/0! or #N/A


class RawRow:
    """One row as saved: its values in a plain list (no object per cell), and the few cells that hold a
    formula or an error as RawCells."""

    __slots__ = ("first", "number", "special", "values")

    def __init__(self, number: int, values: list[Any], first: int = 1,
                 special: dict[int, RawCell] | None = None) -> None:
        self.number = number
        self.values = values  # values[i] is column first + i; "" or None for an empty cell
        self.first = first
        self.special = special  # by column index: cells with a formula or an error

    def value(self, column: int) -> Any:
        """The saved value of a column (1-based); None if empty."""
        if self.special is not None and column in self.special:
            return self.special[column].value
        i = column - self.first
        if 0 <= i < len(self.values):
            value = self.values[i]
            return None if value == "" else value
        return None

    def cell(self, column: int) -> RawCell | None:
        """The cell at a column (1-based), or None when it holds nothing."""
        if self.special is not None and column in self.special:
            return self.special[column]
        value = self.value(column)
        return None if value is None else RawCell(value, cell_name(column, self.number), column)

    @property
    def cells(self) -> dict[int, RawCell]:
        """Every cell that holds something, by column index (built on demand: a view for tests and tools)."""
        columns = [self.first + i for i, v in enumerate(self.values) if v is not None and v != ""]
        columns += list(self.special or ())
        out = {}
        for column in sorted(set(columns)):
            cell = self.cell(column)
            if cell is not None:
                out[column] = cell
        return out

    def is_blank(self) -> bool:
        if self.special:
            return False  # a formula, or an error, is something the editor put there
        for value in self.values:
            if value is not None and value != "" and not (isinstance(value, str) and not value.strip()):
                return False
        return True


@dataclass
class RawSheet:
    """A sheet as saved: its header row and the rows under it."""

    name: str
    header_row: int | None  # None: the sheet is empty
    headers: dict[int, str]  # column index -> header text as written
    rows: list[RawRow]
    merged: list[str] = field(default_factory=list)  # ranges that touch the table
    # Why that row is the header: "first" (the first row with text, naming this sheet's columns), "below"
    # (rows with text above it name none of this sheet's columns), "guess" (no row near the top names
    # one; the first row with text is taken).
    header_reason: str = "first"
    above: list[int] = field(default_factory=list)  # rows with text above the header row, skipped
    hidden: str | None = None  # "hidden" or "very hidden" when the tab is hidden


@dataclass
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]  # by schema name for the sheets we know, else as written
    unknown_sheets: list[str]
    macros: bool  # saved as .xlsm: macros are ignored
    epoch_1904: bool = False  # the workbook counts days from 1904 (old Mac Excel)
    sha256: str = ""  # of the bytes that were read: the edition records exactly what it was built from
    # schema sheet name -> every sheet whose name matches it (case and spaces ignored), when more than one
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    # sheets never read as data nor warned about (README, Fix list), as written: `upgrade` still names a Fix list
    ignored_sheets: list[str] = field(default_factory=list)
