"""The desk's state and work, without any web type: the live check, previews that write nothing, and the
actions (publish, approve, send), each through the same code as its command and recorded in the history.

Paths come only from how the desk was started (the workbook, the output folder, the history): a request
gives at most an edition date, a view name, a person's name or a number, never a file.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import html
import os
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from pathlib import Path

from .. import eml
from ..analysis import analyse
from ..briefing import Briefing
from ..build import FORMATS, render
from ..build import build as run_build
from ..check import CheckResult, check_file
from ..errors import ReportError, WorkbookHasErrors
from ..findings import Finding, summary
from ..history import ActionRow, ApprovalRow, EditionRow, History, PreviousEdition, SendRow
from ..preflight import GMAIL_CLIP, Problem
from ..preflight import check as preflight
from ..present import present
from ..present.views import ChangesView
from ..present.words import verdict_line
from ..send import Request, approve, describe, prepare, run
from ..watch import fingerprint, saves, settle

SETTLE_PAUSE = 0.15  # seconds a save must stay unchanged before it is checked (report watch waits 0.4)
DRAFTS_KEPT = 4  # previews kept rendered (an edition date each), so the frames of one preview render once


class Refused(ReportError):
    """The desk refused an action the editor asked for (the sentence says why)."""


@dataclass(frozen=True)
class Smtp:
    """The SMTP options the desk was started with (as `report send` takes them); the password is read from
    REPORT_SMTP_PASSWORD at each send, never from the page."""

    server: str = "localhost:25"
    security: str = "none"
    cafile: Path | None = None
    user: str | None = None
    deadline: float = 120.0


@dataclass(frozen=True)
class Config:
    """Everything a desk may touch: one workbook read, one folder and one history written."""

    workbook: Path
    outdir: Path
    history: Path
    smtp: Smtp = Smtp()


@dataclass(frozen=True)
class Checked:
    """One look at the workbook, as the Check screen shows it."""

    version: int
    when: dt.datetime
    findings: tuple[Finding, ...] = ()
    verdict: str = ""  # "Edition 2026-06-01: TOO EARLY — …", when the workbook has no error
    unusable: str = ""  # the sentence saying why the file cannot be used now
    sha256: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level == "error")

    @property
    def summary(self) -> str:
        return self.unusable or summary(list(self.findings))

    def by_sheet(self) -> list[tuple[str, list[Finding]]]:
        """The findings grouped by sheet, in the order the checker found them (workbook-wide ones first)."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.sheet or "The workbook", []).append(finding)
        return list(groups.items())


@dataclass(frozen=True)
class Draft:
    """The edition as it would be built now, rendered in memory: nothing written."""

    edition: dt.date
    briefing: Briefing
    check: CheckResult
    files: dict[str, bytes]
    warnings: list[str]
    message: EmailMessage
    problems: list[Problem]
    sender: str | None
    readers: int
    changes: ChangesView  # what changed since the edition before it in the history

    @property
    def verdict(self) -> str:
        return verdict_line(self.briefing)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject") or "")

    @property
    def from_(self) -> str:
        return str(self.message.get("From") or "")

    @property
    def html_part(self) -> bytes:
        part = _part(self.message, "text/html")
        return _decoded(part) if part is not None else b""

    @property
    def text_part(self) -> str:
        part = _part(self.message, "text/plain")
        return _decoded(part).decode(part.get_content_charset() or "utf-8", "replace") if part is not None else ""

    @property
    def preheader(self) -> str:
        found = re.search(rb'<div class="preheader"[^>]*>(.*?)</div>', self.html_part, re.DOTALL)
        return html.unescape(found.group(1).decode("utf-8", "replace")).strip() if found else ""

    @property
    def budget(self) -> str:
        """The size budget in words: the HTML part against Gmail's clip, and the whole message."""
        size = len(self.html_part)
        share = 100 * size / GMAIL_CLIP
        return (f"HTML {size / 1024:.1f} KB of Gmail's {GMAIL_CLIP // 1024} KB clip ({share:.0f}%); "
                f"the whole message {len(self.files['eml']) / 1024:.1f} KB with the workbook attached")

    @property
    def within_budget(self) -> bool:
        return len(self.html_part) <= GMAIL_CLIP

    def email_html(self, dark: bool) -> str:
        """The HTML part as an inbox shows it: its inline images in place (data: URIs for cid: links) and its
        colour scheme fixed to light or dark, whatever the desk's own browser prefers."""
        part = _part(self.message, "text/html")
        text = _decoded(part).decode(part.get_content_charset() or "utf-8", "replace") if part else ""
        for image in self.message.walk():
            cid = str(image.get("Content-ID") or "").strip().strip("<>")
            if cid and image.get_content_maintype() == "image":
                uri = f"data:{image.get_content_type()};base64,{base64.b64encode(_decoded(image)).decode('ascii')}"
                text = text.replace(f"cid:{cid}", uri)
        return re.sub(r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)", "@media all" if dark else "@media not all",
                      text)


@dataclass(frozen=True)
class SignOff:
    """Whether an edition must be approved, by whom, and the approvals of the file as it is now."""

    required: bool
    approver: str | None
    approved: list[ApprovalRow]  # of these exact bytes
    outdated: list[ApprovalRow]  # of an earlier file of the same edition


@dataclass(frozen=True)
class Plan:
    """`report send --dry-run`'s plan for an edition, and how many readers a real send reaches."""

    edition: dt.date
    lines: list[str]
    readers: int
    repeat: str | None = None  # what a second send of the edition is: "correction" or "resend" (send's --correction)


@dataclass
class Past:
    """The History screen: editions, approvals, sends and the desk's actions, newest first."""

    editions: list[EditionRow] = field(default_factory=list)
    approvals: list[ApprovalRow] = field(default_factory=list)
    sends: list[SendRow] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)


def _part(message: Message, content_type: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == content_type and part.get_content_disposition() != "attachment":
            return part
    return None


def _decoded(part: Message | None) -> bytes:
    payload = part.get_payload(decode=True) if part is not None else None
    return payload if isinstance(payload, bytes) else b""


def _offer(queue: asyncio.Queue[Checked | None], checked: Checked | None) -> None:
    """Give a page the newest look; a page that has fallen behind only needs the latest."""
    while queue.full():
        queue.get_nowait()
    queue.put_nowait(checked)


class Desk:
    """One desk: the live check (a thread waiting for saves), previews, and the actions, taken one at a time."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._acting = threading.Lock()  # one action at a time (the folder lock guards against other processes)
        self._drafting = threading.Lock()
        self._drafts: OrderedDict[tuple[object, ...], Draft] = OrderedDict()
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Checked | None]]] = set()
        self._closing = False
        self._listening = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checked = self._look(1)

    # -- the live check -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start waiting for the editor's saves (a thread; the watch machinery of `report watch`)."""
        self._thread = threading.Thread(target=self._watch, name="desk-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        for _ in saves(self.config.workbook, self._stop):
            checked = self._look(self.checked.version + 1)
            if (checked.sha256, checked.unusable) == (self.checked.sha256, self.checked.unusable) and checked.sha256:
                continue  # the same bytes: a save that changed nothing, or a second event of one save
            self.checked = checked
            with self._listening:
                listeners = list(self._listeners)
            for loop, queue in listeners:
                loop.call_soon_threadsafe(_offer, queue, checked)

    def _look(self, version: int) -> Checked:
        try:
            return self._check(version)
        except Exception as error:  # noqa: BLE001 - the live check must outlive any one bad look
            return Checked(version, dt.datetime.now(), unusable=f"An unexpected problem stopped the check "
                           f"({type(error).__name__}: {error}); save again, or run report check to see more.")

    def _check(self, version: int) -> Checked:
        workbook = self.config.workbook
        try:
            # watchfiles has already waited for the saving to go quiet; a shorter pause keeps the page within
            # two seconds of a save (a file still being written is read again all the same).
            result = settle(workbook, lambda: check_file(workbook), pause=SETTLE_PAUSE)
        except ReportError as error:
            return Checked(version, dt.datetime.now(), unusable=str(error))
        verdict = ""
        if result.tracker is not None and result.view is not None:
            try:
                briefing = analyse(result.view, result.findings, self._previous(result.view.edition))
                verdict = verdict_line(briefing)
            except ReportError as error:
                verdict = str(error)
        return Checked(version, dt.datetime.now(), tuple(result.findings), verdict, sha256=result.sha256)

    def subscribe(self) -> asyncio.Queue[Checked | None]:
        """A queue that receives each new look at the workbook (call from the event loop); None when the desk
        closes, so that the pages' event streams end instead of holding the server open."""
        queue: asyncio.Queue[Checked | None] = asyncio.Queue(maxsize=16)
        with self._listening:
            self._listeners.add((asyncio.get_running_loop(), queue))
            if self._closing:
                queue.put_nowait(None)
        return queue

    def close_streams(self) -> None:
        """End every page's event stream (Ctrl-C: the server then stops at once)."""
        with self._listening:
            self._closing = True
            listeners = list(self._listeners)
        for loop, queue in listeners:
            loop.call_soon_threadsafe(_offer, queue, None)

    def unsubscribe(self, queue: asyncio.Queue[Checked | None]) -> None:
        with self._listening:
            self._listeners = {entry for entry in self._listeners if entry[1] is not queue}

    def annotated(self) -> tuple[str, bytes]:
        """(file name, bytes) of the workbook copy with every finding marked (`check --annotate`), made in a
        temporary folder and removed: the desk writes nothing beside the workbook."""
        from ..annotate import annotate

        workbook = self.config.workbook
        result = check_file(workbook)
        name = f"{workbook.stem}-marked.xlsx"
        with tempfile.TemporaryDirectory(prefix="report-desk-") as folder:
            out = Path(folder) / name
            annotate(workbook, out, result.findings, result.sha256)
            return name, out.read_bytes()

    # -- previews -------------------------------------------------------------------------------------------

    def _previous(self, edition: dt.date) -> PreviousEdition | None:
        history = self.config.history
        if not history.is_file() or not history.stat().st_size:
            return None
        with History(history, create=False, read_only=True) as db:
            return db.previous(edition)

    def draft(self, edition: dt.date | None = None) -> Draft:
        """The edition `report build` would write now (for `edition`, else the one it would choose), rendered in
        memory; WorkbookHasErrors when the workbook has errors. Kept while the workbook and history are unchanged."""
        key = (edition, fingerprint(self.config.workbook), fingerprint(self.config.history), dt.date.today())
        with self._drafting:
            if key in self._drafts:
                self._drafts.move_to_end(key)
                return self._drafts[key]
            draft = self._render(edition)
            self._drafts[key] = draft
            while len(self._drafts) > DRAFTS_KEPT:
                self._drafts.popitem(last=False)
            return draft

    def _render(self, edition: dt.date | None) -> Draft:
        # The steps of report/build.py's build(), short of writing: check, the previous edition, analyse, render.
        result = check_file(self.config.workbook, dt.date.today(), edition)
        if result.tracker is None or result.view is None:
            raise WorkbookHasErrors(result)
        chosen = result.view.edition
        briefing = analyse(result.view, result.findings, self._previous(chosen))
        files, warnings = render(briefing, FORMATS)
        message = eml.parse(files["eml"], self.config.outdir / f"{briefing.stem}.eml")
        sender, recipients = eml.envelope(message)
        return Draft(chosen, briefing, result, files, warnings, message, preflight(message), sender, len(recipients),
                     present(briefing).changes)

    # -- publish ----------------------------------------------------------------------------------------------

    def files(self, edition: dt.date) -> dict[str, Path]:
        """The three files of `edition` in the output folder, those that exist."""
        paths = {fmt: self.config.outdir / f"briefing-{edition.isoformat()}.{fmt}" for fmt in FORMATS}
        return {fmt: path for fmt, path in paths.items() if path.is_file()}

    def publish(self, edition: dt.date | None) -> tuple[Briefing, list[Path], list[str]]:
        """Build and publish exactly as `report build` does (its function: the journal, the lock, the history)."""
        with self._acting:
            try:
                result = run_build(self.config.workbook, self.config.outdir, edition, FORMATS, self.config.history)
            except WorkbookHasErrors as error:
                errors = len(error.args[0].errors)
                self._record("build", edition, f"refused: the workbook has {errors} error{'s' if errors != 1 else ''}")
                raise
            except ReportError as error:
                self._record("build", edition, f"failed: {error}")
                raise
            built = result.briefing.masthead.edition
            self._record("build", built, f"published {result.briefing.verdict.state}: "
                                         f"{', '.join(p.name for p in result.paths)}")
            return result.briefing, result.paths, result.warnings

    # -- sign-off and send ----------------------------------------------------------------------------------------

    def built(self) -> list[dt.date]:
        """The editions whose email is in the output folder, newest first."""
        found = []
        for path in self.config.outdir.glob("briefing-*.eml"):
            try:
                found.append(dt.date.fromisoformat(path.stem.removeprefix("briefing-")))
            except ValueError:
                continue
        return sorted(found, reverse=True)

    def eml_path(self, edition: dt.date) -> Path:
        path = self.config.outdir / f"briefing-{edition.isoformat()}.eml"
        if not path.is_file():
            raise Refused(f"The edition of {edition.isoformat()} has not been built: build it first.")
        return path

    def sign_off(self, edition: dt.date) -> SignOff:
        """Who must approve the edition's email, and the approvals of its bytes. Whether it is required comes from
        the history (as `report send` decides it) or the message asking for it; the send itself decides again."""
        path = self.eml_path(edition)
        data = eml.read_bytes(path)
        message = eml.parse(data, path)
        digest = eml.sha256(data)
        required = eml.sign_off_required(message)
        found: list[ApprovalRow] = []
        if self.config.history.is_file() and self.config.history.stat().st_size:
            with History(self.config.history, create=False, read_only=True) as db:
                found = db.approvals(edition)
                rule = db.sign_off(edition, digest)
            required = required or any(built is not None and built.required for built in (rule.by_bytes, rule.claimed))
        return SignOff(required, eml.approver_of(message), [a for a in found if a.sha256 == digest],
                       [a for a in found if a.sha256 != digest])

    def approve(self, edition: dt.date, name: str) -> str:
        """`report approve EML --by NAME`, for the edition's .eml in the output folder."""
        with self._acting:
            try:
                sentence = approve(self.eml_path(edition), name, self.config.history)
            except ReportError as error:
                self._record("approve", edition, f"refused: {error}")
                raise
            self._record("approve", edition, sentence)
            return sentence

    def _request(self, edition: dt.date, dry_run: bool, repeat: str | None) -> Request:
        smtp = self.config.smtp
        return Request(self.eml_path(edition), server=smtp.server, security=smtp.security, cafile=smtp.cafile,
                       user=smtp.user, password=os.environ.get("REPORT_SMTP_PASSWORD"), dry_run=dry_run,
                       outdir=self.config.outdir, history=self.config.history, deadline=smtp.deadline,
                       repeat=repeat)

    def plan(self, edition: dt.date, repeat: str | None = None) -> Plan:
        """`report send --dry-run` (with `--correction` or `--resend` as `repeat` says): every check a send makes,
        and its plan; nothing sent, no connection."""
        with self._acting:
            request = self._request(edition, dry_run=True, repeat=repeat)
            try:
                prepared = prepare(request)
            except ReportError as error:
                self._record("send plan", edition, f"refused: {error}")
                raise
            problems = [f"Preflight:  {problem.line()}" for problem in preflight(prepared.message)]
            lines = describe(prepared, request) + (problems or ["Preflight:  nothing to fix: ready to send"])
            plan = Plan(edition, lines, len(prepared.recipients), repeat)
            self._record("send plan", edition, f"shown: {plan.readers} reader{'s' if plan.readers != 1 else ''}")
            return plan

    def send(self, edition: dt.date, typed: str, repeat: str | None = None) -> list[str]:
        """Send the edition's email, only when `typed` is the number of readers it goes to (`repeat` as for plan)."""
        with self._acting:
            request = self._request(edition, dry_run=False, repeat=repeat)
            try:
                readers = len(prepare(request).recipients)
                if typed.strip() != str(readers):
                    raise Refused(f"Not sent: this edition goes to {readers} reader{'s' if readers != 1 else ''}; "
                                  f"type {readers} to confirm (you typed '{typed.strip()[:20]}').")
                lines = run(request).lines
            except ReportError as error:
                self._record("send", edition, f"refused: {error}")
                raise
            self._record("send", edition, lines[-1] if lines else "sent")
            return lines

    # -- history ----------------------------------------------------------------------------------------------

    def past(self) -> Past:
        history = self.config.history
        if not history.is_file() or not history.stat().st_size:
            return Past()
        with History(history, create=False, read_only=True) as db:  # a look writes nothing, not even a migration
            return Past(sorted(db.editions(), key=lambda e: e.edition, reverse=True), db.approvals()[::-1],
                        db.sends()[::-1], db.actions()[::-1])

    def _record(self, action: str, edition: dt.date | None, outcome: str) -> None:
        with History(self.config.history) as db:
            db.record_action(action, edition, outcome[:2000])

