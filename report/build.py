"""`report build`: check -> analyse -> render every format -> publish files and history record together."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .analysis import TREND_EDITIONS, analyse
from .briefing import Briefing
from .check import CheckResult, check_file
from .errors import UsageError, WorkbookHasErrors
from .history import History, Page, TrendPoint
from .present.words import headline
from .publish import publish, write_draft

FORMATS = ("xlsx", "html", "eml")


@dataclass
class BuildResult:
    briefing: Briefing
    check: CheckResult
    paths: list[Path]
    history: Path
    warnings: list[str]  # from rendering, e.g. text cut to fit an Excel cell


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
    edition = result.view.edition
    history_path = history_path or outdir / "history.sqlite"

    # An existing history is opened (and checked) before anything is written; a new one is only
    # created when the edition is published, so a build that fails leaves no database behind.
    previous = sent = None
    earlier: list[TrendPoint] = []
    if history_path.exists() and history_path.stat().st_size:  # an empty file is a history not yet begun
        # A draft (record=False) only reads: not even an older history is brought up to date.
        with History(history_path, create=False, read_only=not record) as history:
            previous = history.previous(edition)
            earlier = history.trend(edition, TREND_EDITIONS)  # the trend across editions: those before this one
            sent = history.sent_version(edition)  # sent already: this build is a correction
    briefing = analyse(result.view, result.findings, previous, earlier, sent, today)
    files, warnings = render(briefing, formats)
    paths = {outdir / f"{briefing.stem}.{fmt}": data for fmt, data in files.items()}
    if not record:
        write_draft(workbook, paths)  # report watch: the page only, the history as it was
        return BuildResult(briefing, result, list(paths), history_path, warnings)
    # Files and record together, or neither (report/publish.py).
    # The .eml's SHA-256 goes in the record: `report send` asks the history whether these bytes need sign-off.
    eml_sha256 = hashlib.sha256(files["eml"]).hexdigest() if "eml" in files else None
    archived = Page(headline(briefing), files.get("html"), str(outdir.resolve()), briefing.mailing.web_address,
                    briefing.correction.corrected_on if briefing.correction else None, correction_text(briefing))
    publish(workbook, paths, history_path, lambda history, mark: history.record(
        briefing, result.sha256, __version__, mark, eml_sha256=eml_sha256, page=archived))
    return BuildResult(briefing, result, list(paths), history_path, warnings)


def render(briefing: Briefing, formats: tuple[str, ...]) -> tuple[dict[str, bytes], list[str]]:
    """Every requested format as bytes, all from the same Briefing, and the renderers' warnings."""
    # Each renderer is imported only when asked for, so a page-only build does not pay for the others.
    from .present import present
    from .render.xlsx import render_xlsx_report

    # What every layout shows, decided once; the email decides its own shorter lists within its budget.
    presentation = present(briefing, workbook_beside="xlsx" in formats)
    out: dict[str, bytes] = {}
    warnings: list[str] = []
    xlsx: bytes | None = None
    if "xlsx" in formats or "eml" in formats:
        report = render_xlsx_report(presentation)
        xlsx, warnings = report.data, list(report.warnings)
    if "xlsx" in formats:
        assert xlsx is not None
        out["xlsx"] = xlsx
    if "html" in formats:
        from .render.html import render_html

        out["html"] = render_html(presentation).encode("utf-8")
    if "eml" in formats:
        from .render.email import render_email

        assert xlsx is not None
        email = render_email(presentation, xlsx)
        out["eml"] = email.data
        warnings.extend(email.warnings)
        # What a sender would check before pressing send, said at build time (report preflight).
        from .preflight import warnings as preflight_warnings

        warnings.extend(preflight_warnings(email.message))
    return out, warnings


def correction_text(briefing: Briefing) -> str | None:
    """What a correction changed from the sent version, in one line for `report history`."""
    if briefing.correction is None:
        return None
    from .present import present

    view = present(briefing).correction
    assert view is not None
    parts = [f"{line.label}: {line.what}" + (f" ({line.before_after.replace(chr(10), '; ')})" if line.before_after
                                             else "") for line in view.lines]
    return "; ".join(parts) or "nothing changed"
