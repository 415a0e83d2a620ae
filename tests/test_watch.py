"""`report watch WORKBOOK -o OUTDIR`: real saves by LibreOffice, each one checked and the page rebuilt."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import SAMPLE, edit_workbook, set_cell, soffice_convert

EDITION = "2026-06-01"
VERDICT = re.compile(r"^\d\d:\d\d:\d\d Edition 2026-06-01: ")


class Output:
    """A running process's stdout, line by line, as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, count: int, pattern: re.Pattern[str], timeout: float = 180) -> list[str]:
        """Wait until `count` lines match `pattern`; fail with what was printed if they do not come."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = [line for line in self.lines if pattern.search(line)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, "\n".join(self.lines)
                self.changed.wait(left)


def titled(source: Path, folder: Path, title: str) -> Path:
    """A copy of `source` with a new Title, saved by LibreOffice (in `folder`, as tracker.xlsx)."""
    draft = folder / "draft" / "tracker.xlsx"
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_bytes(source.read_bytes())

    edit_workbook(draft, lambda book: set_cell(book, "Settings", "Setting", "Title", "Value", title))
    return soffice_convert(draft, "xlsx", folder)


@pytest.fixture
def watched(tmp_path: Path) -> Path:
    folder = tmp_path / "desk"
    folder.mkdir()
    workbook = folder / "tracker.xlsx"
    workbook.write_bytes(SAMPLE.read_bytes())

    edit_workbook(workbook, lambda book: set_cell(book, "Settings", "Setting", "Edition date", "Value", EDITION))
    return workbook


def start_watch(workbook: Path, outdir: Path) -> subprocess.Popen[str]:
    """`report watch WORKBOOK -o OUTDIR` in a real process, its output unbuffered so each line can be awaited."""
    return subprocess.Popen([sys.executable, "-m", "report", "watch", str(workbook), "-o", str(outdir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def page_title(outdir: Path) -> str:
    html = (outdir / f"briefing-{EDITION}.html").read_text(encoding="utf-8")
    match = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
    assert match
    return match.group(1)


def test_three_saves_three_rebuilds_then_ctrl_c(watched: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    folder = watched.parent
    process = start_watch(watched, outdir)
    try:
        output = Output(process)
        output.wait_for(1, VERDICT)
        assert "The bifurcation briefing" in page_title(outdir)

        # Save 1: LibreOffice writes elsewhere, then the file is renamed over the workbook, as Excel does; lock
        # files come and go beside it, and are never read.
        lock, excel_lock = folder / ".~lock.tracker.xlsx#", folder / "~$tracker.xlsx"
        lock.write_text("editor,host,0;")
        excel_lock.write_bytes(b"\x00" * 165)
        first = titled(watched, tmp_path / "save1", "First save")
        os.replace(first, watched)
        output.wait_for(2, VERDICT)
        assert "First save" in page_title(outdir)
        lock.unlink()
        excel_lock.unlink()

        # Save 2: LibreOffice writes the workbook in the watched folder itself.
        draft = titled(watched, tmp_path / "save2", "Second save")
        soffice_convert(draft, "xlsx", folder)
        output.wait_for(3, VERDICT)
        assert "Second save" in page_title(outdir)

        # Save 3: rewritten in place in two halves, with a pause between: the half-written file is waited out.
        data = titled(watched, tmp_path / "save3", "Third save").read_bytes()
        with watched.open("wb") as handle:
            handle.write(data[: len(data) // 2])
            handle.flush()
            time.sleep(1.0)
            handle.write(data[len(data) // 2:])
        output.wait_for(4, VERDICT)
        assert "Third save" in page_title(outdir)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    output.thread.join(timeout=10)
    assert process.returncode == 0
    assert process.stderr is not None
    errors = process.stderr.read()
    assert "Traceback" not in errors and errors == "", errors
    lines = output.lines
    assert len([line for line in lines if VERDICT.search(line)]) == 4  # the first look, then one per save
    assert not [line for line in lines if "damaged" in line or "could not be read" in line or "ERROR" in line]
    assert lines[0].startswith(f"Watching {watched}: ")
    assert lines[-1] == "Stopped watching."
    assert sorted(p.name for p in outdir.iterdir()) == [f"briefing-{EDITION}.html"]  # the page only, no history


def test_errors_are_printed_and_nothing_rebuilt(watched: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    process = start_watch(watched, outdir)
    try:
        output = Output(process)
        output.wait_for(1, VERDICT)
        before = (outdir / f"briefing-{EDITION}.html").read_bytes()
        broken = tmp_path / "broken.xlsx"
        broken.write_bytes(watched.read_bytes())
        edit_workbook(broken, lambda book: book["Signals"].cell(row=2, column=6, value="maybe"))
        os.replace(broken, watched)
        found = output.wait_for(1, re.compile("not rebuilt"))
        assert found[0].endswith("1 error, 0 warnings in 1 sheet: not rebuilt. Fix the errors and save again.")
        assert "ERROR Signals!F2 (Points to): 'maybe' is not one of Pays, Reverts, Neutral" in output.lines
        assert (outdir / f"briefing-{EDITION}.html").read_bytes() == before
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert process.returncode == 0


def test_a_missing_workbook_is_refused_at_once(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "report", "watch", str(tmp_path / "nope.xlsx")], check=False,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"Error: There is no workbook at {tmp_path / 'nope.xlsx'}: check the path and try again.\n"
