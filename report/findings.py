"""Problems found in a workbook, as data (after frictionless): each `Finding`, and the `Rule` it is made from."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Literal

from .safety import escape

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `code` is stable and tested; `message` quotes the value."""

    level: Level
    code: str
    sheet: str | None
    cell: str | None
    column: str | None
    row: int | None
    value: object
    message: str

    @property
    def where(self) -> str:
        """Signals!E7, Signals, or the empty string."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def line(self) -> str:
        """ERROR Signals!E7 (Points to): 'maybe' is not one of Pays, Reverts, Neutral"""
        parts = [self.level.upper()]
        if self.where:
            parts.append(self.where)
        if self.column:
            parts.append(f"({self.column}):")
        else:
            parts[-1] += ":"
        parts.append(self.message)
        # One line whatever a sheet name or value holds: line breaks and invisible characters shown escaped.
        return escape(" ".join(parts))

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        value = data["value"]
        if value is not None and not isinstance(value, (str, int, float, bool)):
            data["value"] = str(value)
        return data


@dataclass(frozen=True)
class Rule:
    """One kind of finding: its stable code, its level, and its message with {fields} to fill in.

    Every finding the tool makes comes from a Rule: the checker's are declared in report/check/rules.py, the
    edition's in report/edition.py and the contradictions' in report/contradictions.py. The code is a contract
    (`check --json`; the README's catalogue lists each one, tests/test_finding_codes.py holds the two together).
    """

    code: str
    level: Level
    message: str

    def worded(self, message: str) -> Rule:
        """The same rule (code and level) said another way, for another place it applies."""
        return dataclasses.replace(self, message=message)

    def say(self, **fields: object) -> str:
        """The message with its fields filled in."""
        return self.message.format(**fields)

    def finding(self, sheet: str | None, cell: str | None, column: str | None, row: int | None, value: object,
                **fields: object) -> Finding:
        """A finding of this rule at a place, its message filled with `fields`."""
        return Finding(self.level, self.code, sheet, cell, column, row, value, self.say(**fields))


def summary(findings: list[Finding]) -> str:
    """'2 errors, 1 warning in 2 sheets', or 'No problems found.'"""
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    if not findings:
        return "No problems found."
    sheets = {f.sheet for f in findings if f.sheet}
    text = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    if sheets:
        text += f" in {len(sheets)} sheet{'s' if len(sheets) != 1 else ''}"
    return text
