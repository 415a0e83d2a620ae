"""A sheet as a grid of rows: calamine's values with the scan's formula and error cells laid over them,
merged cells cleared as Excel shows them, and the header row found among the first rows with text.
"""

from __future__ import annotations

from typing import Any

from .. import schema
from .cells import cell_name, range_start_row_end
from .raw import RawCell, RawRow, RawSheet
from .scan import KEEP, Scan
from .tabs import Tab

HEADER_SEARCH = 10  # rows with text looked at for the header: a title and a note or two may sit above it


def read_sheet(sheet: Any, entry: Tab, scan: Scan, spec: schema.Sheet) -> RawSheet:
    """One sheet: calamine's rows (a list of values each, no object per cell), the formula and error
    cells laid over them, merged ranges, and the header row found."""
    _, start_column = sheet.start if sheet.start is not None else (0, 0)
    first = start_column + 1
    by_row: dict[int, dict[int, RawCell]] = {}
    for (at, column), cell in scan.special.items():
        by_row.setdefault(at, {})[column] = cell
    merged = []
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        merged.append(f"{cell_name(left + 1, top + 1)}:{cell_name(right + 1, bottom + 1)}")
    # Only a merged range's first cell keeps its value, as Excel and LibreOffice show it.
    cleared: dict[int, list[int]] = {}
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        for r in range(top + 1, bottom + 2):
            cleared.setdefault(r, []).extend(c for c in range(left + 1, right + 2) if (r, c) != (top + 1, left + 1))

    keys = {c.key for c in spec.columns}
    rows: list[RawRow] = []
    header_row: int | None = None
    headers: dict[int, str] = {}
    candidates: list[RawRow] = []  # rows with text before the header is settled
    reason = "first"
    above: list[int] = []
    number = 0  # iter_rows starts at the first row of the sheet, and at the first filled column
    for values in sheet.iter_rows():
        number += 1
        special = by_row.pop(number, None)
        if special is not None:
            for column, cell in list(special.items()):
                if cell.value is KEEP:
                    i = column - first
                    kept = values[i] if 0 <= i < len(values) else None
                    special[column] = RawCell(kept, cell.coordinate, column, formula=cell.formula)
        if number in cleared:
            for column in cleared[number]:
                if 0 <= column - first < len(values):
                    values[column - first] = ""
                if special:
                    special.pop(column, None)
        if not special and values.count("") == len(values):
            continue  # an empty row in the grid, or a styled one: nothing to read
        row = RawRow(number, values, first, special or None)
        if header_row is None:
            if row.is_blank():
                continue
            candidates.append(row)
            if _names_a_column(values, keys) or len(candidates) >= HEADER_SEARCH:
                header_row, reason, above = _choose_header(candidates, keys)
                headers = _headers(next(r for r in candidates if r.number == header_row).values, first)
                # Rows between a guessed header and the row that ended the search are data.
                rows.extend(r for r in candidates if r.number > header_row)
            continue
        rows.append(row)
    for number, special in by_row.items():  # formula cells calamine saw as empty rows (no saved value)
        if header_row is not None and number > header_row:
            for column, cell in list(special.items()):
                if cell.value is KEEP:  # outside calamine's grid: no value was read
                    special[column] = RawCell(None, cell.coordinate, column, formula=cell.formula)
            rows.append(RawRow(number, [], first, special))
    if header_row is None and candidates:
        header_row, reason, above = _choose_header(candidates, keys)
        headers = _headers(next(r for r in candidates if r.number == header_row).values, first)
        rows.extend(r for r in candidates if r.number > header_row)
    rows.sort(key=lambda r: r.number)
    touching = [ref for ref in merged if header_row is not None and range_start_row_end(ref) >= header_row]
    hidden = {"hidden": "hidden", "veryHidden": "very hidden"}.get(entry.state)
    return RawSheet(entry.name, header_row, headers, rows, touching, reason, above, hidden)


def _names_a_column(values: list[Any], keys: set[str]) -> bool:
    return any(isinstance(v, str) and v.strip() and schema.header_key(v) in keys for v in values)


def _choose_header(candidates: list[RawRow], keys: set[str]) -> tuple[int, str, list[int]]:
    """The header row among the first rows with text: the first that names one of the sheet's columns;
    if none does, the first row with text."""
    for i, row in enumerate(candidates):
        if _names_a_column(row.values, keys):
            return row.number, "first" if i == 0 else "below", [r.number for r in candidates[:i]]
    return candidates[0].number, "guess", []


def _headers(values: list[Any], first: int) -> dict[int, str]:
    return {first + i: _text(v) for i, v in enumerate(values) if not _blank(v)}


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
