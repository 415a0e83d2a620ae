"""Findings about the workbook as a whole: macros, its tabs (a table twice, hidden, or not one the tool
uses), an older template, and a fresh workbook with nothing filled in."""

from __future__ import annotations

import shlex

from .. import schema
from ..findings import Finding
from ..read import RawWorkbook
from ..values import show
from .collect import Findings
from .rules import (
    DUPLICATE_SHEET,
    EMPTY_WORKBOOK,
    HIDDEN_SHEET,
    MACROS_IGNORED,
    OLDER_TEMPLATE,
    REQUIRED,
    UNKNOWN_SHEET,
)
from .tables import Row


def tabs(book: RawWorkbook, found: Findings) -> None:
    """Macros, and the tabs that are not one table sheet each as `report init` makes them."""
    if book.macros:
        found.add(MACROS_IGNORED)
    for name, matches in book.duplicates.items():
        found.add(DUPLICATE_SHEET, sheet=name, value=matches, name=name,
                  listed=" and ".join(", ".join(show(m) for m in matches).rsplit(", ", 1)))
    for spec in schema.SHEETS:
        raw = book.sheets.get(spec.name)
        if raw is not None and raw.hidden:
            found.add(HIDDEN_SHEET, sheet=spec.name, value=raw.name, name=show(raw.name), hidden=raw.hidden)
    for name in book.unknown_sheets:
        found.add(UNKNOWN_SHEET, sheet=name, value=name, name=show(name))


def older_template(book: RawWorkbook, lacking: list[str], found: Findings) -> None:
    """One warning naming every optional setting and column the workbook lacks, and the command that adds them."""
    if not lacking:
        return
    # The file as the user named it, so the command works from where they are.
    name = shlex.quote(str(book.path))
    upgraded = shlex.quote(str(book.path.with_name(f"{book.path.stem}-upgraded.xlsx")))
    found.add(OLDER_TEMPLATE, value="; ".join(lacking), listed=" and ".join(", ".join(lacking).rsplit(", ", 1)),
              name=name, upgraded=upgraded)


def start_here(findings: list[Finding], tables: dict[str, list[Row]]) -> list[Finding]:
    """A fresh, empty workbook gets one finding that says what to fill first, instead of an error per blank
    required setting."""
    required = [f for f in findings if f.code == REQUIRED.code and f.sheet == schema.SETTINGS.name]
    if any(tables.values()) or not required or len(required) != len(findings):
        return findings
    names = ", ".join(f.name for f in schema.SETTINGS_FIELDS if f.required)
    first = required[0]
    return [EMPTY_WORKBOOK.finding(first.sheet, first.cell, first.column, first.row, None, names=names)]
