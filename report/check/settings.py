"""The Settings sheet: one setting a row, its name beside its value, each typed by its field's kind.

Unnamed values and settings the tool does not use are warnings; a setting given twice, or a required one
missing, is an error.
"""

from __future__ import annotations

from typing import Any

from .. import schema
from ..read import RawSheet
from ..values import show, text
from .layout import Layout
from .rules import DUPLICATE_SETTING, MISSING_SETTING, UNKNOWN_SETTING, UNNAMED_SETTING
from .tables import header_map
from .typed import Typer


def settings_values(sheet: RawSheet, typer: Typer, layout: Layout) -> tuple[dict[str, Any], bool, list[str]]:
    """The settings' values by attribute, whether all of them are good, and the optional settings the sheet
    lacks (an older template)."""
    spec = schema.SETTINGS
    found = typer.found
    columns, lacking = header_map(spec, sheet, found)
    if columns is None:
        return {}, False, lacking
    layout.columns[spec.name] = columns
    fields = {schema.header_key(f.name): f for f in schema.SETTINGS_FIELDS}
    seen: dict[str, int] = {}
    values: dict[str, Any] = {}
    ok = True
    value_index = columns.get("Value", columns["Setting"] + 1)
    for raw in sheet.rows:
        if raw.is_blank():
            continue
        name_cell = raw.cell(columns["Setting"])
        value_cell = raw.cell(value_index)
        if name_cell is None or not text(name_cell.value):
            if value_cell is not None and text(value_cell.value):
                found.add(UNNAMED_SETTING, sheet=spec.name, cell=value_cell.coordinate, row=raw.number,
                          value=text(value_cell.value), shown=show(text(value_cell.value)))
            continue
        label = text(name_cell.value).rstrip("*").strip()
        field_spec = fields.get(schema.header_key(label))
        if field_spec is None:
            found.add(UNKNOWN_SETTING, sheet=spec.name, cell=name_cell.coordinate, row=raw.number, value=label,
                      label=show(label))
            continue
        if field_spec.name in seen:
            found.add(DUPLICATE_SETTING, sheet=spec.name, cell=name_cell.coordinate, row=raw.number, value=label,
                      label=show(label), first=seen[field_spec.name])
            ok = False
            continue
        seen[field_spec.name] = raw.number
        good, value = typer.typed(spec.name, field_spec, value_cell, raw.number)
        ok = ok and good
        values[field_spec.attr] = value if good else None
    for field_spec in schema.SETTINGS_FIELDS:
        if field_spec.name not in seen:
            if field_spec.required:
                found.add(MISSING_SETTING, sheet=spec.name, column=field_spec.name, shown=show(field_spec.name),
                          name=field_spec.name)
                ok = False
            else:
                lacking.append(f"the {field_spec.name} setting")
            values[field_spec.attr] = field_spec.default
    return values, ok, lacking
