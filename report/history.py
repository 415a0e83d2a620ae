"""The editions built so far and the emails sent, in a small SQLite database (standard library only).

The database is ours only when it says so (its application id and a meta table). Anything else at the
path — another program's database, a damaged file, random bytes — is refused and left exactly as it was:
the file's header is read before SQLite touches it, and it is inspected read-only before any write.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

from .briefing import Briefing
from .errors import HistoryError

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
APPLICATION_ID = 0x52505254  # "RPRT", stored in the database header
APPLICATION_ID_OFFSET = 68  # where the header keeps PRAGMA application_id (big-endian)
APPLICATION = "report-history"
MARK_KEY = "publish"  # the meta row that names a committed publish still being put in place (report/publish.py)
DEFAULT_TIMEOUT = 10.0  # seconds to wait for another build to finish with the database

# Each migration brings the database from version i to i + 1 (PRAGMA user_version), inside one transaction.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE editions (
            edition TEXT PRIMARY KEY,
            built_at TEXT NOT NULL,
            workbook_sha256 TEXT NOT NULL,
            version TEXT NOT NULL,
            state TEXT NOT NULL,
            score REAL NOT NULL,
            figures TEXT NOT NULL,
            signals INTEGER NOT NULL,
            snapshot TEXT NOT NULL
        )""",
        """CREATE TABLE sends (
            id INTEGER PRIMARY KEY,
            edition TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            recipients INTEGER NOT NULL,
            message_id TEXT NOT NULL
        )""",
        "CREATE INDEX sends_edition ON sends (edition)",
    ),
    # 2 (issue 20): sign-off is held by the history, not by the .eml it protects. Each edition says whether it
    # was built with Sign-off required and the SHA-256 of the .eml that build wrote (NULL: built before this
    # version, or built without an email); approvals join the migrations (a history that already made the table
    # when its first approval was recorded keeps it).
    (
        "ALTER TABLE editions ADD COLUMN sign_off_required INTEGER",
        "ALTER TABLE editions ADD COLUMN eml_sha256 TEXT",
        """CREATE TABLE IF NOT EXISTS approvals (
            id INTEGER PRIMARY KEY,
            edition TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            approved_by TEXT NOT NULL,
            approved_at TEXT NOT NULL,
            file TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS editions_eml ON editions (eml_sha256)",
    ),
    # 3 (issue 21): the story over time: what each edition's page said, for the web archive, and what each send
    # sent (the message's SHA-256 and the edition as it was then), so a rebuilt edition knows it corrects one.
    (
        """CREATE TABLE pages (
            edition TEXT PRIMARY KEY,
            headline TEXT NOT NULL,
            page BLOB,
            folder TEXT,
            web_address TEXT,
            corrected_on TEXT,
            correction TEXT
        )""",
        "ALTER TABLE sends ADD COLUMN sha256 TEXT",
        "ALTER TABLE sends ADD COLUMN kind TEXT NOT NULL DEFAULT 'first'",
        "ALTER TABLE sends ADD COLUMN sent_copy BLOB",
    ),
    # 4 (issue 22): report desk records every action taken in it (build, approve, send plan, send), with its time
    # and outcome.
    (
        """CREATE TABLE IF NOT EXISTS actions (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            edition TEXT,
            outcome TEXT NOT NULL
        )""",
    ),
)
VERSION = len(MIGRATIONS)
SIGN_OFF_VERSION = 2  # the first version that records sign-off


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


def _not_ours(path: Path) -> HistoryError:
    return HistoryError(f"{path} is not a report history database: move it away or give --history another path.")


def _damaged(path: Path, error: object) -> HistoryError:
    return HistoryError(f"{path} is a damaged history database ({error}): move it away or give --history another "
                        "path.")


def _locked(path: Path) -> HistoryError:
    return HistoryError(f"{path} is locked by another build: wait for it to finish and try again.")


def _is_busy(error: sqlite3.Error) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


class History:
    """The history database at `path`; use it as a context manager.

    `create=False` refuses a missing file instead of starting a new history. `timeout` is how long to wait
    for another build that holds the database before giving up.
    """

    def __init__(self, path: Path | str, create: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.version = VERSION
        self._connection: sqlite3.Connection | None = None
        if read_only:
            self._open_read_only()
        else:
            self._open(create)

    # -- opening -------------------------------------------------------------------------------------------

    def _open_read_only(self) -> None:
        """Open an existing history without writing to it, not even to bring an older one up to date (a dry run
        writes nothing): what an older version did not record reads as unknown."""
        version = self._probe(create=False)
        assert version is not None  # _probe(create=False) refuses a missing or empty file
        self.version = version
        with self._errors():
            self._connection = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro", uri=True,
                                               timeout=self.timeout, isolation_level=None)

    def _open(self, create: bool) -> None:
        version = self._probe(create)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(f"Cannot create the folder for {self.path} ({error.strerror}): give --history a "
                               "path you can write to.") from error
        with self._errors():
            self._connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        if version == VERSION:
            return
        try:
            with self._transaction() as db:
                # Look again inside the write lock: another build may have created the file meanwhile.
                for number in range(self._inspect(db, allow_empty=True), VERSION):
                    self._migrate(db, number)
        except BaseException:
            self.close()
            raise

    def _probe(self, create: bool) -> int | None:
        """Check an existing file without changing it: our schema version, or None for a new database."""
        path = self.path
        for suffix in ("-journal", "-wal", "-shm"):
            # SQLite keeps its journal beside the database under these names; a folder there stops every
            # write, and SQLite itself would only call the database damaged.
            beside = path.with_name(path.name + suffix)
            if beside.is_dir():
                raise HistoryError(f"{beside} is a folder, where SQLite keeps the journal of {path.name}: move "
                                   "that folder away and try again.")
        if not path.exists():
            if not create:
                raise HistoryError(f"There is no history database at {path}: build an edition first, or give "
                                   "--history DB.")
            return None
        if path.is_dir():
            raise HistoryError(f"{path} is a folder, not a history database: give --history a file path.")
        try:
            with path.open("rb") as handle:
                header = handle.read(HEADER_SIZE)
        except OSError as error:
            raise HistoryError(f"Cannot read {path} ({error.strerror}): check its permissions.") from error
        if not header:
            # An empty file holds nothing to lose; SQLite treats it as a new database.
            if not create:
                raise HistoryError(f"{path} is empty: build an edition first, or give --history another path.")
            return None
        # Judge by the header before SQLite opens the file: opening another program's database could
        # still leave files beside it (a WAL index, a recovered journal).
        if not header.startswith(SQLITE_MAGIC) or len(header) < HEADER_SIZE:
            raise _not_ours(path)
        if int.from_bytes(header[APPLICATION_ID_OFFSET:APPLICATION_ID_OFFSET + 4], "big") != APPLICATION_ID:
            raise _not_ours(path)
        try:
            return self._check(f"file:{quote(str(path.resolve()))}?mode=ro", allow_empty=False)
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", "") != "SQLITE_READONLY_ROLLBACK":
                raise
        # A write was interrupted (a hot journal lies beside the file). Recovering rewrites the file, so
        # recover a copy first and only let SQLite recover the real file once the copy proves it ours.
        with tempfile.TemporaryDirectory(prefix="report-history-") as folder:
            copy = Path(folder) / "history.sqlite"
            shutil.copyfile(path, copy)
            journal = path.with_name(path.name + "-journal")
            if journal.exists():
                shutil.copyfile(journal, copy.with_name(copy.name + "-journal"))
            # Rolled back to nothing, it was a history being created: nothing to lose, so start it again.
            return self._check(str(copy), allow_empty=True)

    def _check(self, target: str, allow_empty: bool) -> int:
        """Inspect the database at `target` (a path or a read-only URI): our version, after a quick check."""
        with self._errors(passing=("SQLITE_READONLY_ROLLBACK",)):
            probe = sqlite3.connect(target, uri=target.startswith("file:"), timeout=self.timeout,
                                    isolation_level=None)
            try:
                version = self._inspect(probe, allow_empty)
                problems = [row[0] for row in probe.execute("PRAGMA quick_check")]
            finally:
                probe.close()
        if problems != ["ok"]:
            raise _damaged(self.path, "; ".join(problems[:3]))
        return version

    def _inspect(self, db: sqlite3.Connection, allow_empty: bool) -> int:
        """Our schema version in `db`; raise if the database is not ours or newer than this tool."""
        application = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        if application == 0 and version == 0 and not tables and allow_empty:
            return 0
        if application != APPLICATION_ID or "meta" not in tables:
            raise _not_ours(self.path)
        marker = db.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
        if marker is None or marker[0] != APPLICATION:
            raise _not_ours(self.path)
        if version > VERSION:
            raise HistoryError(f"{self.path} was written by a newer version of report (history version {version}): "
                               "upgrade report, or give --history another path.")
        return int(version)

    def _migrate(self, db: sqlite3.Connection, number: int) -> None:
        for statement in MIGRATIONS[number]:
            db.execute(statement)
        if number == 0:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("INSERT INTO meta (key, value) VALUES ('application', ?), ('created_at', ?)",
                       (APPLICATION, _now()))
        db.execute(f"PRAGMA user_version = {number + 1}")

    # -- plumbing ------------------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, passing: tuple[str, ...] = ()) -> Iterator[None]:
        """Turn SQLite's errors into one plain sentence about this file; errors named in `passing` go through."""
        try:
            yield
        except HistoryError:
            raise
        except sqlite3.Error as error:
            if getattr(error, "sqlite_errorname", "") in passing:
                raise
            raise self._explain(error) from error

    def _explain(self, error: sqlite3.Error) -> HistoryError:
        if isinstance(error, sqlite3.OperationalError):
            if _is_busy(error):
                return _locked(self.path)
            if "unable to open" in str(error).lower() or "readonly" in str(error).lower():
                return HistoryError(f"Cannot write {self.path} ({error}): choose a folder you can write to (-o for the "
                                    "output folder, or --history for the history alone).")
        if getattr(error, "sqlite_errorname", "") in ("SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC") or \
                "disk i/o error" in str(error).lower() or "database or disk is full" in str(error).lower():
            return HistoryError(f"Cannot write {self.path} ({error}): the disk may be full; free some space and "
                                "build again. The previous edition is untouched.")
        return _damaged(self.path, error)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so a second build waits instead of failing half-way."""
        db = self._db
        with self._errors():
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise HistoryError(f"The history database {self.path} is closed.")
        return self._connection

    def close(self) -> None:
        """Close the database; the History cannot be used after."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- editions ------------------------------------------------------------------------------------------

    def previous(self, edition: dt.date) -> PreviousEdition | None:
        """The latest edition dated strictly before `edition` (by edition date, not by when it was built)."""
        with self._errors():
            row = self._db.execute(
                "SELECT edition, state, score, figures, snapshot, signals, built_at, rowid FROM editions "
                "WHERE edition < ? ORDER BY edition DESC LIMIT 1",
                (edition.isoformat(),),
            ).fetchone()
        if row is None:
            return None
        with self._rows("editions", row[7]):
            figures, snap = json.loads(_text(row[3])), _unpack(row[4])
            if not isinstance(figures, dict) or not isinstance(snap, dict):
                raise TypeError("its figures or snapshot are not a record")
            return PreviousEdition(_date(row[0]), _text(row[1]), _number(row[2]), figures, snap, _count(row[5]),
                                   _timestamp(row[6]))

    @contextmanager
    def _rows(self, table: str, row_id: object) -> Iterator[None]:
        """A row that does not parse (edited by hand, or by another tool) is a sentence naming the file, its table
        and the row's id, never a crash: every row read is checked here."""
        try:
            yield
        except (ValueError, TypeError, OverflowError) as error:
            raise HistoryError(
                f"{self.path} has a row in its {table} table that cannot be read (id {str(row_id)[:20]}: "
                f"{str(error)[:80]}): restore the file from a backup, or give --history another path."
            ) from error

    def record(self, briefing: Briefing, snapshot: dict[str, Any], workbook_sha256: str, version: str,
               mark: dict[str, Any] | None = None, eml_sha256: str | None = None,
               also: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Record an edition in one transaction; rebuilding an edition replaces it (its sends are kept).

        `mark`, when given, is stored as the publish mark in the same transaction: the edition and the mark
        that names the publish whose files are ready to rename commit together (report/publish.py).
        `eml_sha256` is the SHA-256 of the .eml the build wrote (None when it wrote none): with the edition's
        Sign-off required setting, it is what `report send` asks, whatever the message's headers say.
        """
        values = (
            briefing.masthead.edition.isoformat(),
            _now(),
            workbook_sha256,
            version,
            briefing.verdict.state,
            float(briefing.verdict.score),
            _json(briefing.figures.as_dict()),
            len(briefing.signals),
            _pack(snapshot),
            int(briefing.mailing.sign_off_required),
            eml_sha256,
        )
        with self._transaction() as db:
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
            if also is not None:
                also(db)  # more about the edition (its page: record_page), in the same transaction
            if mark is not None:
                self._set_mark(db, mark)

    # -- the publish mark (report/publish.py) ---------------------------------------------------------------

    def publish_mark(self) -> dict[str, Any] | None:
        """The mark of a committed publish whose files may not all be in place yet (a row of the meta table)."""
        with self._errors():
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (MARK_KEY,)).fetchone()
        if row is None:
            return None
        try:
            entry = json.loads(row[0])
        except ValueError as error:
            raise _damaged(self.path, f"the publish mark cannot be read: {error}") from error
        if not isinstance(entry, dict):
            raise _damaged(self.path, "the publish mark cannot be read")
        return entry

    def clear_publish_mark(self) -> None:
        """Remove the publish mark, once the publish it names is complete."""
        with self._transaction() as db:
            self._set_mark(db, None)

    def drop_stale_journal(self) -> None:
        """Delete a rollback journal that SQLite left beside the database and no longer needs.

        A command killed while SQLite was still writing its journal leaves one SQLite does not treat as hot
        (its header was never completed) and does not delete either. Called by report/publish.py under the
        folder's publish lock; under SQLite's exclusive lock no write is under way, so any journal is stale.
        """
        journal = self.path.with_name(self.path.name + "-journal")
        if not journal.is_file():
            return
        with self._errors():
            self._db.execute("BEGIN EXCLUSIVE")
            try:
                self._db.execute("SELECT count(*) FROM meta").fetchone()  # a hot journal is rolled back first
                journal.unlink(missing_ok=True)
            finally:
                self._db.execute("COMMIT")

    @staticmethod
    def _set_mark(db: sqlite3.Connection, mark: dict[str, Any] | None) -> None:
        if mark is None:
            db.execute("DELETE FROM meta WHERE key = ?", (MARK_KEY,))
        else:
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                       "value = excluded.value", (MARK_KEY, _json(mark)))

    def editions(self) -> list[EditionRow]:
        """Every edition recorded, oldest edition date first."""
        with self._errors():
            rows = self._db.execute(
                "SELECT edition, state, score, signals, workbook_sha256, built_at, version, rowid FROM editions "
                "ORDER BY edition"
            ).fetchall()
        out = []
        for r in rows:
            with self._rows("editions", r[7]):
                out.append(EditionRow(_date(r[0]), _text(r[1]), _number(r[2]), _count(r[3]), _text(r[4]),
                                      _timestamp(r[5]), _text(r[6])))
        return out

    def sign_off(self, edition: dt.date | None, sha256: str) -> SignOffRecord:
        """What the history says about sending the .eml whose bytes hash to `sha256` and that claims `edition`
        (see SignOffRecord); the message's own headers are never asked."""
        if self.version < SIGN_OFF_VERSION:
            return SignOffRecord(None, None, None, sha256, recorded=False)
        with self._errors():
            db = self._db
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
            with self._rows("editions", row[2]):
                if row[1] not in (0, 1):
                    raise ValueError(f"sign_off_required is {row[1]!r}, not 0 or 1")
                return EditionSignOff(_date(row[0]), bool(row[1]))

        return SignOffRecord(read(by_bytes), read(claimed), read(latest), sha256)

    # -- sends ---------------------------------------------------------------------------------------------

    def record_send(self, edition: dt.date, message_id: str, recipients: int, sent_at: str,
                    sha256: str | None = None, kind: str = "first") -> None:
        """Record that the email of `edition` was sent; with `sha256` (of the .eml's bytes), also what was sent:
        the edition as it was (the copy a rebuilt edition is compared with, to say what a correction changed)."""
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO sends (edition, sent_at, recipients, message_id) VALUES (?, ?, ?, ?)",
                                (edition.isoformat(), sent_at, int(recipients), message_id))
            if sha256 is not None:
                copy = self._sent_copy(db, edition, sha256)
                db.execute("UPDATE sends SET sha256 = ?, kind = ?, sent_copy = ? WHERE id = ?",
                           (sha256, kind, copy, cursor.lastrowid))

    def _sent_copy(self, db: sqlite3.Connection, edition: dt.date, sha256: str) -> bytes | None:
        """The edition as these bytes carry it: an earlier send's copy of the same bytes, else the edition's record."""
        same = db.execute("SELECT sent_copy FROM sends WHERE edition = ? AND sha256 = ? AND sent_copy IS NOT NULL "
                          "ORDER BY id LIMIT 1", (edition.isoformat(), sha256)).fetchone()
        if same is not None:
            return bytes(same[0])
        row = db.execute("SELECT edition, state, score, figures, snapshot, signals, built_at FROM editions "
                         "WHERE edition = ?", (edition.isoformat(),)).fetchone()
        if row is None:
            return None
        with self._rows("editions", row[0]):
            return _pack({"edition": row[0], "state": row[1], "score": row[2], "figures": json.loads(row[3]),
                          "snapshot": _unpack(row[4]), "signals": row[5], "built_at": row[6]})

    def _archived(self) -> bool:
        """Whether this history records pages and what each send sent (migration 3): a history of an earlier
        version opened read-only (a dry run) is read as having none."""
        with self._errors():
            return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pages'"
                                    ).fetchone() is not None

    def sends(self) -> list[SendRow]:
        """Every email sent, in the order they were sent."""
        extra = "sha256, kind" if self._archived() else "NULL, NULL"
        with self._errors():
            rows = self._db.execute(f"SELECT edition, sent_at, recipients, message_id, id, {extra} FROM sends "
                                    "ORDER BY sent_at, id").fetchall()
        out = []
        for r in rows:
            with self._rows("sends", r[4]):
                out.append(SendRow(_date(r[0]), _timestamp(r[1]), _count(r[2]), _text(r[3]),
                                   _sha256(r[5]) if r[5] is not None else None, _text(r[6] or "first")))
        return out

    def sent(self, edition: dt.date) -> list[SendRow]:
        """The sends of `edition`, oldest first."""
        return [row for row in self.sends() if row.edition == edition]

    def sent_version(self, edition: dt.date) -> PreviousEdition | None:
        """The edition as it was last sent (what a rebuild of it corrects), or None if it was never sent."""
        if not self._archived():
            return None
        with self._errors():
            row = self._db.execute("SELECT sent_copy, sent_at FROM sends WHERE edition = ? AND sent_copy IS NOT NULL "
                                   "ORDER BY sent_at DESC, id DESC LIMIT 1", (edition.isoformat(),)).fetchone()
        if row is None:
            return None
        with self._rows("sends", edition.isoformat()):
            copy = _unpack(bytes(row[0]))
            return PreviousEdition(_date(copy["edition"]), str(copy["state"]), float(copy["score"]),
                                   dict(copy["figures"]), dict(copy["snapshot"]), int(copy["signals"]),
                                   str(row[1]))

    # -- the story over time (issue 21) ----------------------------------------------------------------------

    def trend(self, edition: dt.date, limit: int = 12) -> list[TrendPoint]:
        """The `limit` latest editions dated strictly before `edition`, oldest first: the trend's earlier points."""
        with self._errors():
            rows = self._db.execute(
                "SELECT edition, score, figures, state FROM editions WHERE edition < ? ORDER BY edition DESC "
                "LIMIT ?", (edition.isoformat(), int(limit))).fetchall()
        out = []
        for r in reversed(rows):
            with self._rows("editions", r[0]):
                figures = json.loads(r[2])
                out.append(TrendPoint(_date(r[0]), float(r[1]), int(figures.get("followers") or 0),
                                      int(figures.get("watched") or 0), str(r[3])))
        return out

    def pages(self) -> list[PageRow]:
        """Every edition with what the archive needs of it, oldest edition first."""
        if not self._archived():  # a history of an earlier version, read-only: its editions without pages
            with self._errors():
                rows = self._db.execute("SELECT edition, state, score, figures, built_at, NULL, NULL, NULL, NULL, "
                                        "NULL FROM editions ORDER BY edition").fetchall()
            return [PageRow(_date(r[0]), str(r[1]), float(r[2]), int(json.loads(r[3]).get("followers") or 0),
                            int(json.loads(r[3]).get("watched") or 0), str(r[4]), "", None, None, None, None)
                    for r in rows]
        with self._errors():
            rows = self._db.execute(
                "SELECT e.edition, e.state, e.score, e.figures, e.built_at, p.headline, p.page, p.folder, "
                "p.web_address, p.corrected_on FROM editions e LEFT JOIN pages p ON p.edition = e.edition "
                "ORDER BY e.edition").fetchall()
        out = []
        for r in rows:
            with self._rows("editions", r[0]):
                figures = json.loads(r[3])
                out.append(PageRow(_date(r[0]), str(r[1]), float(r[2]), int(figures.get("followers") or 0),
                                   int(figures.get("watched") or 0), str(r[4]), str(r[5] or ""),
                                   zlib.decompress(r[6]) if r[6] is not None else None,
                                   r[7], r[8], _date(r[9]) if r[9] else None))
        return out

    def corrections(self) -> list[tuple[dt.date, dt.date, str]]:
        """(edition, corrected on, what was corrected) of every edition rebuilt after it was sent."""
        if not self._archived():
            return []
        with self._errors():
            rows = self._db.execute("SELECT edition, corrected_on, correction FROM pages WHERE corrected_on "
                                    "IS NOT NULL ORDER BY edition").fetchall()
        return [(_date(r[0]), _date(r[1]), str(r[2] or "")) for r in rows]

    # -- approvals (sign-off before send) ------------------------------------------------------------------

    def record_approval(self, edition: dt.date, sha256: str, approved_by: str, file: str) -> None:
        """Record that `approved_by` approved the .eml whose bytes hash to `sha256`, of `edition`."""
        with self._transaction() as db:
            db.execute("INSERT INTO approvals (edition, sha256, approved_by, approved_at, file) VALUES (?, ?, ?, ?, ?)",
                       (edition.isoformat(), sha256, approved_by, _now(), file))

    def approvals(self, edition: dt.date | None = None) -> list[ApprovalRow]:
        """Every approval recorded (of `edition` only, if given), oldest first; each row checked."""
        with self._errors():
            db = self._db
            if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'approvals'").fetchone() is None:
                return []  # an older history, opened read-only, that never recorded an approval
            query = "SELECT edition, sha256, approved_by, approved_at, file, id FROM approvals"
            args: tuple[str, ...] = ()
            if edition is not None:
                query += " WHERE edition = ?"
                args = (edition.isoformat(),)
            rows = db.execute(query + " ORDER BY approved_at, id", args).fetchall()
        out = []
        for r in rows:
            with self._rows("approvals", r[5]):
                out.append(ApprovalRow(_date(r[0]), _sha256(r[1]), _text(r[2]), _timestamp(r[3]), _text(r[4])))
        return out


def record_page(db: sqlite3.Connection, edition: dt.date, headline: str, page: bytes | None, folder: str | None,
                web_address: str | None, corrected_on: dt.date | None, correction: str | None) -> None:
    """What the archive keeps of an edition (its headline, the page as built, compressed); called inside the
    transaction that records the edition (`History.record(..., also=...)`), so the two never disagree."""
    db.execute("INSERT INTO pages (edition, headline, page, folder, web_address, corrected_on, correction) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (edition) DO UPDATE SET headline = excluded.headline, "
               # A build without the page (--format xlsx) leaves the page it built before, as it leaves the file.
               "page = COALESCE(excluded.page, pages.page), folder = excluded.folder, "
               "web_address = excluded.web_address, corrected_on = excluded.corrected_on, "
               "correction = excluded.correction",
               (edition.isoformat(), headline, zlib.compress(page, 9) if page is not None else None, folder,
                web_address, corrected_on.isoformat() if corrected_on else None, correction))


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


def _date(value: object) -> dt.date:
    """An edition date as stored (YYYY-MM-DD); anything else raises ValueError or TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a date")
    return dt.date.fromisoformat(value)


def _timestamp(value: object) -> str:
    """A time as stored (an ISO timestamp), checked; anything else raises ValueError or TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{str(value)[:40]!r} is not a time")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value[:40]!r} is not a time") from None
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{str(value)[:40]!r} is not text")
    return value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{str(value)[:40]!r} is not a number")
    return float(value)


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{str(value)[:40]!r} is not a count")
    return value


def _sha256(value: object) -> str:
    if not isinstance(value, str) or len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        raise ValueError(f"{str(value)[:40]!r} is not a SHA-256")
    return value


# -- approvals, as functions (kept for callers of earlier versions) ---------------------------------------------


def record_approval(history: History, edition: dt.date, sha256: str, approved_by: str, file: str) -> None:
    """Record that `approved_by` approved the .eml whose bytes hash to `sha256`, of `edition`."""
    history.record_approval(edition, sha256, approved_by, file)


def approvals(history: History, edition: dt.date | None = None) -> list[ApprovalRow]:
    """Every approval recorded (of `edition` only, if given), oldest first."""
    return history.approvals(edition)


# -- actions (report desk) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    """One action taken in the desk: when, what ("build", "approve", "send"...), of which edition, and how it
    ended (a sentence)."""

    at: str
    action: str
    edition: dt.date | None
    outcome: str


def record_action(history: History, action: str, edition: dt.date | None, outcome: str) -> None:
    """Record that the desk did `action` (of `edition`) now, and what came of it."""
    with history._transaction() as db:
        db.execute("INSERT INTO actions (at, action, edition, outcome) VALUES (?, ?, ?, ?)",
                   (_now(), action, edition.isoformat() if edition else None, outcome))


def actions(history: History) -> list[ActionRow]:
    """Every action the desk recorded, oldest first."""
    with history._errors():
        db = history._db
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'actions'").fetchone() is None:
            return []  # an older history, opened read-only: the desk has done nothing in it yet
        rows = db.execute("SELECT at, action, edition, outcome FROM actions ORDER BY at, id").fetchall()
    out = []
    for r in rows:
        with history._rows("actions", r[0]):
            out.append(ActionRow(str(r[0]), str(r[1]), _date(r[2]) if r[2] is not None else None, str(r[3])))
    return out


def _now() -> str:
    """Now, in UTC, as an ISO timestamp."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _pack(snapshot: dict[str, Any]) -> bytes:
    """A snapshot as stored: its JSON, zlib-compressed. A 100,000-signal workbook's snapshot is 18 MB of JSON and
    1.6 MB stored, so a year of weekly editions stays small. (Older histories hold the JSON text; both are read.)"""
    return zlib.compress(_json(snapshot).encode("utf-8"), 6)


def _unpack(stored: object) -> Any:
    """A stored snapshot: compressed JSON (bytes) or, from an older version, JSON text."""
    if isinstance(stored, bytes):
        try:
            stored = zlib.decompress(stored).decode("utf-8")
        except zlib.error as error:
            raise ValueError(f"its snapshot is not compressed JSON ({error})") from None
    return json.loads(stored)  # type: ignore[arg-type]


def _json(value: object) -> str:
    # Sorted keys and fixed separators: the same snapshot is always stored as the same text.
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def as_json(editions: list[EditionRow], sends: list[SendRow], approved: list[ApprovalRow],
            corrections: list[tuple[dt.date, dt.date, str]]) -> dict[str, Any]:
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
    }
