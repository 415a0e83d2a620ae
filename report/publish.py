"""Publishing an edition: its files and its history record move together, or not at all.

Three files cannot be renamed at once, so a publish keeps a small journal:

1. the journal file `history.sqlite.publish`, beside the history, lists the temporary files about to be
   written (one per output, `.briefing-2026-06-01.html.<id>.tmp` beside its target) under a random id;
2. the temporary files are written and flushed to disk;
3. the commit: one SQLite transaction records the edition *and* a mark naming the publish id (a row of the
   history's meta table). Until then the previous edition, files and history, is untouched (the history is
   not written at all); from then on the new edition is the one published, whatever happens next;
4. each temporary file is renamed over its target, the folder flushed, the mark cleared, the journal deleted.

A command killed anywhere in between leaves the journal behind. The next `build`, `history` or `send` that
opens that history first finishes it, as SQLite does with a hot journal: if the history holds the journal's
mark, the remaining renames are done (rolled forward); if not, the temporary files are deleted (rolled back).
Stray `.briefing-*.tmp` files in those folders are removed, so the folder and the history agree on one edition.

Publishers of the same folders take turns through an advisory lock (flock) on each folder, which the
kernel releases when a process dies, so a recovery never deletes the files of a build still writing them.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from .errors import HistoryError, OutputError
from .history import DEFAULT_TIMEOUT, History
from .output import atomic_write, sync_folder, write_new

TEMP_GLOB = ".briefing-*.tmp"  # what a publish's temporary files look like (and what recovery sweeps)

Record = Callable[[History, dict[str, Any]], None]  # records the edition and the mark, in one transaction


def refuse_overwriting(workbook: Path, targets: Iterable[Path]) -> None:
    """Refuse any output that is the input workbook itself, however it is named (a link, another path)."""
    for target in targets:
        try:
            same = target.exists() and os.path.samefile(workbook, target)
        except OSError:
            same = False
        if same:
            raise OutputError(f"{target} is the workbook being built ({workbook}): the briefing would replace "
                              "it. Give -o another folder, or keep the workbook elsewhere.")


def _make_folders(folders: set[Path]) -> None:
    """Create the output folders, or say which one cannot be made."""
    for folder in sorted(folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"Cannot create the folder {folder} ({error.strerror}): choose a folder you can "
                              "write to.") from error


def write_draft(workbook: Path, files: dict[Path, bytes]) -> None:
    """Write files that no history records (report watch's page): each atomically, never over the workbook."""
    refuse_overwriting(workbook, files)
    folders = {p.parent for p in files}
    _make_folders(folders)
    with taking_turns(folders):  # a build's sweep of stray temporary files must not take ours
        for path, data in files.items():
            atomic_write(path, data)


def journal_path(history_path: Path) -> Path:
    """Where a publish lists its temporary files: beside the history, `history.sqlite.publish`."""
    return history_path.with_name(history_path.name + ".publish")


def publish(workbook: Path, files: dict[Path, bytes], history_path: Path, record: Record) -> None:
    """Write `files` and record the edition (`record(history, mark)`), all or nothing (see the module)."""
    targets = list(files)
    refuse_overwriting(workbook, [*targets, history_path])
    for target in targets:
        if target.is_dir():
            raise OutputError(f"{target} is a folder, where the briefing's file goes: move it away or give -o "
                              "another folder.")
    folders = {p.parent for p in targets} | {history_path.parent}
    _make_folders(folders)
    new_history = not history_path.exists() or _empty(history_path)
    journal = journal_path(history_path)
    committed = False
    with taking_turns(folders):
        try:
            with History(history_path) as history:
                _finish(history, folders)
                token = secrets.token_hex(6)
                staged = [(str(p.with_name(f".{p.name}.{token}.tmp")), str(p)) for p in targets]
                try:
                    _write(journal, _json({"id": token, "files": staged}))
                    sync_folder(journal.parent)
                    for (temporary, _), data in zip(staged, files.values(), strict=True):
                        _write(Path(temporary), data)
                    for folder in folders:
                        sync_folder(folder)
                    # The commit: the edition and the mark that names this publish, in one transaction.
                    record(history, {"id": token})
                    committed = True
                except BaseException:
                    _remove(temporary for temporary, _ in staged)
                    _remove([str(journal)])
                    raise
                _roll_forward(staged, history_path)
                history.clear_publish_mark()
                _remove([str(journal)])
        except BaseException:
            if new_history and not committed:
                _forget(history_path)  # a history this build created, with nothing in it: leave none behind
            raise


def open_history(history_path: Path) -> History:
    """An existing history, a half-done publish finished first (every command that reads the history does this).
    Raises HistoryError when there is none at `history_path`, or it is not one."""
    if not history_path.exists():
        raise HistoryError(f"There is no history database at {history_path}: build an edition first, or give "
                           "--history DB.")
    recover(history_path)  # first finish a publish that a killed build left half-done
    return History(history_path, create=False)


def recover(history_path: Path) -> None:
    """Finish a publish that a killed command left in the history at `history_path`, if there is one."""
    journal = journal_path(history_path)
    sqlite_journal = history_path.with_name(history_path.name + "-journal")
    folders = {history_path.parent} | {Path(final).parent for _, final in _listed(journal)[1]}
    if not history_path.is_file() or _empty(history_path):
        if journal.is_file():
            # No history, so nothing was ever committed: the publish is undone.
            with taking_turns(folders):
                _remove(temporary for temporary, _ in _listed(journal)[1])
                _remove([str(journal)])
        return
    with History(history_path, create=False) as history:
        mark = history.publish_mark()
    if mark is None and not journal.exists() and not sqlite_journal.is_file():
        return
    with taking_turns(folders), History(history_path, create=False) as history:
        _finish(history, folders)


def _finish(history: History, folders: Iterable[Path]) -> None:
    """Roll an interrupted publish forward (committed) or back (not), and sweep stray temporary files."""
    history.drop_stale_journal()
    mark = history.publish_mark()
    journal = journal_path(history.path)
    if journal.is_dir():
        raise HistoryError(f"{journal} is a folder, where report keeps the publish journal of {history.path.name}: "
                           "move that folder away and try again.")
    token, files = _listed(journal)
    if mark is not None and token is not None and mark.get("id") == token:
        _roll_forward(files, history.path)  # the edition was committed: put its files in place
    else:
        _remove(temporary for temporary, _ in files)  # never committed: the previous edition stands
    if mark is not None:
        history.clear_publish_mark()
    _remove([str(journal)])
    for folder in {*folders, *(Path(final).parent for _, final in files)}:
        # Under the folder's lock no publish is writing here: any temporary file left is a killed one's.
        with suppress(OSError):
            _remove(str(stray) for stray in folder.glob(TEMP_GLOB))


def _listed(journal: Path) -> tuple[str | None, list[tuple[str, str]]]:
    """The publish id and the (temporary, target) pairs a journal file lists; a torn or unreadable one lists
    nothing (it was still being written, so no temporary file exists yet beyond what the sweep removes)."""
    try:
        entry = json.loads(journal.read_bytes())
        files = entry["files"]
        pairs = [(str(temporary), str(final)) for temporary, final in files]
        return str(entry["id"]), pairs
    except (OSError, ValueError, KeyError, TypeError):
        return None, []


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _roll_forward(files: list[tuple[str, str]], history_path: Path) -> None:
    """Rename every temporary file that is still there over its target (one already renamed is done)."""
    try:
        for temporary, final in files:
            with suppress(FileNotFoundError):
                os.replace(temporary, final)
        for folder in {Path(final).parent for _, final in files}:
            sync_folder(folder)
    except OSError as error:
        raise OutputError(f"The edition is recorded in {history_path}, but its files could not all be put in "
                          f"place ({error.strerror}: {error.filename}): fix that, then run the command again to "
                          "finish.") from error


def _write(path: Path, data: bytes) -> None:
    try:
        write_new(path, data)
    except OSError as error:
        raise OutputError(f"Cannot write the briefing in {path.parent} ({error.strerror}): check the folder and "
                          "free space; the previous edition is untouched.") from error


def _remove(paths: Iterable[str]) -> None:
    for path in paths:
        with suppress(FileNotFoundError):
            os.unlink(path)


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False


def _forget(history_path: Path) -> None:
    """Delete a history this publish created, if it still records no edition."""
    try:
        if not _empty(history_path):
            with History(history_path, create=False) as history:
                if history.editions():
                    return
    except HistoryError:
        return
    for suffix in ("", "-journal"):
        with suppress(OSError):
            os.unlink(f"{history_path}{suffix}")


@contextmanager
def taking_turns(folders: Iterable[Path], timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold every folder's publish lock (in one order, so two publishers cannot deadlock)."""
    handles: list[int] = []
    try:
        for folder in sorted({f.resolve() for f in folders}):
            try:
                handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            except OSError as error:
                raise OutputError(f"Cannot open the folder {folder} ({error.strerror}): check that it exists and "
                                  "you can read it.") from error
            handles.append(handle)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise HistoryError(f"{folder} is being written by another build: wait for it to finish "
                                           "and try again.") from None
                    time.sleep(0.05)
        yield
    finally:
        for handle in handles:
            os.close(handle)
