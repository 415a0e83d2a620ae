"""Rules between sheets: lab and source names unique on their own sheets, and every reference to them
(a Lab on Events and Signals, the Pivot lab, a Source anywhere) naming a row there; a signal with no
source; a date too far ahead to be meant.

These rules look at every row, even one with a bad cell elsewhere, so that fixing one problem never
reveals another that could have been reported the first time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import schema
from ..safety import name_key
from ..values import looks_like_url, show
from .collect import Findings
from .layout import Layout
from .rules import DUPLICATE, FAR_FUTURE, NO_SOURCE, UNKNOWN_LAB, UNKNOWN_PIVOT_LAB, UNKNOWN_SOURCE
from .tables import Row

FUTURE_YEARS = 2  # a date this far ahead is likely a typo (except a milestone's due date)


def cross_sheet(settings: dict[str, Any], tables: dict[str, list[Row]], found: Findings, layout: Layout,
          today: dt.date) -> tuple[dict[str, str], dict[str, str]]:
    """Rules between sheets; the lab and source names as written on their sheets, by name key."""
    lab_names = unique("Labs", "Lab", tables["Labs"], found, layout)
    source_names = unique("Sources", "Source", tables["Sources"], found, layout)

    known_lab: dict[str, bool] = {}  # each name's key made once, not once per row
    for sheet in ("Events", "Signals"):
        for row in tables[sheet]:
            name = row.values.get("lab")
            if name is None:
                continue
            known = known_lab.get(name)
            if known is None:
                known = known_lab[name] = name_key(name) in lab_names
            if not known:
                found.add(UNKNOWN_LAB, sheet=sheet, cell=layout.cell(sheet, "Lab", row.number), column="Lab",
                          row=row.number, value=name, name=show(name))

    pivot = settings.get("pivot_lab")
    if pivot is not None and name_key(pivot) not in lab_names:
        number = layout.setting_row("Pivot lab")
        found.add(UNKNOWN_PIVOT_LAB, sheet="Settings", cell=layout.cell("Settings", "Value", number),
                  column="Pivot lab", row=number, value=pivot, name=show(pivot))

    for field_spec in schema.SETTINGS_FIELDS:
        value = settings.get(field_spec.attr)
        if field_spec.kind == "date" and isinstance(value, dt.date):
            number = layout.setting_row(field_spec.name)
            future(value, "Settings", field_spec.name, number, layout.cell("Settings", "Value", number), found, today)

    for sheet, rows in tables.items():
        spec = schema.sheet_named(sheet)
        # Only the columns these rules read, and each source name looked up once.
        ruled = [(column, column.attr) for column in spec.columns if column.kind in ("source", "date")]
        known_source: dict[str, bool] = {}
        horizon = today + dt.timedelta(days=366 * FUTURE_YEARS)
        for row in rows:
            for column, attr in ruled:
                value = row.values.get(attr)
                if column.kind == "source" and isinstance(value, str):
                    known = known_source.get(value)
                    if known is None:
                        known = known_source[value] = looks_like_url(value) or name_key(value) in source_names
                if column.kind == "source" and isinstance(value, str) and not known:
                    found.add(UNKNOWN_SOURCE, sheet=sheet, cell=layout.cell(sheet, column.name, row.number),
                              column=column.name, row=row.number, value=value, name=show(value))
                if column.kind == "date" and isinstance(value, dt.date) and value > horizon:
                    future(value, sheet, column.name, row.number, layout.cell(sheet, column.name, row.number), found,
                           today)
        if sheet == "Signals":
            for row in rows:
                if row.values.get("source") is None and "source" not in row.bad:
                    found.add(NO_SOURCE, sheet=sheet, cell=layout.cell(sheet, "Source", row.number), column="Source",
                              row=row.number)
    return lab_names, source_names


def future(value: dt.date, sheet: str, column: str, row: int | None, cell: str | None, found: Findings,
           today: dt.date) -> None:
    """A warning if `value` is more than FUTURE_YEARS ahead of today."""
    if value > today + dt.timedelta(days=366 * FUTURE_YEARS):
        found.add(FAR_FUTURE, sheet=sheet, cell=cell, column=column, row=row, value=value.isoformat(),
                  date=show(value), years=FUTURE_YEARS)


def unique(sheet: str, column: str, rows: list[Row], found: Findings, layout: Layout) -> dict[str, str]:
    """Name key -> name as first written; an error for each repeat."""
    attr = schema.sheet_named(sheet).column(column).attr
    seen: dict[str, tuple[int, str]] = {}
    for row in rows:
        name = row.values.get(attr)
        if not isinstance(name, str):
            continue
        key = name_key(name)
        if key in seen:
            found.add(DUPLICATE, sheet=sheet, cell=layout.cell(sheet, column, row.number), column=column,
                      row=row.number, value=name, name=show(name), first=seen[key][0], heading=column)
        else:
            seen[key] = (row.number, name)
    return {key: name for key, (_, name) in seen.items()}
