"""The briefing's email as a message: how it is addressed, and reading, re-addressing and describing an .eml.

No network here (report/smtp.py delivers) and no printing. The header rules are report/safety.py's; this
module only turns their refusals into sentences for the email (fix Settings and build again).

How a briefing is addressed, like a newsletter:
    From:             the Sender setting, named by the Publication when it gives no name of its own
    To:               the List address setting, or else the Sender (recipients never see each other)
    Bcc:              the Recipients setting (kept in the .eml; never transmitted, see smtp.py)
    Reply-To:         the Reply-To setting, when given
    List-Id:          from the List address, when given (RFC 2919)
    List-Unsubscribe: the Unsubscribe setting as a mailto: link, when given (RFC 2369)
    X-Report-Edition: the edition date (Date and Message-ID are made fresh at each send)
    X-Report-Sign-Off: "required" or "not required", with X-Report-Approver naming the Editor
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from . import safety
from .errors import MailError, ReportError, UsageError
from .safety import Unsafe

if TYPE_CHECKING:
    from .briefing import Mailing


class _Titled(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def publication(self) -> str | None: ...


class Addressed(Protocol):
    """What addressing a message reads: a Presentation (or a Briefing) has these."""

    @property
    def mailing(self) -> Mailing: ...
    @property
    def sender(self) -> str | None: ...
    @property
    def recipients(self) -> tuple[str, ...]: ...
    @property
    def masthead(self) -> _Titled: ...

EDITION_HEADER = "X-Report-Edition"
SIGN_OFF_HEADER = "X-Report-Sign-Off"
APPROVER_HEADER = "X-Report-Approver"
# A briefing's headers are short; a longer one is not from `report build`, and the email package's header
# parser takes minutes on a header of megabytes, so it is refused before any header is parsed.
MAX_HEADER_CHARS = 65_536  # a subject naming every follower stays far below; 2 MB would take minutes
MAX_HEADERS = 200


# -- the header rules, as sentences about the email ---------------------------------------------------------


def check_header_text(value: str, what: str) -> str:
    """`value` unchanged if its characters are safe in a header (safety.one_line); MailError naming `what` if not.

    No length limit here: cell text was held to one at its cell by `check`, and a composed text (the verdict
    headline names every follower) must not fail the build for a length `check` could not see. A composed
    header should go through safety.header_text, which caps it, before it reaches the email package.
    """
    try:
        return safety.one_line(value, limit=None)
    except Unsafe as unsafe:
        raise MailError(f"{what} {unsafe.reason}, which could forge email headers: fix it on the Settings sheet "
                        "and build again.") from None


def parse_address(text: str, what: str) -> Address:
    """Exactly one address (safety.address), or MailError naming `what`."""
    try:
        return safety.address(text)
    except Unsafe as unsafe:
        raise MailError(f"{what}: {unsafe.reason}. Fix it on the Settings sheet and build again.") from None


def msgid_domain(sender: Address | None) -> str:
    """The domain for Message-ID and Content-ID: the sender's, so the ids are ours and not the build host's."""
    return sender.domain if sender is not None else "report.invalid"


def new_msgid(label: str, domain: str) -> str:
    """'<2026-06-01.9f1c2a7b3d4e5f60@example.com>': unique, and short enough that no header folds it.

    (email.utils.make_msgid's ids are longer: folded onto a continuation line, some readers keep the space.)
    """
    return f"<{label}.{secrets.token_hex(8)}@{domain}>"


# -- addressing a briefing ------------------------------------------------------------------------------------


ADDRESS_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "List-Id", "List-Unsubscribe", SIGN_OFF_HEADER,
                   APPROVER_HEADER)


def list_id(title: str, address: Address) -> str:
    """'"The bifurcation briefing" <briefing.example.com>': the list's name and its address as an id."""
    label = safety.display_name(title)  # safety's rule for a name in an address header
    return f'"{label}" <{address.username}.{address.domain}>'


def address_message(message: EmailMessage, briefing: Addressed) -> Address | None:
    """Set From, To, Bcc, Reply-To, List-Id, List-Unsubscribe and the sign-off headers (module docstring);
    return the sender as set in From (None without a Sender setting).

    Every value went through `report check`'s rules at its cell; they are applied again here, once per build,
    so a Briefing made some other way cannot forge a header either.
    """
    mailing = briefing.mailing
    sender = parse_address(briefing.sender, "The Sender setting") if briefing.sender else None
    recipients = tuple(parse_address(r, "The Recipients setting") for r in briefing.recipients)
    listed = parse_address(mailing.list_address, "The List address setting") if mailing.list_address else None
    reply_to = parse_address(mailing.reply_to, "The Reply-To setting") if mailing.reply_to else None
    for name in ADDRESS_HEADERS:
        del message[name]
    if sender is not None:
        # Inboxes show the sender's name: the Sender setting's own, else the Publication (the masthead's).
        publication = briefing.masthead.publication
        if not sender.display_name and publication and safety.display_name(publication):
            sender = Address(display_name=safety.display_name(publication), username=sender.username,
                             domain=sender.domain)
        message["From"] = sender
    visible = listed or sender
    if visible is not None:
        message["To"] = visible
    if recipients:
        message["Bcc"] = recipients
    if reply_to is not None:
        message["Reply-To"] = reply_to
    if listed is not None:
        message["List-Id"] = list_id(briefing.masthead.title, listed)
    if mailing.unsubscribe:
        try:
            message["List-Unsubscribe"] = f"<{safety.mailto(mailing.unsubscribe)}>"
        except Unsafe as unsafe:
            raise MailError(f"The Unsubscribe setting: {unsafe.reason}. Fix it on the Settings sheet and build "
                            "again.") from None
    message[SIGN_OFF_HEADER] = "required" if mailing.sign_off_required else "not required"
    if mailing.sign_off_required and mailing.editor:
        message[APPROVER_HEADER] = safety.header_text(mailing.editor)
    return sender


# -- reading ---------------------------------------------------------------------------------------


def read_bytes(path: Path) -> bytes:
    """The bytes of the .eml at `path`, or MailError saying what is wrong with the path."""
    path = Path(path)
    if not path.exists():
        raise MailError(f"There is no file at {path}: run 'report build WORKBOOK' first, or give the path of a "
                        "briefing .eml.")
    if not path.is_file():
        raise MailError(f"{path} is not a regular file: give the path of a briefing .eml.")
    try:
        return path.read_bytes()
    except OSError as error:
        raise MailError(f"Cannot read {path} ({error.strerror}): check the file's permissions.") from error


def parse(data: bytes, path: Path) -> EmailMessage:
    """The message in `data` (read from `path`), its headers bounded before any is parsed; else MailError."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except RecursionError:
        raise _too_deep(path) from None
    assert isinstance(message, EmailMessage)
    raw = message.raw_items()  # the header lines as written: nothing is parsed yet
    for count, (name, value) in enumerate(raw, start=1):
        if count > MAX_HEADERS or len(value) > MAX_HEADER_CHARS:
            raise MailError(f"{path} has a {name} header of {len(value):,} characters (or over {MAX_HEADERS} "
                            "headers), which no briefing has: give the .eml that 'report build' wrote.")
    with damaged(path):
        named = any(message[name] for name in ("From", "To", "Subject", "Message-ID"))
    if not data.strip() or not named:
        raise MailError(f"{path} is not an email message (no From, To or Subject header): give the .eml that "
                        "'report build' wrote.")
    return message


def _too_deep(path: Path) -> MailError:
    # The email package reads and walks nested parts recursively: thousands of levels exhaust Python's stack.
    return MailError(f"{path} nests its parts too deeply to be read (no briefing nests them more than a few "
                     "levels): give the .eml that 'report build' wrote.")


@contextmanager
def damaged(path: Path) -> Iterator[None]:
    """Turn the email package's failures on a malformed message (a bad charset, an encoding it cannot undo, a
    header it cannot parse or write back) into one sentence about the file: our own errors pass through."""
    try:
        yield
    except ReportError:
        raise
    except RecursionError:
        raise _too_deep(path) from None
    except (ValueError, LookupError, TypeError, IndexError, KeyError, AttributeError, MessageError) as error:
        raise MailError(f"{path} is a damaged email message ({type(error).__name__}: {str(error)[:80]}): give the "
                        ".eml that 'report build' wrote, or build it again.") from error


def check_writable(message: EmailMessage, path: Path) -> bytes:
    """The message as it would be transmitted; MailError if the email package cannot write it back."""
    with damaged(path):
        return message.as_bytes(policy=policy.SMTP)


def read_eml(path: Path) -> EmailMessage:
    """The message stored at `path` (an .eml written by `report build`), or MailError saying what is wrong."""
    return parse(read_bytes(path), Path(path))


def sha256(data: bytes) -> str:
    """The hex SHA-256 of an .eml's bytes: what an approval is of."""
    return hashlib.sha256(data).hexdigest()


def edition_of(message: Message) -> dt.date | None:
    """The edition date in the message's X-Report-Edition header, or None if it has none (or a bad one)."""
    value = message.get(EDITION_HEADER)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def sign_off_required(message: Message) -> bool:
    """Whether the edition must be approved before it is sent (the build wrote it into the message)."""
    return str(message.get(SIGN_OFF_HEADER, "")).strip().lower() == "required"


def approver_of(message: Message) -> str | None:
    """Who the build named to approve the edition (the Editor setting), if anyone."""
    value = message.get(APPROVER_HEADER)
    return safety.header_text(str(value)) if value else None


# -- recipients and envelope -----------------------------------------------------------------------


def _option_address(text: str, option: str) -> Address:
    try:
        return safety.address(text)
    except Unsafe as unsafe:
        raise UsageError(f"{option}: {unsafe.reason}. Give one address per {option} (repeat it for more).") \
            from None


def replace_recipients(message: EmailMessage, addrs: tuple[str, ...]) -> None:
    """Send to `addrs` instead (--to): each must be exactly one address. Replaces To and drops Cc and Bcc."""
    if not addrs:
        raise UsageError("No address was given: write --to desk@example.com (repeat it for more).")
    addresses = tuple(_option_address(a, "--to") for a in addrs)
    for name in ("To", "Cc", "Bcc"):
        del message[name]
    message["To"] = addresses


def bcc_addresses(addrs: tuple[str, ...] | list[str]) -> list[str]:
    """The --bcc addresses, each checked once (exactly one address each), as they go in the envelope.

    They stay out of the message: a Bcc header is never transmitted, and the email package parses a header of
    thousands of addresses in quadratic time (10,000 took a minute), so `report send` keeps them beside it."""
    return [_option_address(a, "--bcc").addr_spec for a in addrs]


def _header_addresses(message: Message, names: tuple[str, ...]) -> list[str]:
    values = [str(v) for name in names for v in (message.get_all(name) or [])]
    return [addr for _, addr in getaddresses(values) if addr]


def visible_recipients(message: Message) -> list[str]:
    """The addresses every reader sees (To and Cc)."""
    return _header_addresses(message, ("To", "Cc"))


def hidden_recipients(message: Message) -> list[str]:
    """The addresses no reader sees (Bcc)."""
    return _header_addresses(message, ("Bcc",))


def envelope(message: Message, bcc: list[str] | tuple[str, ...] = ()) -> tuple[str | None, list[str]]:
    """(envelope sender, envelope recipients): From (or Sender), and To + Cc + Bcc + `bcc`, without duplicates."""
    senders = _header_addresses(message, ("Sender",)) or _header_addresses(message, ("From",))
    recipients = safety.distinct_addresses([*_header_addresses(message, ("To", "Cc", "Bcc")), *bcc])
    return (senders[0] if senders else None), recipients


def check_envelope(message: Message, bcc: list[str] | tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The envelope, each address held to safety.address; MailError if there is no sender or recipient.

    `bcc` (from bcc_addresses) is added to the recipients; those addresses were checked already."""
    sender, header_recipients = envelope(message)
    checked = {safety.address_key(a) for a in bcc}
    sender, recipients = envelope(message, bcc)
    if not sender:
        raise MailError("The message has no sender: fill in Sender on the Settings sheet and build again.")
    if not recipients:
        raise MailError("The message has no recipients: give --to desk@example.com, or fill in Recipients on the "
                        "Settings sheet and build again.")
    for addr in (sender, *(r for r in header_recipients if safety.address_key(r) not in checked)):
        try:
            safety.address(addr)
        except Unsafe as unsafe:
            raise MailError(f"The message's address {unsafe.reason}: fix it on the Settings sheet and build "
                            "again, or give --to.") from None
    return sender, recipients


def freshen(message: EmailMessage, sender: str, now: dt.datetime | None = None) -> None:
    """A new Date and Message-ID for this send: a mail program drops a second message with an id it has seen."""
    edition = edition_of(message)
    del message["Date"]
    del message["Message-ID"]
    message["Date"] = format_datetime(now or dt.datetime.now().astimezone())
    message["Message-ID"] = new_msgid(edition.isoformat() if edition else "briefing", sender.rpartition("@")[2])


# -- describing ------------------------------------------------------------------------------------------


def size_text(count: int) -> str:
    """'812 bytes', '95.3 KB'."""
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"


def parts(part: Message, depth: int = 0) -> list[str]:
    """The MIME tree, one indented line per part with its size, file name and Content-ID."""
    line = "  " * (depth + 1) + part.get_content_type()
    if part.is_multipart():
        lines = [line]
        for child in part.get_payload():
            if isinstance(child, Message):
                lines += parts(child, depth + 1)
        return lines
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    notes = [size_text(size)]
    if part.get_filename():
        notes.append(str(part.get_filename()))
    disposition = part.get_content_disposition()
    if disposition:
        notes.append(disposition)
    if part.get("Content-ID"):
        notes.append(f"Content-ID {part['Content-ID']}")
    return [f"{line}  ({', '.join(notes)})"]


SHOWN_ADDRESSES = 20  # a dry run names this many Bcc addresses, then says how many more


def describe(message: EmailMessage, bcc: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The message in words: who sees what, subject, edition, list headers, size and parts. `bcc`: addresses
    sent to as well, hidden, that are not in the message (report send's --bcc)."""
    sender, _ = envelope(message)
    visible = visible_recipients(message)
    hidden = safety.distinct_addresses([*hidden_recipients(message), *bcc])
    named = ", ".join(hidden[:SHOWN_ADDRESSES])
    if len(hidden) > SHOWN_ADDRESSES:
        named += f" and {len(hidden) - SHOWN_ADDRESSES:,} more"
    lines = [
        f"From:       {sender or '(none: fill in Sender on the Settings sheet)'}",
        f"To:         {', '.join(visible) if visible else '(none)'}",
        f"Bcc:        {len(hidden):,} hidden address{'es' if len(hidden) != 1 else ''}"
        + (f" ({named})" if hidden else ""),
        f"Subject:    {' '.join(str(message.get('Subject', '')).split())}",
    ]
    for name in ("Reply-To", "List-Id", "List-Unsubscribe"):
        if message.get(name):
            lines.append(f"{name + ':':<11} {' '.join(str(message[name]).split())}")
    edition = edition_of(message)
    if edition:
        lines.append(f"Edition:    {edition.isoformat()}")
    lines.append(f"Size:       {size_text(len(message.as_bytes(policy=policy.SMTP)))}")
    lines.append("Parts:")
    lines += parts(message)
    return lines
