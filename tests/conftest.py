"""Shared fixtures: the sample workbook, its briefing, workbook edits, LibreOffice and Chromium."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from report import palette

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "workbooks" / "bifurcation-tracker.xlsx"
FILES = Path(__file__).resolve().parent / "files"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
EDITION = dt.date(2026, 6, 1)


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A copy of the sample workbook that a test may change."""
    target = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, target)
    return target


@pytest.fixture(scope="session")
def sample_briefing():  # type: ignore[no-untyped-def]
    """The sample's briefing for edition 2026-06-01, with no history."""
    from report.analysis import analyse
    from report.check import check_file
    from report.edition import as_of

    result = check_file(SAMPLE, today=EDITION)
    assert result.tracker is not None, [f.line() for f in result.findings]
    return analyse(as_of(result.tracker, EDITION), result.findings)


def edit_workbook(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """Open `path` with openpyxl, let `change` edit it, save it in place. For building test inputs."""
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def append_row(book: openpyxl.Workbook, sheet: str, values: dict[str, object]) -> int:
    """Add a row under the last filled row of `sheet`, by header name (without the '*')."""
    ws = book[sheet]
    headers = {str(c.value).rstrip("*").strip(): c.column for c in ws[1] if c.value}
    row = 2
    while any(ws.cell(row=row, column=col).value not in (None, "") for col in headers.values()):
        row += 1
    for name, value in values.items():
        ws.cell(row=row, column=headers[name], value=value)
    return row


def set_cell(book: openpyxl.Workbook, sheet: str, key_column: str, key: str, column: str, value: object) -> None:
    """Set `column` on the row of `sheet` whose `key_column` equals `key`."""
    ws = book[sheet]
    headers = {str(c.value).rstrip("*").strip(): c.column for c in ws[1] if c.value}
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=headers[key_column]).value == key:
            ws.cell(row=row, column=headers[column], value=value)
            return
    raise KeyError(key)


def flagship_moves(book: openpyxl.Workbook, lab: str, weights: str, day: dt.datetime, headline: str) -> None:
    """`lab` takes its flagship to `weights` on `day`: the event on the Events sheet, and its Labs row changed."""
    kind = "Closed flagship" if weights == "Closed" else "Reopened flagship"
    append_row(book, "Events", {"Date": day, "Lab": lab, "Kind": kind, "Headline": headline,
                                "Source": "Seed report, 2026-05-27"})
    set_cell(book, "Labs", "Lab", lab, "Flagship weights", weights)
    set_cell(book, "Labs", "Lab", lab, "Status since", day)


def checked_tracker(path: Path, today: dt.date | None = None):  # type: ignore[no-untyped-def]
    """The records of a workbook that must check without errors."""
    from report.check import check_file

    result = check_file(path, today=today)
    assert result.tracker is not None, [f.line() for f in result.findings]
    return result.tracker


def records(tracker) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything a tracker holds, row numbers left out: for comparing two workbooks' records."""
    out: dict[str, object] = {"Settings": tracker.settings.snapshot()}
    for sheet, rows in tracker.tables().items():
        out[sheet] = [r.snapshot() for r in rows]
    return out


def tiny_xlsx() -> bytes:
    """A real but small workbook to attach where the attachment is not what a test looks at."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Briefing").write(0, 0, "Briefing")
    book.close()
    return out.getvalue()


def soffice_convert(source: Path, to: str, outdir: Path, timeout: int = 180) -> Path:
    """Convert with headless LibreOffice (its own profile, so conversions can run side by side)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed: run scripts/test, which installs it"
    profile = Path(tempfile.gettempdir()) / f"lo-profile-{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        completed = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", to, "--outdir", str(outdir), str(source)],
            check=False, capture_output=True, text=True, timeout=timeout,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    extension = to.split(":")[0]
    produced = outdir / f"{source.stem}.{extension}"
    assert completed.returncode == 0 and produced.exists(), completed.stdout + completed.stderr
    return produced


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m report ARGS` in a real subprocess."""
    return subprocess.run([sys.executable, "-m", "report", *args], check=False, capture_output=True, text=True,
                          cwd=cwd,
                          env={**os.environ, **(env or {})}, input=input, timeout=300)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# --- The season (scripts/season.py): 30 weeks, 26 editions, grown from the sample -------------------------

sys.path.insert(0, str(ROOT / "scripts"))
import season as season_module


class Season:
    """The season's workbooks, written once per test session, and its editions built in sequence."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.out = folder / "out"
        self.history = self.out / "history.sqlite"
        self._built: set[int] = set()

    def workbook(self, number: int) -> Path:
        """Week `number`'s workbook (written on first use)."""
        path = self.folder / f"week-{number:02d}.xlsx"
        if not path.exists():
            season_module.write_week(self.folder, number)
        return path

    def build_through(self, number: int) -> Path:
        """Build every edition up to week `number` in order into one history; the folder they are in."""
        from report.build import build

        for week in season_module.editions():
            if week.number > number:
                break
            if week.number not in self._built:
                build(self.workbook(week.number), self.out, today=dt.date(2026, 12, 7))
                self._built.add(week.number)
        return self.out

    def files(self, number: int) -> dict[str, Path]:
        """Week `number`'s built files (building the season up to it first): xlsx, html and eml."""
        self.build_through(number)
        edition = season_module.week(number).edition.isoformat()
        return {fmt: self.out / f"briefing-{edition}.{fmt}" for fmt in ("xlsx", "html", "eml")}


@pytest.fixture(scope="session")
def season(tmp_path_factory: pytest.TempPathFactory) -> Season:
    """The season of editions (scripts/season.py), shared by every test of the session."""
    return Season(tmp_path_factory.mktemp("season"))


def contrast(foreground: str, background: str = palette.BACKGROUND) -> float:
    """WCAG 2 contrast ratio of two "#rrggbb" colours (1.0 to 21.0): how the palette's pairs are judged."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
