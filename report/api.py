"""The library under the command line: check a workbook, build an edition, read the history, send.

Each function returns data and prints nothing; a failure the user can fix raises one of report.errors'
exceptions (`ReportError` and its kin), whose message is the sentence the command line prints. `report/cli.py`
parses options, calls these and prints; a notebook or a scheduler calls them directly:

    from report import api

    result = api.check("tracker.xlsx")
    for finding in result.findings:
        print(finding.level, finding.sheet, finding.cell, finding.message)

    edition = api.build("tracker.xlsx", "out")
    print(edition.state, edition.score, edition.paths)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .findings import Finding
from .history import ActionRow, ApprovalRow, EditionRow, SendRow

if TYPE_CHECKING:
    from .archive import ArchiveResult
    from .explain import Explanation

__all__ = ["Checked", "Edition", "HistoryRecords", "archive", "build", "check", "explain", "history", "send"]


@dataclass(frozen=True)
class Checked:
    """What `check` found: every finding, in the order `report check` prints them."""

    findings: tuple[Finding, ...]
    edition: dt.date | None  # the edition the findings were made for; None when the workbook has errors
    sha256: str  # of the workbook as read

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level == "warning")

    @property
    def ok(self) -> bool:
        """True when nothing stops a build (warnings allowed)."""
        return not self.errors


@dataclass(frozen=True)
class Edition:
    """An edition built and published: its files, its verdict and the findings it was built with."""

    edition: dt.date
    state: str
    headline: str
    score: float
    followers: tuple[str, ...]
    paths: tuple[Path, ...]
    history: Path
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...]  # from rendering and the pre-send checks, e.g. text cut to fit an Excel cell
    line: str = ""  # "Edition 2026-06-01: TOO EARLY (score −0.60) — …", as `report build` prints it


@dataclass(frozen=True)
class HistoryRecords:
    """Everything a history database holds, oldest first."""

    editions: tuple[EditionRow, ...]
    sends: tuple[SendRow, ...]
    approvals: tuple[ApprovalRow, ...]
    corrections: tuple[tuple[dt.date, dt.date, str], ...] = ()  # (edition, corrected on, what changed)
    actions: tuple[ActionRow, ...] = ()  # what `report desk` did, and how each ended


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    from .edition import parse_edition

    return parse_edition(value)


def check(workbook: Path | str, edition: dt.date | str | None = None) -> Checked:
    """Check `workbook` for an edition (default: its Settings' Edition date, else today).

    Raises UnreadableWorkbook when the file cannot be used at all, UsageError for an edition before the pivot.
    """
    from .check import check_file

    result = check_file(Path(workbook), edition=_date(edition))
    return Checked(tuple(result.findings), result.view.edition if result.view else None, result.sha256)


def build(workbook: Path | str, outdir: Path | str = "out", edition: dt.date | str | None = None,
          formats: tuple[str, ...] = ("xlsx", "html", "eml"), history: Path | str | None = None) -> Edition:
    """Build and publish an edition: the files in `outdir` and its record in the history, all or nothing.

    Raises WorkbookHasErrors (nothing written) when the workbook has errors; its `args[0].findings` lists them.
    """
    from .build import build as run_build
    from .present.words import headline, verdict_line

    result = run_build(Path(workbook), Path(outdir), _date(edition), formats,
                       Path(history) if history is not None else None)
    briefing = result.briefing
    return Edition(briefing.masthead.edition, briefing.verdict.state, headline(briefing),
                   briefing.verdict.score, briefing.verdict.followers, tuple(result.paths), result.history,
                   tuple(result.check.findings), tuple(result.warnings), verdict_line(briefing))


def explain(workbook: Path | str, edition: dt.date | str | None = None) -> Explanation:
    """The verdict's working for an edition, traced to the workbook's cells (report/explain.py).

    Raises WorkbookHasErrors when the workbook has errors (its `args[0].findings` lists them), and what `check`
    raises.
    """
    from .check import check_file
    from .contradictions import CODES
    from .errors import WorkbookHasErrors
    from .explain import explain as run_explain

    result = check_file(Path(workbook), edition=_date(edition))
    if result.tracker is None or result.view is None or result.locate is None:
        raise WorkbookHasErrors(result)
    return run_explain(result.tracker, result.view, result.locate,
                       tuple(f for f in result.findings if f.code in CODES))


def history(database: Path | str = Path("out/history.sqlite")) -> HistoryRecords:
    """The editions, sends, approvals, corrections and desk actions recorded in `database`.

    Raises HistoryError when there is no database there, or it is not one or is damaged.
    """
    from .publish import open_history

    with open_history(Path(database)) as db:
        return HistoryRecords(tuple(db.editions()), tuple(db.sends()), tuple(db.approvals()),
                              tuple(db.corrections()), tuple(db.actions()))


def send(target: Path | str, *, server: str = "localhost:25", security: str = "none", user: str | None = None,
         password: str | None = None, to: tuple[str, ...] = (), bcc: tuple[str, ...] = (), dry_run: bool = False,
         outdir: Path | str = "out", edition: dt.date | str | None = None, history: Path | str | None = None,
         cafile: Path | str | None = None, deadline: float | str = 120.0, repeat: str | None = None) -> list[str]:
    """Send an .eml as it is, or a workbook built first; the lines `report send` prints (the plan, for a dry run).

    `security` is "none", "starttls" or "ssl"; `deadline` is in seconds, from 1 to 3600. `repeat` says what a
    second send of an edition is: "correction" or "resend" (`report send --correction | --resend`). Raises
    MailError when the message cannot be built or sent, or is a repeat not said to be one.
    """
    from .send import Request, run

    request = Request(Path(target), tuple(to), tuple(bcc), server, security,
                      Path(cafile) if cafile is not None else None, user, password, dry_run, Path(outdir),
                      _date(edition), Path(history) if history is not None else None, deadline, repeat)
    return run(request).lines


def archive(site: Path | str, history: Path | str = Path("out/history.sqlite")) -> ArchiveResult:
    """Write the web archive of `history` into `site` (`report archive`): what it wrote (relative to the site;
    unchanged files are left as they were), how many editions it holds, and its warnings. Raises OutputError
    when there is no history or the folder cannot be written."""
    from .archive import archive as run_archive

    return run_archive(Path(site), Path(history))
