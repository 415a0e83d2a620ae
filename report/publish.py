"""Publishing an edition: its files and its history record move together, or not at all.

Three files cannot be renamed at once, so the history database keeps a small publish journal (one row of
its `meta` table, key "publish"):

1. *staged*: the journal names the temporary files about to be written, before any is created;
2. each temporary file (`.briefing-….xlsx.<id>.tmp`, beside its target) is written and flushed to disk;
3. *committed*: the edition's history row and the journal marked "committed" are written in one SQLite
   transaction. That commit is the moment the edition is published;
4. each temporary file is renamed over its target, the folder flushed, and the journal cleared.

A command killed anywhere in between leaves the journal behind. The next `build`, `history` or `send` that
opens that history first finishes it, as SQLite does with a hot journal: a committed journal is rolled
forward (the renames that remain), a staged one rolled back (its temporary files deleted), and stray
`.briefing-*.tmp` files in the folders are removed. Until step 3 the previous edition, files and record,
is untouched; from step 3 on the new one is the edition, whatever happens next.

Publishers of the same folders take turns through an advisory lock (flock) on each folder, which the
kernel releases when a process dies, so a recovery never deletes the files of a build still writing them.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from .errors import HistoryError, OutputError
from .history import DEFAULT_TIMEOUT, History
from .output import sync_folder, write_new

TEMP_GLOB = ".briefing-*.tmp"  # what a publish's temporary files look like (and what recovery sweeps)

Record = Callable[[History, dict[str, Any]], None]


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


def publish(workbook: Path, files: dict[Path, bytes], history_path: Path, record: Record) -> None:
    """Write `files` and record the edition (`record(history, journal)`), all or nothing (see the module)."""
    targets = list(files)
    refuse_overwriting(workbook, [*targets, history_path])
    for target in targets:
        if target.is_dir():
            raise OutputError(f"{target} is a folder, where the briefing's file goes: move it away or give -o "
                              "another folder.")
    folders = {p.parent for p in targets} | {history_path.parent}
    for folder in sorted(folders):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"Cannot create the folder {folder} ({error.strerror}): choose a folder you can "
                              "write to.") from error
    new_history = not history_path.exists() or _empty(history_path)
    committed = False
    with _taking_turns(folders):
        try:
            with History(history_path) as history:
                _finish(history, folders)
                token = secrets.token_hex(6)
                staged = [(str(p.with_name(f".{p.name}.{token}.tmp")), str(p)) for p in targets]
                journal: dict[str, Any] = {"state": "staged", "id": token, "files": staged}
                history.write_journal(journal)
                try:
                    for (temporary, _), data in zip(staged, files.values(), strict=True):
                        _write(Path(temporary), data)
                    for folder in folders:
                        sync_folder(folder)
                    record(history, {**journal, "state": "committed"})
                    committed = True
                except BaseException:
                    _remove(temporary for temporary, _ in staged)
                    with suppress(HistoryError):
                        history.write_journal(None)  # if this fails too, the next command rolls it back
                    raise
                _roll_forward(staged, history_path)
                history.write_journal(None)
        except BaseException:
            if new_history and not committed:
                _forget(history_path)  # a history this build created, with nothing in it: leave none behind
            raise


def recover(history_path: Path) -> None:
    """Finish a publish that a killed command left in the history at `history_path`, if there is one."""
    if not history_path.is_file() or _empty(history_path):
        return
    with History(history_path, create=False) as history:
        journal = history.journal()
    if journal is None:
        return
    folders = {history_path.parent} | {Path(final).parent for _, final in _files(journal, history_path)}
    with _taking_turns(folders), History(history_path, create=False) as history:
        _finish(history, folders)


def _finish(history: History, folders: Iterable[Path]) -> None:
    """Roll the journal in `history` forward or back, clear it, and sweep stray temporary files."""
    journal = history.journal()
    if journal is not None:
        files = _files(journal, history.path)
        if journal.get("state") == "committed":
            _roll_forward(files, history.path)
        else:
            _remove(temporary for temporary, _ in files)
        history.write_journal(None)
    for folder in folders:
        # Under the folder's lock no publish is writing here: any temporary file left is a killed one's.
        with suppress(OSError):
            _remove(str(stray) for stray in folder.glob(TEMP_GLOB))


def _files(journal: dict[str, Any], history_path: Path) -> list[tuple[str, str]]:
    files = journal.get("files")
    if not isinstance(files, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair) for pair in files):
        raise HistoryError(f"{history_path} holds a publish journal that cannot be read: restore the file from a "
                           "backup, or give --history another path.")
    return [(temporary, final) for temporary, final in files]


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
def _taking_turns(folders: Iterable[Path], timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
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
