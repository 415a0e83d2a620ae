"""The send flow: resolve the target (building it if it is a workbook), address it, check sign-off, then
either describe the plan (--dry-run) or deliver it and record the send. It never prints.

A dry run goes through exactly the same checks as a real send, in the same order, so it refuses what a
real send refuses with the same sentence and exit code; it only stops before connecting.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from . import eml, safety, smtp
from .errors import MailError, UsageError
from .history import EditionSignOff, History, SignOffRecord
from .safety import Unsafe, one_line


@dataclass(frozen=True)
class Request:
    """What `report send` was asked to do."""

    target: Path
    to: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    server: str = "localhost:25"
    security: str = "none"
    cafile: Path | None = None
    user: str | None = None
    password: str | None = None
    dry_run: bool = False
    outdir: Path = Path("out")
    edition: dt.date | None = None
    history: Path | None = None
    deadline: float | str = smtp.DEADLINE  # seconds, from 1 to 3600 (smtp.deadline_seconds)
    repeat: str | None = None  # "correction" or "resend": what a repeat of a sent edition is


@dataclass
class Prepared:
    """A message ready to go: every check passed."""

    eml_path: Path
    message: EmailMessage
    sender: str
    recipients: list[str]
    host: str
    port: int
    history: Path
    built: bool = False
    notes: list[str] = field(default_factory=list)
    deadline: float = smtp.DEADLINE
    bcc: list[str] = field(default_factory=list)  # --bcc: in the envelope (recipients), never in the message
    sha256: str | None = None  # of the .eml's bytes as read
    kind: str = "first"  # first, correction or resend


@dataclass(frozen=True)
class Outcome:
    """What happened: lines to show, and what was sent (None for a dry run)."""

    lines: list[str]
    sent: smtp.Sent | None = None


def prepare(request: Request) -> Prepared:
    """Every check a send makes before connecting, in order; MailError or UsageError at the first failure."""
    deadline = smtp.deadline_seconds(request.deadline)
    smtp.check_security(request.security)
    host, port = smtp.parse_server(request.server)
    target = _resolve(request)
    message = eml.parse(target.data, target.path)
    with eml.damaged(target.path):
        if request.to:
            eml.replace_recipients(message, request.to)
        bcc = eml.bcc_addresses(request.bcc)  # beside the message, never in it: see eml.bcc_addresses
        sender, recipients = eml.check_envelope(message, bcc)
        notes = _check_sign_off(message, target)
        smtp.check_login(host, request.security, request.user, request.password)
        kind, repeat_note = check_repeat(message, target.data, target.path, target.history, request.repeat)
        notes = [*notes, *repeat_note]
        eml.freshen(message, sender)
    eml.check_writable(message, target.path)  # what smtplib will write: refused now, not half-way through a send
    return Prepared(target.path, message, sender, recipients, host, port, target.history, target.built, notes,
                    deadline, bcc, eml.sha256(target.data), kind)


def _at(stamp: str) -> str:
    """'on 7 Dec 2026 at 09:12 UTC' from a history timestamp (shown as stored if it does not parse)."""
    try:
        when = dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)
    except ValueError:
        return f"at {stamp}"
    return f"on {when.day} {when:%b %Y} at {when:%H:%M} UTC"


def _readers(count: int) -> str:
    return f"{count} reader{'s' if count != 1 else ''}"


def check_repeat(message: EmailMessage, data: bytes, path: Path, history_path: Path,
                 repeat: str | None) -> tuple[str, list[str]]:
    """Refuse a repeat of an edition already sent unless told what it is (--correction or --resend); the send's
    kind (first, correction, resend) and a note for the dry run."""
    from .render.email import CORRECTION_HEADER

    edition = eml.edition_of(message)
    sends = []
    if edition is not None and history_path.is_file():
        with History(history_path, create=False, read_only=True) as db:  # a dry run writes nothing
            sends = db.sent(edition)
    corrected = message.get(CORRECTION_HEADER)
    if not sends:
        if repeat == "resend":
            raise UsageError(f"--resend: edition {edition.isoformat() if edition else '(unknown)'} has not been sent "
                             "yet; send it without --resend.")
        if repeat == "correction":
            raise UsageError(f"--correction: edition {edition.isoformat() if edition else '(unknown)'} has not been "
                             "sent yet, so there is nothing to correct; send it without --correction.")
        return "first", []
    assert edition is not None
    last = sends[-1]
    when = f"Edition {edition.isoformat()} was sent {_at(last.sent_at)} to {_readers(last.recipients)}" + (
        f" ({len(sends)} sends in all)" if len(sends) > 1 else "")
    same = any(s.sha256 == eml.sha256(data) for s in sends if s.sha256)
    if same:
        if repeat == "resend":
            return "resend", [f"Repeat:     {when}; this is the same file, sent again (--resend)"]
        raise MailError(f"{when}, and {path} is that very file: to send it again (to --to one reader who missed "
                        "it, say), add --resend.")
    if corrected:
        if repeat == "correction":
            return "correction", [f"Repeat:     {when}; this is its correction of {corrected} (--correction)"]
        raise MailError(f"{when}; {path} is a corrected edition (rebuilt on {corrected}, its subject starts "
                        "'Correction:'): send it with --correction.")
    if repeat == "resend":
        return "resend", [f"Repeat:     {when}; this file was rebuilt since, with no record changed (--resend)"]
    if repeat == "correction":
        raise MailError(f"{when}; {path} is not marked as a correction (it was built before that send, or with "
                        "another history): build the edition again, so it says what was corrected, then send it "
                        "with --correction.")
    raise MailError(f"{when}; {path} is a rebuild of it with nothing corrected: to send it again anyway, add "
                    "--resend.")


@dataclass(frozen=True)
class _Target:
    """The message to send: its path and bytes, its history, and (a dry run's build) what it would record."""

    path: Path
    data: bytes
    history: Path
    built: bool
    record: SignOffRecord | None = None  # what the build would record; None: ask the history


def _resolve(request: Request) -> _Target:
    """An .eml as it is; a workbook built first. A dry run builds in a temporary folder and records nothing."""
    target = request.target
    if target.suffix.lower() == ".eml":
        history = request.history or target.parent / "history.sqlite"
        _recover(history, request.dry_run)
        return _Target(target, eml.read_bytes(target), history, False)
    from .build import build

    if not request.dry_run:
        result = build(target, request.outdir, request.edition, ("xlsx", "html", "eml"), request.history)
        path = next(p for p in result.paths if p.suffix == ".eml")
        return _Target(path, eml.read_bytes(path), result.history, True)
    # The same build a real send makes, compared with the same history, but its files go to a folder that is
    # deleted and the history is only read: a dry run writes nothing anywhere.
    history = request.history or request.outdir / "history.sqlite"
    _recover(history, dry_run=True)
    with tempfile.TemporaryDirectory(prefix="report-dry-run-") as folder:
        result = build(target, Path(folder), request.edition, ("xlsx", "html", "eml"), history, record=False)
        path = next(p for p in result.paths if p.suffix == ".eml")
        data = eml.read_bytes(path)
    built = EditionSignOff(result.briefing.masthead.edition, result.briefing.mailing.sign_off_required)
    return _Target(request.outdir / path.name, data, history, True, SignOffRecord(built, built, built, eml.sha256(data)))


def _recover(history: Path, dry_run: bool) -> None:
    """First finish, or roll back, a publish that a killed build left half-done. A dry run writes nothing of its
    own, so it only does this when a killed publish left its journal (the one repair every command makes)."""
    from .publish import journal_path, recover

    if dry_run and not (journal_path(history).exists() or history.with_name(history.name + "-journal").exists()):
        return
    recover(history)


def _history_record(target: _Target, edition: dt.date | None, digest: str) -> tuple[SignOffRecord, bool]:
    """What the history says about these bytes (read-only), and whether there is a history at all."""
    if target.record is not None:
        return target.record, True
    path = target.history
    if not path.is_file() or not path.stat().st_size:
        return SignOffRecord(None, None, None, digest), False
    with History(path, create=False, read_only=True) as db:
        return db.sign_off(edition, digest), True


def _rule(message: EmailMessage, record: SignOffRecord, known: bool, history: Path,
          fresh: bool = False) -> tuple[bool, str]:
    """Whether sign-off is required, and why in words: from the history, whatever the headers say. A header may
    ask for sign-off; it never waives it. `fresh`: the record is of a dry run's build, which a real send would
    record first."""
    def said(built: EditionSignOff) -> str:
        if fresh:
            return (f"edition {built.edition.isoformat()} is built with Sign-off required "
                    f"{'Yes' if built.required else 'No'}, as a real send would record it in the history")
        return (f"the history records edition {built.edition.isoformat()} as built with Sign-off required "
                f"{'Yes' if built.required else 'No'}")

    if record.by_bytes is not None and record.by_bytes.required:
        return True, said(record.by_bytes)
    if record.claimed is not None and record.claimed.required:
        return True, said(record.claimed)
    if record.by_bytes is None and record.latest is not None and record.latest.required:
        # Bytes the history never built, under any edition (or none): the desk's setting, as last built, rules.
        return True, (f"the history does not know this message, and its latest edition "
                      f"({record.latest.edition.isoformat()}) was built with Sign-off required Yes")
    if eml.sign_off_required(message):
        return True, f"the message asks for it ({eml.SIGN_OFF_HEADER}: required)"
    if record.by_bytes is not None:
        return False, said(record.by_bytes)
    if record.claimed is not None:
        return False, said(record.claimed)
    if not known:
        return False, f"there is no history at {history} to require it, and the message does not ask for it"
    if not record.recorded:
        return False, (f"the history at {history} was written by an earlier version, which did not record "
                       "sign-off, and the message does not ask for it")
    return False, f"no edition in the history at {history} was built with Sign-off required Yes"


def _check_sign_off(message: EmailMessage, target: _Target) -> list[str]:
    """Refuse an edition that needs sign-off and has none for these exact bytes; the dry run's line on sign-off.

    The rule comes from the history (History.sign_off), never from the message's headers, which anyone holding
    the file can edit: see _rule."""
    path, history_path = target.path, target.history
    edition = eml.edition_of(message)
    digest = eml.sha256(target.data)
    record, known = _history_record(target, edition, digest)
    required, why = _rule(message, record, known, history_path, fresh=target.record is not None)
    if not required:
        return [f"Sign-off:   not required ({why})"]
    who = eml.approver_of(message)
    asked = f"{who} (the Editor in Settings)" if who else "the editor in charge"
    approve = f"report approve {path} --by NAME --history {history_path}"
    if edition is None:
        raise MailError(f"{path} needs sign-off but names no edition (no X-Report-Edition header): build it "
                        "again with 'report build'.")
    found = []
    if known and target.history.is_file():
        with History(history_path, create=False, read_only=True) as db:
            found = db.approvals(edition)
    matching = [a for a in found if a.sha256 == digest]
    if matching:
        last = matching[-1]
        return [f"Sign-off:   required ({why}); approved by {last.approved_by} at {last.approved_at}"]
    if found:
        last = found[-1]
        raise MailError(f"Edition {edition.isoformat()} was approved by {last.approved_by} at {last.approved_at}, "
                        f"but {path} has changed since (it is not the file that was approved): ask {asked} to "
                        f"look at it again and run '{approve}'.")
    raise MailError(f"Edition {edition.isoformat()} needs sign-off before it is sent and nobody has approved it: "
                    f"ask {asked} to read {path} and run '{approve}'.")


def describe(prepared: Prepared, request: Request) -> list[str]:
    """The dry run's plan: the connection, the envelope, who sees whom, and the message."""
    hidden = {safety.address_key(a) for a in [*eml.hidden_recipients(prepared.message), *prepared.bcc]}
    shown = [r for r in prepared.recipients if safety.address_key(r) not in hidden]
    lines = ["Dry run: nothing was sent and no connection was made; a real send would do this:"]
    lines += smtp.plan(prepared.host, prepared.port, request.security, request.user, request.password,
                       prepared.deadline)
    lines.append(f"Envelope:   from {prepared.sender} to {len(prepared.recipients)} address"
                 f"{'es' if len(prepared.recipients) != 1 else ''} ({len(shown)} visible, "
                 f"{len(prepared.recipients) - len(shown)} in Bcc)")
    lines += eml.describe(prepared.message, prepared.bcc)
    lines += prepared.notes
    lines.append(f"Message-ID: a new one at each send (this run made {prepared.message['Message-ID']})")
    return lines


def run(request: Request) -> Outcome:
    """Prepare, then describe (dry run) or deliver and record. PartlyRefused is recorded, then raised."""
    prepared = prepare(request)
    lines = []
    if prepared.built:
        lines.append("Built the edition in a temporary folder (a dry run keeps no file and records nothing)."
                     if request.dry_run else f"Built {prepared.eml_path}")
    if request.dry_run:
        with eml.damaged(prepared.eml_path):
            return Outcome(lines + describe(prepared, request))
    try:
        sent = smtp.send(prepared.message, prepared.sender, prepared.recipients, prepared.host, prepared.port,
                         request.security, request.user, request.password, request.cafile, prepared.deadline)
    except smtp.PartlyRefused as partly:
        # Some recipients did get it: that send happened and belongs in the history.
        _record(prepared, partly.sent)
        raise
    _record(prepared, sent)
    count = len(sent.recipients)
    lines.append(f"Sent {sent.message_id} to {count} recipient{'s' if count != 1 else ''} via "
                 f"{smtp.server_text(prepared.host, prepared.port)}.")
    return Outcome(lines, sent)


def _record(prepared: Prepared, sent: smtp.Sent) -> None:
    edition = eml.edition_of(prepared.message)
    if edition is not None:
        with History(prepared.history) as db:
            db.record_send(edition, sent.message_id, len(sent.recipients),
                           dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), prepared.sha256, prepared.kind)


def approve(path: Path, by: str, history_path: Path | None = None) -> str:
    """Record that `by` approved the .eml at `path` (its exact bytes); the sentence to show."""
    try:
        name = " ".join(one_line(by, limit=100).split())
    except Unsafe as unsafe:
        raise UsageError(f"--by {unsafe.reason}: give the approver's name on one line.") from None
    if not name:
        raise UsageError("--by is empty: give the approver's name, e.g. --by 'A. Editor'.")
    data = eml.read_bytes(path)
    message = eml.parse(data, path)
    edition = eml.edition_of(message)
    if edition is None:
        raise MailError(f"{path} names no edition (no X-Report-Edition header): approve the .eml that "
                        "'report build' wrote.")
    history_path = history_path or path.parent / "history.sqlite"
    digest = eml.sha256(data)
    with History(history_path) as db:
        db.record_approval(edition, digest, name, str(path))
    required = "" if eml.sign_off_required(message) else " (this edition does not require sign-off)"
    return (f"Approved edition {edition.isoformat()} by {name}: {path}, SHA-256 {digest[:16]}…, recorded in "
            f"{history_path}{required}.")
