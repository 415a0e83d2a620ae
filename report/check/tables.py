"""A table sheet (Labs, Events, Signals, Milestones, Sources): its header row mapped to the schema's
columns, then its rows typed column by column.

The header row's findings (unknown, repeated and missing columns, text above it, merged cells) come first;
a sheet whose header cannot be used gives no rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import schema
from ..read import RawSheet
from ..read.cells import cell_name, range_start
from ..read.grid import HEADER_SEARCH
from ..values import Bad, show, text
from .collect import Findings
from .layout import Layout
from .rules import (
    ABOVE_HEADER,
    DUPLICATE_COLUMN,
    MERGED_CELLS,
    MISSING_COLUMN,
    NO_HEADER,
    UNKNOWN_COLUMN,
)
from .typed import BLANK, MISS, Typer


@dataclass(slots=True)
class Row:
    """One table row as typed: a value per column (None where the cell was bad), and the bad columns."""

    number: int
    values: dict[str, Any]
    bad: set[str]  # attributes whose cell has an error

    @property
    def ok(self) -> bool:
        return not self.bad


def header_map(spec: schema.Sheet, sheet: RawSheet, found: Findings) -> tuple[dict[str, int] | None, list[str]]:
    """Schema column name -> sheet column index (None when the sheet cannot be read as a table), and the
    optional columns the header lacks (an older template); findings for unknown, repeated and missing
    headers."""
    by_key = {c.key: c for c in spec.columns}
    columns: dict[str, int] = {}
    for index, header in sorted(sheet.headers.items()):
        key = schema.header_key(header)
        coordinate = cell_name(index, sheet.header_row or 1)
        column = by_key.get(key)
        if column is None:
            found.add(UNKNOWN_COLUMN, sheet=spec.name, cell=coordinate, column=header, row=sheet.header_row,
                      value=header, header=show(header))
        elif column.name in columns:
            found.add(DUPLICATE_COLUMN, sheet=spec.name, cell=coordinate, column=column.name, row=sheet.header_row,
                      value=header, header=show(header))
        else:
            columns[column.name] = index
    missing = [c.name for c in spec.required_columns if c.name not in columns]
    lacking = []
    if spec is not schema.SETTINGS:
        lacking = [f"the {c.name} column on {spec.name}" for c in spec.columns
                   if not c.required and c.name not in columns]
    if sheet.header_reason == "below" and sheet.above:
        plural = len(sheet.above) > 1
        found.add(ABOVE_HEADER, sheet=spec.name, row=sheet.above[0],
                  cell=cell_name(min(sheet.headers or {1: ""}), sheet.above[0]),
                  s="s" if plural else "", rows=", ".join(str(n) for n in sheet.above), verb_s="" if plural else "s",
                  are="are" if plural else "is", header_row=sheet.header_row)
    if sheet.header_reason == "guess" and not columns:
        # No row near the top names any column: one sentence, not one error per missing column.
        found.add(NO_HEADER, sheet=spec.name, row=sheet.header_row, search=HEADER_SEARCH,
                  header_row=sheet.header_row, wanted=", ".join(c.name for c in spec.required_columns))
        return None, lacking
    for name in missing:
        found.add(MISSING_COLUMN, sheet=spec.name, row=sheet.header_row, column=name, name=show(name),
                  where="the header row" if sheet.header_row else "row 1 (the sheet is empty)")
    names = {index: name for name, index in columns.items()}
    for rng in sheet.merged:
        first_column, first_row = range_start(rng)
        found.add(MERGED_CELLS, sheet=spec.name, cell=rng.split(":")[0], column=names.get(first_column),
                  row=first_row, value=rng, range=rng)
    return (None if missing else columns), lacking


def table_rows(spec: schema.Sheet, sheet: RawSheet, typer: Typer, layout: Layout) -> tuple[list[Row], list[str]]:
    """The sheet's non-blank rows, typed; and the optional columns its header lacks."""
    found = typer.found
    columns, lacking = header_map(spec, sheet, found)
    if columns is None:
        return [], lacking
    layout.columns[spec.name] = columns
    # Column by column, each distinct value parsed once: a column repeats its values (quarters, labs,
    # choices, dates, sources) across thousands of rows. Cached by type too: True == 1 == 1.0.
    raws = [raw for raw in sheet.rows if not raw.is_blank()]
    # The raw rows are not read again once typed: let them go as the typed rows are made, so a 100,000-row
    # sheet is not held twice.
    sheet.rows.clear()
    attrs = [column.attr for column in spec.columns]
    typed = typer.typed
    parse_once = typer.parse_once
    found_bad: dict[int, set[str]] = {}  # row number -> attributes whose cell has an error
    by_column: list[list[Any]] = []
    for column in spec.columns:
        index = columns.get(column.name)
        attr = column.attr
        out: list[Any] = []
        cache: dict[type, dict[Any, Any]] = {}
        texts = cache[str] = {}  # most cells are text: found without a lookup by type
        for raw in raws:
            special = raw.special
            if index is None or (special is not None and index in special):
                good, value = typed(spec.name, column, raw.cell(index) if index else None, raw.number)
            else:
                cells = raw.values
                i = index - raw.first
                saved = cells[i] if 0 <= i < len(cells) else None
                if saved is None or saved == "":
                    good, value = typed(spec.name, column, None, raw.number)
                else:
                    by_type = texts if saved.__class__ is str else cache.get(saved.__class__)
                    if by_type is None:
                        by_type = cache[saved.__class__] = {}
                    value = by_type.get(saved, MISS)
                    if value is MISS:
                        value = by_type[saved] = parse_once(spec.name, column, saved)
                    good = True
                    if value is BLANK:
                        good, value = typed(spec.name, column, None, raw.number)
                    elif value.__class__ is Bad:
                        found.bad(value, cell=cell_name(index, raw.number), value=text(saved), sheet=spec.name,
                                  column=column.name, row=raw.number)
                        good = False
            if good:
                out.append(value)
            else:
                out.append(None)
                found_bad.setdefault(raw.number, set()).add(attr)
        by_column.append(out)
    rows = [Row(raw.number, dict(zip(attrs, values, strict=True)), found_bad.get(raw.number, set()))
            for raw, values in zip(raws, zip(*by_column, strict=True), strict=True)]
    return rows, lacking
