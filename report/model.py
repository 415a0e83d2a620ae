"""The checked records of a workbook, as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

Quarter = tuple[int, int]  # (year, quarter number)


def quarter_label(quarter: Quarter) -> str:
    """2026-Q2."""
    return f"{quarter[0]}-Q{quarter[1]}"


def quarter_of(day: dt.date) -> Quarter:
    return (day.year, (day.month - 1) // 3 + 1)


def quarter_end(quarter: Quarter) -> dt.date:
    """The last day of a quarter."""
    year, number = quarter
    if number == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, number * 3 + 1, 1) - dt.timedelta(days=1)


class QuarterEnd(dt.date):
    """The last day of a quarter that the workbook gave as a quarter (a Due of 2026-Q4).

    It is a date everywhere (sorting, arithmetic, snapshots); only the presentation asks, to say
    "by end of 2026-Q4" rather than a day the editor never wrote.
    """

    @classmethod
    def of(cls, quarter: Quarter) -> QuarterEnd:
        day = quarter_end(quarter)
        return cls(day.year, day.month, day.day)

    @property
    def quarter(self) -> Quarter:
        return quarter_of(self)


def plain(value: object) -> object:
    """A field as JSON would hold it: dates in ISO form, a quarter as 2026-Q2, other tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        if len(value) == 2 and all(isinstance(part, int) for part in value):
            return quarter_label(value)  # type: ignore[arg-type]
        return list(value)
    return value


def _plain_fields(item: object, skip: str | None = None) -> dict[str, object]:
    return {f.name: plain(getattr(item, f.name)) for f in fields(item) if f.name != skip}  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Record:
    """Fields shared by every table row: where it came from."""

    row: int  # the sheet row, as the editor sees it

    def snapshot(self) -> dict[str, object]:
        """The record's fields as plain JSON-able values (the row number left out)."""
        return _plain_fields(self, skip="row")


@dataclass(frozen=True, slots=True)
class Lab(Record):
    lab: str
    country: str | None
    flagship_model: str | None
    flagship_scale: str | None
    flagship_weights: str
    flagship_licence: str | None
    mid_scale_model: str | None
    mid_scale_licence: str | None
    status_since: dt.date | None
    watch: str
    source: str | None
    notes: str | None

    @property
    def watched(self) -> bool:
        return self.watch == "Yes"


@dataclass(frozen=True, slots=True)
class Event(Record):
    date: dt.date
    lab: str
    kind: str
    headline: str
    model: str | None
    source: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class Signal(Record):
    quarter: Quarter
    signal: str
    lab: str | None
    value: float | str | None
    unit: str | None
    points_to: str
    strength: int
    confidence: str
    observed: dt.date | None
    source: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class Milestone(Record):
    due: dt.date
    milestone: str
    why_it_matters: str | None
    status: str
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Source(Record):
    source: str
    publisher: str | None
    url: str | None
    published: dt.date | None


@dataclass(frozen=True, slots=True)
class Settings:
    title: str
    publication: str | None
    editor: str | None
    pivot_lab: str
    pivot_model: str
    pivot_date: dt.date
    stale_after_days: float
    call_margin: float
    recipients: tuple[str, ...]
    sender: str | None
    edition_date: dt.date | None
    # Sending (optional rows, so these have defaults).
    sign_off_required: bool = False
    list_address: str | None = None
    reply_to: str | None = None
    unsubscribe: str | None = None  # a mailto: link
    web_address: str | None = None  # the web archive's base URL (report archive)

    def snapshot(self) -> dict[str, object]:
        """The settings as plain JSON-able values."""
        return _plain_fields(self)


@dataclass(frozen=True, slots=True)
class Tracker:
    """Everything the workbook says, checked."""

    settings: Settings
    labs: tuple[Lab, ...]
    events: tuple[Event, ...]
    signals: tuple[Signal, ...]
    milestones: tuple[Milestone, ...]
    sources: tuple[Source, ...]

    def lab(self, name: str) -> Lab | None:
        from .safety import name_key  # names compare one way everywhere

        key = name_key(name)
        for lab in self.labs:
            if name_key(lab.lab) == key:
                return lab
        return None

    def tables(self) -> dict[str, tuple[Record, ...]]:
        """The records by sheet name."""
        return {
            "Labs": self.labs,
            "Events": self.events,
            "Signals": self.signals,
            "Milestones": self.milestones,
            "Sources": self.sources,
        }
