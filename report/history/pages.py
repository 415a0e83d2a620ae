"""What the web archive keeps of each edition (issue 21): its headline, the page as built (compressed), where its
files were written, and whether it corrects an edition already sent (the pages table, migration 3)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from dataclasses import dataclass

from .rows import PageRow, as_counted, as_date, as_figures, as_number, as_text, as_timestamp
from .store import Store


def archived(store: Store) -> bool:
    """Whether this history records pages and what each send sent (migration 3): a history of an earlier
    version opened read-only (a dry run) is read as having none."""
    return store.has_table("pages")


@dataclass(frozen=True)
class Page:
    """What the archive keeps of an edition as it is built (History.record stores it with the edition)."""

    headline: str
    page: bytes | None  # the HTML page as built (None: built without the page, which keeps the one before)
    folder: str | None  # where the build wrote its files
    web_address: str | None
    corrected_on: dt.date | None  # a rebuild of an edition already sent
    correction: str | None  # what changed from the sent version, in words


def record_page(db: sqlite3.Connection, edition: dt.date, page: Page) -> None:
    """Store `page` for `edition` (the page compressed); run inside the transaction that records the edition
    (editions.record), so the two never disagree."""
    db.execute("INSERT INTO pages (edition, headline, page, folder, web_address, corrected_on, correction) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (edition) DO UPDATE SET headline = excluded.headline, "
               # A build without the page (--format xlsx) leaves the page it built before, as it leaves the file.
               "page = COALESCE(excluded.page, pages.page), folder = excluded.folder, "
               "web_address = excluded.web_address, corrected_on = excluded.corrected_on, "
               "correction = excluded.correction",
               (edition.isoformat(), page.headline, zlib.compress(page.page, 9) if page.page is not None else None,
                page.folder, page.web_address, page.corrected_on.isoformat() if page.corrected_on else None,
                page.correction))


def every_page(store: Store) -> list[PageRow]:
    """Every edition with what the archive needs of it, oldest edition first."""
    if not archived(store):  # a history of an earlier version, read-only: its editions without pages
        with store.read() as db:
            rows = db.execute("SELECT edition, state, score, figures, built_at, NULL, NULL, NULL, NULL, "
                              "NULL, rowid FROM editions ORDER BY edition").fetchall()
    else:
        with store.read() as db:
            rows = db.execute(
                "SELECT e.edition, e.state, e.score, e.figures, e.built_at, p.headline, p.page, p.folder, "
                "p.web_address, p.corrected_on, e.rowid FROM editions e LEFT JOIN pages p ON p.edition = e.edition "
                "ORDER BY e.edition").fetchall()
    out = []
    for r in rows:
        with store.row("editions", r[10]):
            figures = as_figures(r[3])
            out.append(PageRow(as_date(r[0]), as_text(r[1]), as_number(r[2]), as_counted(figures, "followers"),
                               as_counted(figures, "watched"), as_timestamp(r[4]), as_text(r[5] or ""),
                               zlib.decompress(r[6]) if r[6] is not None else None,
                               as_text(r[7]) if r[7] is not None else None,
                               as_text(r[8]) if r[8] is not None else None, as_date(r[9]) if r[9] else None))
    return out
