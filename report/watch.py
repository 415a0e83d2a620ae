"""`report watch WORKBOOK [-o OUTDIR]`: check and rebuild the page each time the editor saves.

Excel and LibreOffice do not save in place: they write lock files (`.~lock.tracker.xlsx#`, `~$tracker.xlsx`)
and temporary files, then rename one over the workbook, or truncate and rewrite it. So the folder is
watched (a rename over the file replaces the file a watch on it would hold), changes are filtered to the
workbook's own name and grouped until the saving stops, and a file that cannot be read yet (missing for
a moment, empty, a truncated zip) is read again after a short settle before anything is said about it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .build import build
from .errors import UnreadableWorkbook, WorkbookHasErrors
from .findings import Finding
from .present.words import verdict_line

SETTLE_SECONDS = 0.4  # a save still being written gets this long to finish before each new try
ATTEMPTS = 12  # about five seconds in all, then the file is taken as it is
STEP_MS = 300  # changes this close together are one save
DEBOUNCE_MS = 4000  # the longest a burst of changes is grouped before it is looked at

T = TypeVar("T")


@dataclass
class Outcome:
    """What one look at the workbook found: a rebuilt page, findings that stop it, or an unusable file."""

    when: dt.datetime
    findings: list[Finding] = field(default_factory=list)
    built: bool = False
    verdict: str = ""  # "Edition 2026-06-01: TOO EARLY — …"
    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # from rendering
    unusable: str = ""  # the sentence that says why the file cannot be used


def fingerprint(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time, or None when it is missing: what changes when it is saved."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def settle(workbook: Path, attempt: Callable[[], T], pause: float = SETTLE_SECONDS) -> T:
    """`attempt()` once the workbook has stopped changing; a file that cannot be read yet (UnreadableWorkbook:
    a truncated zip, an empty file) is tried again after a short settle. Raises the last UnreadableWorkbook,
    or one saying the file kept changing. (report desk checks each save through this too.)"""
    last_error: UnreadableWorkbook | None = None
    for _ in range(max(ATTEMPTS, round(ATTEMPTS * SETTLE_SECONDS / pause))):  # a shorter pause, as many seconds
        before = fingerprint(workbook)
        time.sleep(pause)
        if before is None or before != fingerprint(workbook):
            continue  # missing for a moment, or still growing: the save is not over
        try:
            return attempt()
        except UnreadableWorkbook as error:  # most likely a save in progress
            last_error = error
    raise last_error or UnreadableWorkbook(f"{workbook} kept changing or disappeared: save it again.")


def look(workbook: Path, outdir: Path, today: dt.date | None = None) -> tuple[Outcome, str]:
    """Check the workbook and rebuild its page; a save still in progress is waited out. Returns the outcome and
    the hash of the bytes it came from (empty when the file could not be used)."""
    try:
        result = settle(workbook, lambda: build(workbook, outdir, formats=("html",), today=today, record=False))
    except UnreadableWorkbook as error:
        return Outcome(dt.datetime.now(), unusable=str(error)), ""
    except WorkbookHasErrors as error:
        checked = error.args[0]
        return Outcome(dt.datetime.now(), findings=list(checked.findings)), checked.sha256
    line = verdict_line(result.briefing)
    return Outcome(dt.datetime.now(), findings=list(result.check.findings), built=True, verdict=line,
                   paths=result.paths, warnings=result.warnings), result.check.sha256


def saves(workbook: Path, stop_event: object = None) -> Iterator[None]:
    """Once after every save of `workbook` (its folder watched, only its own name), until `stop_event` is set
    or the process is interrupted."""
    from watchfiles import watch as watch_folder

    name = workbook.name
    for _changes in watch_folder(workbook.resolve().parent,
                                 watch_filter=lambda _change, path: Path(path).name == name,
                                 step=STEP_MS, debounce=DEBOUNCE_MS, recursive=False, raise_interrupt=True,
                                 stop_event=stop_event):  # type: ignore[arg-type]
        yield None


def watch(workbook: Path, outdir: Path, stop_event: object = None) -> Iterator[Outcome]:
    """Look once now, then once after every save, until interrupted (KeyboardInterrupt ends the iteration)."""
    workbook = Path(workbook)
    outcome, seen = look(workbook, outdir)
    yield outcome
    for _ in saves(workbook, stop_event):
        outcome, digest = look(workbook, outdir)
        if digest and digest == seen:
            continue  # the same bytes: a save that changed nothing, or a second event of one save
        seen = digest
        yield outcome
