"""The editions built: recording one (with the publish mark that commits with it), the latest one before a date
(what changed since), every one, the trend's earlier points and the corrections."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from ..briefing import Briefing
from .packing import now, pack, stored_json, unpack
from .pages import Page, archived, record_page
from .rows import (
    EditionRow,
    PreviousEdition,
    TrendPoint,
    as_count,
    as_counted,
    as_date,
    as_figures,
    as_number,
    as_text,
    as_timestamp,
)
from .store import Store, damaged

MARK_KEY = "publish"  # the meta row that names a committed publish still being put in place (report/publish.py)


def record(store: Store, briefing: Briefing, workbook_sha256: str, version: str,
           mark: dict[str, Any] | None = None, eml_sha256: str | None = None, page: Page | None = None) -> None:
    """Record the edition `briefing` (and its snapshot of the records) in one transaction (see History.record)."""
    values = (
        briefing.masthead.edition.isoformat(),
        now(),
        workbook_sha256,
        version,
        briefing.verdict.state,
        float(briefing.verdict.score),
        stored_json(briefing.figures.as_dict()),
        len(briefing.signals),
        pack(dict(briefing.snapshot)),
        int(briefing.mailing.sign_off_required),
        eml_sha256,
    )
    with store.transaction() as db:
        # An upsert, not delete + insert: the edition keeps its place and its sends stay attached.
        db.execute(
            "INSERT INTO editions (edition, built_at, workbook_sha256, version, state, score, figures, signals, "
            "snapshot, sign_off_required, eml_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (edition) DO UPDATE SET "
            "built_at = excluded.built_at, workbook_sha256 = excluded.workbook_sha256, "
            "version = excluded.version, state = excluded.state, score = excluded.score, "
            "figures = excluded.figures, signals = excluded.signals, snapshot = excluded.snapshot, "
            "sign_off_required = excluded.sign_off_required, eml_sha256 = excluded.eml_sha256",
            values,
        )
        if page is not None:
            record_page(db, briefing.masthead.edition, page)  # in the same transaction: the two never disagree
        if mark is not None:
            _set_mark(db, mark)


def previous(store: Store, edition: dt.date) -> PreviousEdition | None:
    """The latest edition dated strictly before `edition` (by edition date, not by when it was built)."""
    with store.read() as db:
        row = db.execute(
            "SELECT edition, state, score, figures, snapshot, signals, built_at, rowid FROM editions "
            "WHERE edition < ? ORDER BY edition DESC LIMIT 1",
            (edition.isoformat(),),
        ).fetchone()
    if row is None:
        return None
    with store.row("editions", row[7]):
        figures, snap = as_figures(row[3]), unpack(row[4])
        if not isinstance(snap, dict):
            raise TypeError("its snapshot is not a record")
        return PreviousEdition(as_date(row[0]), as_text(row[1]), as_number(row[2]), figures, snap, as_count(row[5]),
                               as_timestamp(row[6]))


def every_edition(store: Store) -> list[EditionRow]:
    """Every edition recorded, oldest edition date first."""
    with store.read() as db:
        rows = db.execute(
            "SELECT edition, state, score, signals, workbook_sha256, built_at, version, rowid FROM editions "
            "ORDER BY edition"
        ).fetchall()
    out = []
    for r in rows:
        with store.row("editions", r[7]):
            out.append(EditionRow(as_date(r[0]), as_text(r[1]), as_number(r[2]), as_count(r[3]), as_text(r[4]),
                                  as_timestamp(r[5]), as_text(r[6])))
    return out


# -- the story over time (issue 21) ------------------------------------------------------------------------------


def trend(store: Store, edition: dt.date, limit: int = 12) -> list[TrendPoint]:
    """The `limit` latest editions dated strictly before `edition`, oldest first: the trend's earlier points."""
    with store.read() as db:
        rows = db.execute(
            "SELECT edition, score, figures, state, rowid FROM editions WHERE edition < ? ORDER BY edition DESC "
            "LIMIT ?", (edition.isoformat(), int(limit))).fetchall()
    out = []
    for r in reversed(rows):
        with store.row("editions", r[4]):
            figures = as_figures(r[2])
            out.append(TrendPoint(as_date(r[0]), as_number(r[1]), as_counted(figures, "followers"),
                                  as_counted(figures, "watched"), as_text(r[3])))
    return out


def corrections(store: Store) -> list[tuple[dt.date, dt.date, str]]:
    """(edition, corrected on, what was corrected) of every edition rebuilt after it was sent."""
    if not archived(store):
        return []
    with store.read() as db:
        rows = db.execute("SELECT edition, corrected_on, correction, rowid FROM pages WHERE corrected_on "
                          "IS NOT NULL ORDER BY edition").fetchall()
    out = []
    for r in rows:
        with store.row("pages", r[3]):
            out.append((as_date(r[0]), as_date(r[1]), as_text(r[2] or "")))
    return out


# -- the publish mark (report/publish.py) -----------------------------------------------------------------------


def publish_mark(store: Store) -> dict[str, Any] | None:
    """The mark of a committed publish whose files may not all be in place yet (a row of the meta table)."""
    with store.read() as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (MARK_KEY,)).fetchone()
    if row is None:
        return None
    try:
        entry = json.loads(row[0])
    except ValueError as error:
        raise damaged(store.path, f"the publish mark cannot be read: {error}") from error
    if not isinstance(entry, dict):
        raise damaged(store.path, "the publish mark cannot be read")
    return entry


def clear_publish_mark(store: Store) -> None:
    """Remove the publish mark, once the publish it names is complete."""
    with store.transaction() as db:
        _set_mark(db, None)


def _set_mark(db: sqlite3.Connection, mark: dict[str, Any] | None) -> None:
    if mark is None:
        db.execute("DELETE FROM meta WHERE key = ?", (MARK_KEY,))
    else:
        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                   "value = excluded.value", (MARK_KEY, stored_json(mark)))
