"""`report build`: check -> analyse -> render every format -> write atomically -> record the edition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .analysis import analyse
from .briefing import Briefing
from .checks import CheckResult, check_file
from .errors import UsageError, WorkbookHasErrors
from .history import History
from .output import atomic_write_all

FORMATS = ("xlsx", "html", "eml")


@dataclass
class BuildResult:
    briefing: Briefing
    check: CheckResult
    paths: list[Path]
    history: Path
    warnings: list[str]  # from rendering, e.g. text cut to fit an Excel cell


def parse_edition(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--edition '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-06-01.") from None


def build(workbook: Path, outdir: Path, edition: dt.date | None = None, formats: tuple[str, ...] = FORMATS,
          history_path: Path | None = None, today: dt.date | None = None, record: bool = True) -> BuildResult:
    """Build the briefing files; raise WorkbookHasErrors (nothing written) if the workbook has errors.

    `record=False` (report watch: a draft rebuilt on every save) leaves the history as it was."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"--format '{unknown[0]}' is not a format: choose from {', '.join(FORMATS)}.")
    formats = tuple(f for f in FORMATS if f in formats) or FORMATS
    today = today or dt.date.today()
    result = check_file(workbook, today, edition)
    if result.tracker is None or result.view is None:
        raise WorkbookHasErrors(result)
    tracker = result.tracker
    edition = result.view.edition
    history_path = history_path or outdir / "history.sqlite"

    # An existing history is opened (and checked) before anything is written; a new one is only
    # created once the outputs are, so a build that fails leaves no database behind.
    previous = None
    if history_path.exists():
        with History(history_path, create=False) as history:
            previous = history.previous(edition)
    briefing = analyse(tracker, edition, result.findings, previous, result.view)
    files, warnings = render(briefing, formats)
    paths = {outdir / f"{briefing.stem}.{fmt}": data for fmt, data in files.items()}
    # Outputs first, then the record: a build that fails to write records nothing.
    atomic_write_all(paths)
    if not record:
        return BuildResult(briefing, result, list(paths), history_path, warnings)
    with History(history_path) as history:
        history.record(briefing, dict(briefing.snapshot), result.sha256, __version__)
    return BuildResult(briefing, result, list(paths), history_path, warnings)


def render(briefing: Briefing, formats: tuple[str, ...]) -> tuple[dict[str, bytes], list[str]]:
    """Every requested format as bytes, all from the same Briefing, and the renderers' warnings."""
    # Each renderer is imported only when asked for: matplotlib alone costs the email half a second.
    from .render.xlsx import render_xlsx_report

    out: dict[str, bytes] = {}
    warnings: list[str] = []
    xlsx: bytes | None = None
    if "xlsx" in formats or "eml" in formats:
        report = render_xlsx_report(briefing)
        xlsx, warnings = report.data, list(report.warnings)
    if "xlsx" in formats:
        assert xlsx is not None
        out["xlsx"] = xlsx
    if "html" in formats:
        from .render.html import render_html

        out["html"] = render_html(briefing).encode("utf-8")
    if "eml" in formats:
        from .render.email import render_eml

        assert xlsx is not None
        out["eml"] = render_eml(briefing, xlsx)
    return out, warnings
