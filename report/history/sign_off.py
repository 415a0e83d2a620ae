"""Sign-off before send (issue 20) and the sends themselves: what the history says about a message's bytes, who
approved which bytes, every email sent, and the edition as each send carried it (what a rebuild corrects)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .packing import now, pack, unpack
from .pages import archived
from .rows import (
    ApprovalRow,
    PreviousEdition,
    SendRow,
    as_count,
    as_date,
    as_number,
    as_sha256,
    as_text,
    as_timestamp,
)
from .store import SIGN_OFF_VERSION, Store


@dataclass(frozen=True)
class EditionSignOff:
    """An edition as built: whether it required sign-off."""

    edition: dt.date
    required: bool


@dataclass(frozen=True)
class SignOffRecord:
    """What the history knows about a message to be sent (History.sign_off).

    `by_bytes`: the edition whose build wrote exactly these bytes; `claimed`: the record of the edition the
    message claims; `latest`: the most recently built edition (the desk's setting as last built). Each is None
    when the history does not know it (or was written before sign-off was recorded).
    """

    by_bytes: EditionSignOff | None
    claimed: EditionSignOff | None
    latest: EditionSignOff | None
    sha256: str | None
    recorded: bool = True  # False: a history written before sign-off was recorded (opened read-only, not migrated)


def sign_off(store: Store, edition: dt.date | None, sha256: str) -> SignOffRecord:
    """What the history says about sending the .eml whose bytes hash to `sha256` and that claims `edition`
    (see SignOffRecord); the message's own headers are never asked."""
    if store.version < SIGN_OFF_VERSION:
        return SignOffRecord(None, None, None, sha256, recorded=False)
    with store.read() as db:
        by_bytes = db.execute("SELECT edition, sign_off_required, rowid FROM editions WHERE eml_sha256 = ? "
                              "ORDER BY built_at DESC, rowid DESC LIMIT 1", (sha256,)).fetchone()
        claimed = None if edition is None else db.execute(
            "SELECT edition, sign_off_required, rowid FROM editions WHERE edition = ?",
            (edition.isoformat(),)).fetchone()
        latest = db.execute("SELECT edition, sign_off_required, rowid FROM editions WHERE sign_off_required "
                            "IS NOT NULL ORDER BY built_at DESC, rowid DESC LIMIT 1").fetchone()

    def read(row: tuple[Any, ...] | None) -> EditionSignOff | None:
        if row is None or row[1] is None:
            return None
        with store.row("editions", row[2]):
            if row[1] not in (0, 1):
                raise ValueError(f"sign_off_required is {row[1]!r}, not 0 or 1")
            return EditionSignOff(as_date(row[0]), bool(row[1]))

    return SignOffRecord(read(by_bytes), read(claimed), read(latest), sha256)


# -- approvals -------------------------------------------------------------------------------------------------


def record_approval(store: Store, edition: dt.date, sha256: str, approved_by: str, file: str) -> None:
    """Record that `approved_by` approved the .eml whose bytes hash to `sha256`, of `edition`."""
    with store.transaction() as db:
        db.execute("INSERT INTO approvals (edition, sha256, approved_by, approved_at, file) VALUES (?, ?, ?, ?, ?)",
                   (edition.isoformat(), sha256, approved_by, now(), file))


def approvals(store: Store, edition: dt.date | None = None) -> list[ApprovalRow]:
    """Every approval recorded (of `edition` only, if given), oldest first; each row checked."""
    if not store.has_table("approvals"):
        return []  # an older history, opened read-only, that never recorded an approval
    query = "SELECT edition, sha256, approved_by, approved_at, file, id FROM approvals"
    args: tuple[str, ...] = ()
    if edition is not None:
        query += " WHERE edition = ?"
        args = (edition.isoformat(),)
    with store.read() as db:
        rows = db.execute(query + " ORDER BY approved_at, id", args).fetchall()
    out = []
    for r in rows:
        with store.row("approvals", r[5]):
            out.append(ApprovalRow(as_date(r[0]), as_sha256(r[1]), as_text(r[2]), as_timestamp(r[3]), as_text(r[4])))
    return out


# -- sends -----------------------------------------------------------------------------------------------------


def record_send(store: Store, edition: dt.date, message_id: str, recipients: int, sent_at: str,
                sha256: str | None = None, kind: str = "first") -> None:
    """Record that the email of `edition` was sent; with `sha256` (of the .eml's bytes), also what was sent:
    the edition as it was (the copy a rebuilt edition is compared with, to say what a correction changed)."""
    with store.transaction() as db:
        cursor = db.execute("INSERT INTO sends (edition, sent_at, recipients, message_id) VALUES (?, ?, ?, ?)",
                            (edition.isoformat(), sent_at, int(recipients), message_id))
        if sha256 is not None:
            copy = _sent_copy(store, db, edition, sha256)
            db.execute("UPDATE sends SET sha256 = ?, kind = ?, sent_copy = ? WHERE id = ?",
                       (sha256, kind, copy, cursor.lastrowid))


def _sent_copy(store: Store, db: sqlite3.Connection, edition: dt.date, sha256: str) -> bytes | None:
    """The edition as these bytes carry it: an earlier send's copy of the same bytes, else the edition's record."""
    same = db.execute("SELECT sent_copy FROM sends WHERE edition = ? AND sha256 = ? AND sent_copy IS NOT NULL "
                      "ORDER BY id LIMIT 1", (edition.isoformat(), sha256)).fetchone()
    if same is not None:
        return bytes(same[0])
    row = db.execute("SELECT edition, state, score, figures, snapshot, signals, built_at FROM editions "
                     "WHERE edition = ?", (edition.isoformat(),)).fetchone()
    if row is None:
        return None
    with store.row("editions", row[0]):
        return pack({"edition": row[0], "state": row[1], "score": row[2], "figures": json.loads(row[3]),
                     "snapshot": unpack(row[4]), "signals": row[5], "built_at": row[6]})


def every_send(store: Store) -> list[SendRow]:
    """Every email sent, in the order they were sent."""
    extra = "sha256, kind" if archived(store) else "NULL, NULL"
    with store.read() as db:
        rows = db.execute(f"SELECT edition, sent_at, recipients, message_id, id, {extra} FROM sends "
                          "ORDER BY sent_at, id").fetchall()
    out = []
    for r in rows:
        with store.row("sends", r[4]):
            out.append(SendRow(as_date(r[0]), as_timestamp(r[1]), as_count(r[2]), as_text(r[3]),
                               as_sha256(r[5]) if r[5] is not None else None, as_text(r[6] or "first")))
    return out


def sent_version(store: Store, edition: dt.date) -> PreviousEdition | None:
    """The edition as it was last sent (what a rebuild of it corrects), or None if it was never sent."""
    if not archived(store):
        return None
    with store.read() as db:
        row = db.execute("SELECT sent_copy, sent_at, id FROM sends WHERE edition = ? AND sent_copy IS NOT NULL "
                         "ORDER BY sent_at DESC, id DESC LIMIT 1", (edition.isoformat(),)).fetchone()
    if row is None:
        return None
    with store.row("sends", row[2]):
        copy = unpack(bytes(row[0]))
        if not isinstance(copy, dict) or not isinstance(copy["figures"], dict) or not isinstance(copy["snapshot"], dict):
            raise TypeError("its sent copy is not a record")
        return PreviousEdition(as_date(copy["edition"]), as_text(copy["state"]), as_number(copy["score"]),
                               copy["figures"], copy["snapshot"], as_count(copy["signals"]), as_timestamp(row[1]))
