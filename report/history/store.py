"""The history's SQLite file: opening it, judging whether it is ours, bringing it up to date (MIGRATIONS), and the
one way every other module of the package reads (`Store.read`) and writes (`Store.transaction`) it.

The database is ours only when it says so (its application id and a meta table). Anything else at the
path — another program's database, a damaged file, random bytes — is refused and left exactly as it was:
the file's header is read before SQLite touches it, and it is inspected read-only before any write.
Every SQLite error becomes one plain sentence about the file (a HistoryError).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from ..errors import HistoryError
from .packing import now

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
APPLICATION_ID = 0x52505254  # "RPRT", stored in the database header
APPLICATION_ID_OFFSET = 68  # where the header keeps PRAGMA application_id (big-endian)
APPLICATION = "report-history"
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


def _not_ours(path: Path) -> HistoryError:
    return HistoryError(f"{path} is not a report history database: move it away or give --history another path.")


def damaged(path: Path, error: object) -> HistoryError:
    """The sentence for a history database SQLite (or a check of ours) finds damaged."""
    return HistoryError(f"{path} is a damaged history database ({error}): move it away or give --history another "
                        "path.")


def _locked(path: Path) -> HistoryError:
    return HistoryError(f"{path} is locked by another build: wait for it to finish and try again.")


def _is_busy(error: sqlite3.Error) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


class Store:
    """The open connection to the history database at `path` (see History, which holds one).

    `create=False` refuses a missing file instead of starting a new history. `timeout` is how long to wait
    for another build that holds the database before giving up. `read_only` opens an existing history without
    writing to it, not even to bring it up to date: `version` is then the version it was written with.
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

    # -- what the other modules use ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
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

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection to read with; SQLite's errors inside become one sentence about this file."""
        with self._errors():
            yield self._db

    @contextmanager
    def row(self, table: str, row_id: object) -> Iterator[None]:
        """A row that does not parse (edited by hand, or by another tool) is a sentence naming the file, its table
        and the row's id, never a crash: every row read is checked here."""
        try:
            yield
        except (ValueError, TypeError, OverflowError) as error:
            raise HistoryError(
                f"{self.path} has a row in its {table} table that cannot be read (id {str(row_id)[:20]}: "
                f"{str(error)[:80]}): restore the file from a backup, or give --history another path."
            ) from error

    def has_table(self, name: str) -> bool:
        """Whether the database has the table `name`: a history of an earlier version opened read-only (a dry
        run) is not brought up to date, so a table a later migration adds may be missing."""
        with self.read() as db:
            return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
                              ).fetchone() is not None

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

    def close(self) -> None:
        """Close the database; the store cannot be used after."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

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
            with self.transaction() as db:
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
            raise damaged(self.path, "; ".join(problems[:3]))
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
                       (APPLICATION, now()))
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
        return damaged(self.path, error)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise HistoryError(f"The history database {self.path} is closed.")
        return self._connection
