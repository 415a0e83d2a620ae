"""The findings of one check, collected as the rules make them, and the order an editor reads them in.

Each rule module is handed the collector; none keeps findings of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from .. import schema
from ..findings import Finding, Rule
from ..read import RawWorkbook
from ..read.cells import column_index
from ..values import Bad
from .rules import BAD_VALUE


class Findings:
    """Every finding made so far, in the order the rules made them; `sheet` is written as the editor's tab
    names it."""

    def __init__(self, book: RawWorkbook) -> None:
        self.book = book
        self.made: list[Finding] = []

    def title(self, sheet: str) -> str:
        """The sheet's name as the editor sees it on its tab (it may differ in case from the schema's)."""
        raw = self.book.sheets.get(sheet)
        return raw.name if raw is not None else sheet

    def add(
        self,
        rule: Rule,
        sheet: str | None = None,
        cell: str | None = None,
        column: str | None = None,
        row: int | None = None,
        value: object = None,
        **fields: object,
    ) -> None:
        """Record a finding of `rule`, its message filled with `fields`; `sheet` is the schema's sheet name."""
        where = self.title(sheet) if sheet is not None else None
        self.made.append(rule.finding(where, cell, column, row, value, **fields))

    def bad(self, bad: Bad, sheet: str, cell: str | None, column: str, row: int, value: object) -> None:
        """Record a cell that is not a valid value of its column, in the words of the rule it broke."""
        self.add(BAD_VALUE[bad.code], sheet, cell, column, row, value, reason=bad.message)

    def extend(self, found: Iterable[Finding]) -> None:
        """Record findings made elsewhere (the edition's), their sheet as the editor's tab names it."""
        for finding in found:
            title = self.title(finding.sheet) if finding.sheet else None
            self.made.append(dataclasses.replace(finding, sheet=title))

    def ordered(self) -> list[Finding]:
        """Findings in the order an editor fixes them: the workbook, then sheet by sheet, row by row, left to
        right."""
        ranks = {self.title(spec.name): rank for rank, spec in enumerate(schema.SHEETS, start=1)}

        def key(finding: Finding) -> tuple[int, int, int]:
            rank = 0 if finding.sheet is None else ranks.get(finding.sheet, len(ranks) + 1)
            column = column_index(finding.cell) if finding.cell else 0
            return (rank, finding.row or 0, column)

        return sorted(self.made, key=key)
