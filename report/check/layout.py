"""Where each schema column sits on its sheet, as the header rows placed it: what turns (sheet, column,
row) into the cell a finding points at."""

from __future__ import annotations

from .. import schema
from ..read import RawSheet
from ..read.cells import cell_name
from ..values import text


class Layout:
    """Schema sheet -> column name -> the sheet's column index, filled in as each header row is read."""

    def __init__(self, settings: RawSheet) -> None:
        self.settings = settings  # the Settings sheet as read: its rows say where each setting is
        self.columns: dict[str, dict[str, int]] = {}

    def cell(self, sheet: str, column: str, row: int | None) -> str | None:
        """"E7" for a column of a sheet at a row; None if the column or the row is not known."""
        index = self.columns.get(sheet, {}).get(column)
        return cell_name(index, row) if index and row else None

    def setting_row(self, name: str) -> int | None:
        """The row of the Settings sheet that names the setting `name`, if any."""
        index = self.columns.get("Settings", {}).get("Setting")
        for raw in self.settings.rows:
            cell = raw.cell(index) if index else None
            if cell is not None and schema.header_key(text(cell.value)) == schema.header_key(name):
                return raw.number
        return None
