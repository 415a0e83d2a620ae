"""One cell -> its typed value, by its column's kind; or the finding that says why it has none.

A formula never calculated, an error value, a blank required cell, and a value its column's rules refuse
(values.py) are each a finding at the cell.
"""

from __future__ import annotations

from typing import Any

from .. import schema
from ..read import RawCell
from ..read.cells import cell_name
from ..values import (
    Bad,
    looks_like_url,
    one_line,
    parse_choice,
    parse_date,
    parse_due,
    parse_email,
    parse_emails,
    parse_mailto,
    parse_name,
    parse_number,
    parse_quarter,
    parse_strength,
    parse_url,
    parse_value,
    positive,
    show,
    text,
    value_text,
)
from .collect import Findings
from .layout import Layout
from .rules import ERROR_VALUE, FORMULA_ERROR, FORMULA_NOT_CALCULATED, REQUIRED

MISS = object()  # not parsed yet
BLANK = object()  # text of only spaces: a blank cell


class Typer:
    """Types the cells of one workbook, recording a finding for each cell that has no good value."""

    def __init__(self, found: Findings, layout: Layout, epoch_1904: bool) -> None:
        self.found = found
        self.layout = layout
        self.epoch_1904 = epoch_1904  # the workbook counts days from 1904

    def typed(self, sheet: str, column: schema.Column, cell: RawCell | None, row: int) -> tuple[bool, Any]:
        """(ok, value) for one cell; a blank gives the column's default."""
        where: dict[str, Any] = {"sheet": sheet, "column": column.name, "row": row}
        if cell is not None and cell.formula and cell.value is None:
            self.found.add(FORMULA_NOT_CALCULATED, cell=cell.coordinate, **where)
            return False, None
        value = None if cell is None else cell.value
        if cell is not None and cell.error:
            if cell.formula:
                self.found.add(FORMULA_ERROR, cell=cell.coordinate, value=value, error=show(value), **where)
            else:
                self.found.add(ERROR_VALUE, cell=cell.coordinate, value=value, error=show(value), **where)
            return False, None
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                self.found.add(REQUIRED, cell=cell_name_for(cell, column, row, self.layout.columns.get(sheet, {})),
                               name=column.name, **where)
                return False, None
            return True, column.default
        assert cell is not None
        parsed = self.parse_once(sheet, column, value)
        if isinstance(parsed, Bad):
            self.found.bad(parsed, cell=cell.coordinate, value=text(value), **where)
            return False, None
        return True, parsed

    def parse_once(self, sheet: str, column: schema.Column, value: object) -> Any:
        """A saved value typed by every rule of its column, or the Bad it raises, or BLANK (blank text).

        `typed` and the column-by-column pass of tables.table_rows both come here, so a cached value and a cell
        read one by one meet the same rules.
        """
        if isinstance(value, str) and not value.strip():
            return BLANK
        try:
            parsed = parse(column, value, self.epoch_1904)
            if isinstance(parsed, str) and _is_name(sheet, column):
                parsed = parse_name(value)
            elif column.one_line and isinstance(parsed, str):
                one_line(parsed)
            elif isinstance(parsed, str):  # free text, a text Value, a source's name: shown as written
                value_text(parsed)
            if column.positive:
                positive(parsed)
            return parsed
        except Bad as bad:
            return bad


def parse(column: schema.Column, value: object, epoch_1904: bool) -> Any:
    """A saved value as its column's kind reads it; raises Bad if it is not one."""
    kind = column.kind
    if kind == "date":
        return parse_date(value, epoch_1904)
    if kind == "due":
        return parse_due(value, epoch_1904)
    if kind == "number":
        return parse_number(value)
    if kind == "value":
        return parse_value(value)
    if kind == "choice":
        return parse_choice(value, column.choices)
    if kind == "quarter":
        return parse_quarter(value)
    if kind == "strength":
        return parse_strength(value)
    if kind == "url":
        return parse_url(value)
    if kind == "source":
        raw = " ".join(text(value).split())
        if looks_like_url(raw):
            return parse_url(raw)
        return raw
    if kind == "emails":
        return parse_emails(value)
    if kind == "email":
        return parse_email(value)
    if kind == "mailto":
        return parse_mailto(value)
    return " ".join(text(value).split()) if kind == "lab" else text(value)


def _is_name(sheet: str, column: schema.Column) -> bool:
    """A lab name, or a reference to one: matched by name, so held to the name rule (NFC, short, visible)."""
    return column.kind == "lab" or (sheet == schema.LABS.name and column.name == "Lab")


def cell_name_for(cell: RawCell | None, column: schema.Column, row: int, columns: dict[str, int]) -> str | None:
    """The address of a cell that may be blank."""
    if cell is not None:
        return cell.coordinate
    index = columns.get(column.name) or columns.get("Value")
    return cell_name(index, row) if index else None
