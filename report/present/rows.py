"""Long lists: every row for the xlsx, the rows the page and the email show, and the note for the rest.

`Limits` sets how many rows of each list the page shows (`email_limits` caps them for the email);
`Rows` holds one list as every format needs it; `Lines` presents the longest lists row by row as they are
read; `more_note` and `summary_note` say where the rows a list leaves out are ("in the workbook edition" on
the page, "in the attached workbook" in the email).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar, overload

from .words import plural

T = TypeVar("T")
S = TypeVar("S")

# Where the rows a list leaves out are, as each output says it: the page names the xlsx edition beside it
# (it has no attachment), the email and its text part the attached workbook.
PAGE_WHERE = "in the workbook edition"
EMAIL_WHERE = "in the attached workbook"


@dataclass(frozen=True, slots=True)
class Limits:
    """How many rows the page and the email show of each long list; the xlsx always keeps every row."""

    reasons: int = 10
    changes: int = 15
    labs: int = 20
    signals: int = 15
    timeline: int = 15
    watchlist: int = 20
    health: int = 10
    sources: int = 20


# How many rows each of the email's lists may show, tried in turn until its HTML fits its budget
# (report/render/email.py measures; never more than the page shows).
EMAIL_ROW_LIMITS: tuple[int, ...] = (40, 20, 10, 5, 3)


def email_limits(limit: int) -> Limits:
    """The page's limits, capped at `limit`: the email never shows more rows than the page."""
    page = Limits()
    return Limits(**{f.name: min(getattr(page, f.name), limit) for f in fields(Limits)})


class Lines(Sequence[T]):
    """Every row of a long list, each presented when it is read (the xlsx reads them row by row): a
    100,000-row list is not held twice, as the briefing's rows and again as their lines. A line is made
    again each time it is read; it is a pure function of its row, so each reading gives an equal line."""

    __slots__ = ("_line", "_rows")

    def __init__(self, rows: Sequence[S], line: Callable[[S], T]) -> None:
        self._rows: Sequence[Any] = rows
        self._line: Callable[[Any], T] = line

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(map(self._line, self._rows[index]))
        return self._line(self._rows[index])

    def __iter__(self) -> Iterator[T]:
        return map(self._line, self._rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Lines({len(self)} rows)"


@dataclass(frozen=True, slots=True)
class Rows(Generic[T]):
    """A long list: every row for the xlsx, the rows the page and the email show, and the note for the rest."""

    all: Sequence[T]  # a tuple, or for the longest lists Lines made as they are read
    shown: tuple[T, ...]
    more: str | None
    empty: str

    def filled(self, *attrs: str) -> bool:
        """Whether any shown row fills one of these fields: a column empty in every row is not shown."""
        return any(getattr(row, attr) not in (None, "") for row in self.shown for attr in attrs)


def more_note(hidden: int, where: str = EMAIL_WHERE) -> str | None:
    """'3 more in the attached workbook' (or wherever `where` says), or None when nothing is hidden."""
    return f"{hidden:,} more {where}" if hidden > 0 else None


def summary_note(count: int, where: str = EMAIL_WHERE) -> str:
    """A list shown only as its count (the email over its budget): '412 rows in this list, in the attached workbook'."""
    return f"{plural(count, 'row')} in this list, {where}"


def rows_of(rows: Sequence[T], shown: tuple[T, ...], empty: str, where: str = PAGE_WHERE) -> Rows[T]:
    """The list with these rows shown, its note saying how many more there are `where`."""
    return Rows(rows, shown, more_note(len(rows) - len(shown), where), empty)
