"""What the history hands back: one frozen dataclass per kind of row, the checks each stored value passes when it
is read (`as_date`, `as_sha256` ...: a value the tool did not write raises ValueError or TypeError, which
Store.row turns into a sentence), and every record as the plain JSON of `report history --json`."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PreviousEdition:
    """What an earlier edition recorded: enough to say what changed since."""

    edition: dt.date
    state: str
    score: float
    figures: dict[str, Any]
    snapshot: dict[str, Any]
    signals: int
    built_at: str


@dataclass(frozen=True)
class EditionRow:
    """An edition as `report history` lists it."""

    edition: dt.date
    state: str
    score: float
    signals: int
    workbook_sha256: str
    built_at: str
    version: str


@dataclass(frozen=True)
class ApprovalRow:
    """Who approved which bytes (SHA-256 of the .eml) of which edition, and when."""

    edition: dt.date
    sha256: str
    approved_by: str
    approved_at: str
    file: str


@dataclass(frozen=True)
class SendRow:
    """One email sent: of which edition, when, to how many, and what kind of send it was."""

    edition: dt.date
    sent_at: str
    recipients: int
    message_id: str
    sha256: str | None = None  # of the .eml's bytes as read (before each send's fresh Date and Message-ID)
    kind: str = "first"  # first, correction or resend


@dataclass(frozen=True)
class TrendPoint:
    """One earlier edition as the trend across editions draws it."""

    edition: dt.date
    score: float
    followers: int
    watched: int
    state: str


@dataclass(frozen=True)
class PageRow:
    """An edition as the web archive lists it: its record, its headline and the page built at the time."""

    edition: dt.date
    state: str
    score: float
    followers: int
    watched: int
    built_at: str
    headline: str
    page: bytes | None  # the HTML page as built (None: built without the page)
    folder: str | None  # where the build wrote its files (the xlsx is copied from there)
    web_address: str | None
    corrected_on: dt.date | None


@dataclass(frozen=True)
class ActionRow:
    """One action taken in the desk: when, what ("build", "approve", "send"...), of which edition, and how it
    ended (a sentence)."""

    at: str
    action: str
    edition: dt.date | None
    outcome: str


# -- each stored value, checked as it is read -----------------------------------------------------------------


def as_date(value: object) -> dt.date:
    """An edition date as stored (YYYY-MM-DD); anything else raises ValueError or TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a date")
    return dt.date.fromisoformat(value)


def as_timestamp(value: object) -> str:
    """A time as stored (an ISO timestamp), checked; anything else raises ValueError or TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{str(value)[:40]!r} is not a time")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a time") from None
    return value


def as_text(value: object) -> str:
    """Text as stored; anything else raises TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{str(value)[:40]!r} is not text")
    return value


def as_number(value: object) -> float:
    """A finite number as stored; anything else (a boolean too) raises TypeError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{str(value)[:40]!r} is not a number")
    return float(value)


def as_count(value: object) -> int:
    """A whole number, zero or more, as stored; anything else raises TypeError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{str(value)[:40]!r} is not a count")
    return value


def as_figures(value: object) -> dict[str, Any]:
    """An edition's key figures as stored (a JSON object); anything else raises ValueError or TypeError."""
    figures = json.loads(as_text(value))
    if not isinstance(figures, dict):
        raise TypeError("its figures are not a record")
    return figures


def as_counted(figures: dict[str, Any], name: str) -> int:
    """One count of the key figures (followers, watched): zero when an older edition did not record it."""
    return as_count(figures.get(name) or 0)


def as_sha256(value: object) -> str:
    """A SHA-256 as stored (64 lowercase hex digits); anything else raises ValueError."""
    if not isinstance(value, str) or len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        raise ValueError(f"{str(value)[:40]!r} is not a SHA-256")
    return value


# -- report history --json ------------------------------------------------------------------------------------


def as_json(editions: list[EditionRow], sends: list[SendRow], approved: list[ApprovalRow],
            corrections: list[tuple[dt.date, dt.date, str]], actions: list[ActionRow] | None = None) -> dict[str, Any]:
    """`report history --json`: every record as plain JSON, dates as ISO text (a contract: keys are only added)."""
    return {
        "editions": [{"edition": e.edition.isoformat(), "state": e.state, "score": e.score, "signals": e.signals,
                      "workbook_sha256": e.workbook_sha256, "built_at": e.built_at, "version": e.version}
                     for e in editions],
        "sends": [{"edition": s.edition.isoformat(), "sent_at": s.sent_at, "recipients": s.recipients,
                   "message_id": s.message_id, "sha256": s.sha256, "kind": s.kind} for s in sends],
        "approvals": [{"edition": a.edition.isoformat(), "sha256": a.sha256, "approved_by": a.approved_by,
                       "approved_at": a.approved_at, "file": a.file} for a in approved],
        "corrections": [{"edition": edition.isoformat(), "corrected_on": corrected_on.isoformat(), "changes": what}
                        for edition, corrected_on, what in corrections],
        "desk_actions": [{"at": a.at, "action": a.action, "edition": a.edition.isoformat() if a.edition else None,
                          "outcome": a.outcome} for a in actions or []],
    }
