"""What report desk did (issue 22): every action taken in it (build, approve, send plan, send), with its time,
its edition and how it ended."""

from __future__ import annotations

import datetime as dt

from .packing import now
from .rows import ActionRow, as_date, as_text, as_timestamp
from .store import Store


def record_action(store: Store, action: str, edition: dt.date | None, outcome: str) -> None:
    """Record that the desk did `action` (of `edition`) now, and what came of it."""
    with store.transaction() as db:
        db.execute("INSERT INTO actions (at, action, edition, outcome) VALUES (?, ?, ?, ?)",
                   (now(), action, edition.isoformat() if edition else None, outcome))


def every_action(store: Store) -> list[ActionRow]:
    """Every action the desk recorded, oldest first."""
    if not store.has_table("actions"):
        return []  # an older history, opened read-only: the desk has done nothing in it yet
    with store.read() as db:
        rows = db.execute("SELECT id, at, action, edition, outcome FROM actions ORDER BY at, id").fetchall()
    out = []
    for r in rows:
        with store.row("actions", r[0]):
            out.append(ActionRow(as_timestamp(r[1]), as_text(r[2]), as_date(r[3]) if r[3] is not None else None,
                                 as_text(r[4])))
    return out
