"""History: the one handle callers hold on a history database. It opens the file (store.py) and hands each question
to the module whose job it is; it decides nothing itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from ..briefing import Briefing
from . import actions, editions, pages, sign_off
from .pages import Page
from .rows import ActionRow, ApprovalRow, EditionRow, PageRow, PreviousEdition, SendRow, TrendPoint
from .sign_off import SignOffRecord
from .store import DEFAULT_TIMEOUT, Store


class History:
    """The history database at `path`; use it as a context manager.

    `create=False` refuses a missing file instead of starting a new history. `timeout` is how long to wait
    for another build that holds the database before giving up. `read_only` opens an existing history without
    writing to it, not even to bring an older one up to date (a dry run writes nothing): what an older version
    did not record reads as unknown.
    """

    def __init__(self, path: Path | str, create: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 read_only: bool = False) -> None:
        self._store = Store(path, create, timeout, read_only)

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def version(self) -> int:
        """The history's schema version (an older one only when opened read-only)."""
        return self._store.version

    def close(self) -> None:
        """Close the database; the History cannot be used after."""
        self._store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- editions (editions.py) ----------------------------------------------------------------------------

    def record(self, briefing: Briefing, workbook_sha256: str, version: str, mark: dict[str, Any] | None = None,
               eml_sha256: str | None = None, page: Page | None = None) -> None:
        """Record the edition `briefing`, with its snapshot of the records, in one transaction; rebuilding an
        edition replaces it (its sends are kept).

        `mark`, when given, is stored as the publish mark in the same transaction: the edition and the mark
        that names the publish whose files are ready to rename commit together (report/publish.py).
        `eml_sha256` is the SHA-256 of the .eml the build wrote (None when it wrote none): with the edition's
        Sign-off required setting, it is what `report send` asks, whatever the message's headers say.
        `page` is what the web archive keeps of the edition, stored in the same transaction.
        """
        editions.record(self._store, briefing, workbook_sha256, version, mark, eml_sha256, page)

    def previous(self, edition: dt.date) -> PreviousEdition | None:
        """The latest edition dated strictly before `edition` (by edition date, not by when it was built)."""
        return editions.previous(self._store, edition)

    def editions(self) -> list[EditionRow]:
        """Every edition recorded, oldest edition date first."""
        return editions.every_edition(self._store)

    def trend(self, edition: dt.date, limit: int = 12) -> list[TrendPoint]:
        """The `limit` latest editions dated strictly before `edition`, oldest first: the trend's earlier points."""
        return editions.trend(self._store, edition, limit)

    def corrections(self) -> list[tuple[dt.date, dt.date, str]]:
        """(edition, corrected on, what was corrected) of every edition rebuilt after it was sent."""
        return editions.corrections(self._store)

    # -- the publish mark (report/publish.py) ---------------------------------------------------------------

    def publish_mark(self) -> dict[str, Any] | None:
        """The mark of a committed publish whose files may not all be in place yet (a row of the meta table)."""
        return editions.publish_mark(self._store)

    def clear_publish_mark(self) -> None:
        """Remove the publish mark, once the publish it names is complete."""
        editions.clear_publish_mark(self._store)

    def drop_stale_journal(self) -> None:
        """Delete a rollback journal that SQLite left beside the database and no longer needs (Store)."""
        self._store.drop_stale_journal()

    # -- sign-off, approvals and sends (sign_off.py) --------------------------------------------------------

    def sign_off(self, edition: dt.date | None, sha256: str) -> SignOffRecord:
        """What the history says about sending the .eml whose bytes hash to `sha256` and that claims `edition`
        (see SignOffRecord); the message's own headers are never asked."""
        return sign_off.sign_off(self._store, edition, sha256)

    def record_approval(self, edition: dt.date, sha256: str, approved_by: str, file: str) -> None:
        """Record that `approved_by` approved the .eml whose bytes hash to `sha256`, of `edition`."""
        sign_off.record_approval(self._store, edition, sha256, approved_by, file)

    def approvals(self, edition: dt.date | None = None) -> list[ApprovalRow]:
        """Every approval recorded (of `edition` only, if given), oldest first; each row checked."""
        return sign_off.approvals(self._store, edition)

    def record_send(self, edition: dt.date, message_id: str, recipients: int, sent_at: str,
                    sha256: str | None = None, kind: str = "first") -> None:
        """Record that the email of `edition` was sent; with `sha256` (of the .eml's bytes), also what was sent:
        the edition as it was (the copy a rebuilt edition is compared with, to say what a correction changed)."""
        sign_off.record_send(self._store, edition, message_id, recipients, sent_at, sha256, kind)

    def sends(self) -> list[SendRow]:
        """Every email sent, in the order they were sent."""
        return sign_off.every_send(self._store)

    def sent(self, edition: dt.date) -> list[SendRow]:
        """The sends of `edition`, oldest first."""
        return [row for row in self.sends() if row.edition == edition]

    def sent_version(self, edition: dt.date) -> PreviousEdition | None:
        """The edition as it was last sent (what a rebuild of it corrects), or None if it was never sent."""
        return sign_off.sent_version(self._store, edition)

    # -- the web archive (pages.py) and the desk (actions.py) ------------------------------------------------

    def pages(self) -> list[PageRow]:
        """Every edition with what the archive needs of it, oldest edition first."""
        return pages.every_page(self._store)

    def record_action(self, action: str, edition: dt.date | None, outcome: str) -> None:
        """Record that the desk did `action` (of `edition`) now, and what came of it."""
        actions.record_action(self._store, action, edition, outcome)

    def actions(self) -> list[ActionRow]:
        """Every action the desk recorded, oldest first."""
        return actions.every_action(self._store)
