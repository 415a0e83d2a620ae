"""Reading, checking and sending the briefing's email. A thin layer over `email` and `smtplib`; it never prints.

Header safety lives here too, so that building (render/email.py) and sending check text the same way:
cell text that reaches a header must not hold a line break, a NUL or an RFC 2047 encoded word, and an
address must be exactly one plain address.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import secrets
import smtplib
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path

from .errors import MailError, UsageError
from .values import LINE_BREAKS, header_problem

TIMEOUT = 30.0  # seconds: a server that says nothing for this long is not going to
SECURITIES = ("none", "starttls", "ssl")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
PASSWORD_VARIABLE = "REPORT_SMTP_PASSWORD"

_ADDR_SPEC = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _show(text: str, limit: int = 60) -> str:
    """A value quoted for a message, with its line breaks made visible rather than obeyed."""
    shown = text.encode("unicode_escape").decode("ascii") if any(ch in LINE_BREAKS for ch in text) else text
    return "'" + (shown if len(shown) <= limit else shown[: limit - 3] + "...") + "'"


def check_header_text(value: str, what: str) -> str:
    """`value` unchanged if it is safe in a header; MailError naming `what` if it could forge one."""
    problem = header_problem(value)
    if problem == "line break":
        raise MailError(f"{what} {_show(value)} holds a line break or control character, which could forge email "
                        "headers: remove it and build again.")
    if problem == "encoded word":
        raise MailError(f"{what} {_show(value)} holds '=?', the start of an encoded email header word, which mail "
                        "programs may decode into forged headers: remove it and build again.")
    return value


def parse_address(text: str, what: str) -> Address:
    """Exactly one address ('desk@example.com' or 'Desk <desk@example.com>'), or MailError saying why not."""
    check_header_text(text, what)
    try:
        header = policy.default.header_factory("To", text.strip())
        groups = header.groups
        defects = header.defects
    except (MessageError, IndexError, ValueError):
        groups, defects = (), ()
        header = None
    if header is None or defects:
        raise MailError(f"{what} {_show(text)} is not an email address; expected one such as desk@example.com.")
    addresses = [a for g in groups for a in g.addresses]
    if len(addresses) != 1 or any(g.display_name is not None for g in groups):
        raise MailError(f"{what} {_show(text)} holds {len(addresses)} addresses; give exactly one (repeat --to for "
                        "more, or separate Recipients with ;).")
    address = addresses[0]
    if not _ADDR_SPEC.match(address.addr_spec):
        raise MailError(f"{what} {_show(text)} is not a plain email address; expected one such as desk@example.com "
                        "(ASCII letters, digits and a domain with a dot).")
    check_header_text(address.display_name, what)
    return address


def msgid_domain(sender: Address | None) -> str:
    """The domain for Message-ID and Content-ID: the sender's, so the ids are ours and not the build host's."""
    return sender.domain if sender is not None else "report.invalid"


def new_msgid(label: str, domain: str) -> str:
    """'<2026-06-01.9f1c2a7b3d4e5f60@example.com>': unique, and short enough that no header folds it.

    (email.utils.make_msgid's ids are longer: folded onto a continuation line, some readers keep the space.)
    """
    return f"<{label}.{secrets.token_hex(8)}@{domain}>"


# -- reading ---------------------------------------------------------------------------------------


def read_eml(path: Path) -> EmailMessage:
    """The message stored at `path` (an .eml written by `report build`), or MailError saying what is wrong."""
    path = Path(path)
    if not path.exists():
        raise MailError(f"There is no file at {path}: run 'report build WORKBOOK' first, or give the path of a "
                        "briefing .eml.")
    if not path.is_file():
        raise MailError(f"{path} is a folder, not an email file: give the path of a briefing .eml.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MailError(f"Cannot read {path} ({error.strerror}): check the file's permissions.") from error
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    if not data.strip() or not any(message[name] for name in ("From", "To", "Subject", "Message-ID")):
        raise MailError(f"{path} is not an email message (no From, To or Subject header): give the .eml that "
                        "'report build' wrote.")
    return message


def edition_of(message: Message) -> dt.date | None:
    """The edition date in the message's X-Report-Edition header, or None if it has none (or a bad one)."""
    value = message.get("X-Report-Edition")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


# -- recipients and envelope -----------------------------------------------------------------------


def replace_recipients(message: EmailMessage, addrs: tuple[str, ...]) -> None:
    """Send to `addrs` instead: each must be exactly one address. Replaces To and drops Cc and Bcc."""
    if not addrs:
        raise MailError("No address was given: write --to desk@example.com (repeat it for more).")
    addresses = tuple(parse_address(a, "The address --to") for a in addrs)
    for name in ("To", "Cc", "Bcc"):
        del message[name]
    message["To"] = addresses


def _header_addresses(message: Message, names: Iterable[str]) -> list[str]:
    values = [str(v) for name in names for v in (message.get_all(name) or [])]
    return [addr for _, addr in getaddresses(values) if addr]


def envelope(message: Message) -> tuple[str | None, list[str]]:
    """(envelope sender, envelope recipients): From (or Sender), and To + Cc + Bcc, without duplicates."""
    senders = _header_addresses(message, ("Sender",)) or _header_addresses(message, ("From",))
    recipients: list[str] = []
    for addr in _header_addresses(message, ("To", "Cc", "Bcc")):
        if addr.casefold() not in {r.casefold() for r in recipients}:
            recipients.append(addr)
    return (senders[0] if senders else None), recipients


def _check_envelope(message: Message) -> tuple[str, list[str]]:
    sender, recipients = envelope(message)
    if not sender:
        raise MailError("The message has no sender: fill in Sender on the Settings sheet and build again.")
    if not recipients:
        raise MailError("The message has no recipients: give --to desk@example.com, or fill in Recipients on the "
                        "Settings sheet and build again.")
    for addr in (sender, *recipients):
        parse_address(addr, "The address")
    return sender, recipients


# -- the server ------------------------------------------------------------------------------------


def parse_server(text: str) -> tuple[str, int]:
    """'smtp.example.com:587' or '[::1]:25' -> (host, port); UsageError if it is not HOST:PORT."""
    raw = text.strip()
    example = "write it as HOST:PORT, e.g. smtp.example.com:587 (or [::1]:25 for an IPv6 address)"
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})", raw) or re.fullmatch(r"([^\s:\[\]/@]+):(\d{1,5})", raw)
    if not match:
        raise UsageError(f"--smtp '{text}' is not a server address: {example}.")
    host, port = match.group(1), int(match.group(2))
    if raw.startswith("["):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UsageError(f"--smtp '{text}' has '{host}' in brackets, which is not an IPv6 address: "
                             f"{example}.") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"--smtp '{text}' has port {port}; a port is a number from 1 to 65535.")
    return host, port


def is_local(host: str) -> bool:
    """Whether `host` is this machine, where a password cannot be overheard on the wire."""
    if host.lower() in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _server(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# -- dry run ---------------------------------------------------------------------------------------


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"


def _parts(part: Message, depth: int = 0) -> list[str]:
    line = "  " * (depth + 1) + part.get_content_type()
    if part.is_multipart():
        lines = [line]
        for child in part.get_payload():
            if isinstance(child, Message):
                lines += _parts(child, depth + 1)
        return lines
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    notes = [_size(size)]
    if part.get_filename():
        notes.append(str(part.get_filename()))
    disposition = part.get_content_disposition()
    if disposition:
        notes.append(disposition)
    if part.get("Content-ID"):
        notes.append(f"Content-ID {part['Content-ID']}")
    return [f"{line}  ({', '.join(notes)})"]


def describe(message: EmailMessage, host: str, port: int) -> str:
    """What `send` would do, in words: envelope, server, subject and parts. Connects to nothing."""
    sender, recipients = envelope(message)
    whole = len(message.as_bytes(policy=policy.SMTP))
    lines = [
        "Dry run: nothing was sent and no connection was made.",
        f"Server:     {_server(host, port)}",
        f"From:       {sender or '(none: fill in Sender on the Settings sheet)'}",
        f"To:         {', '.join(recipients) if recipients else '(none: give --to ADDR or fill in Recipients)'}",
        f"Subject:    {' '.join(str(message.get('Subject', '')).split())}",
        f"Message-ID: {message.get('Message-ID', '(none: one is added when sending)')}",
    ]
    edition = edition_of(message)
    if edition:
        lines.append(f"Edition:    {edition.isoformat()}")
    lines.append(f"Size:       {_size(whole)}")
    lines.append("Parts:")
    lines += _parts(message)
    return "\n".join(lines)


# -- sending ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A delivered message: its Message-ID and the recipients the server accepted."""

    message_id: str
    recipients: list[str] = field(default_factory=list)


class PartlyRefused(MailError):
    """The server took the message for some recipients and refused others; `sent` says who got it."""

    def __init__(self, message: str, sent: Sent) -> None:
        super().__init__(message)
        self.sent = sent


def _tls_context(cafile: Path | None) -> ssl.SSLContext:
    # The system's trust store, plus the given CA (a company or test CA) rather than instead of it.
    context = ssl.create_default_context()
    if cafile is not None:
        try:
            context.load_verify_locations(cafile=str(cafile))
        except (OSError, ssl.SSLError) as error:
            raise MailError(f"Cannot use {cafile} as a CA certificate ({error}): give a PEM file of the CA that "
                            "signed the server's certificate.") from error
    return context


def _check_login(host: str, security: str, user: str | None, password: str | None) -> None:
    if user is None:
        return
    if not password:
        raise MailError(f"--user {user} needs a password: set it in the environment variable {PASSWORD_VARIABLE} "
                        "(it is never read from the command line).")
    if security == "none" and not is_local(host):
        raise MailError(f"Refusing to send the password for {user} unencrypted to {host}: add --starttls (usually "
                        "port 587) or --ssl (usually port 465).")


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
    return f"{error.smtp_code} {' '.join(text.split())}".strip()


def _connect(host: str, port: int, security: str, context: ssl.SSLContext) -> smtplib.SMTP:
    if security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
    if security == "starttls":
        try:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(f"The server {_server(host, port)} does not offer STARTTLS: try --ssl (usually port "
                                "465), or ask its administrator.")
            smtp.starttls(context=context)
            smtp.ehlo()
        except BaseException:
            smtp.close()  # send() never saw this connection, so it cannot close it
            raise
    return smtp


def _deliver(smtp: smtplib.SMTP, message: EmailMessage, sender: str, recipients: list[str], user: str | None,
             password: str | None) -> dict[str, tuple[int, bytes]]:
    if user is not None and password:
        try:
            smtp.login(user, password)
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(f"The server refused the login for {user} ({_reply(error)}): check --user and "
                            f"{PASSWORD_VARIABLE}.") from None
        except smtplib.SMTPNotSupportedError:
            raise MailError("The server does not offer a login (AUTH) on this connection: add --starttls or --ssl, "
                            "or leave out --user.") from None
    # send_message drops any Bcc header from what it transmits; the envelope still reaches those addresses.
    return smtp.send_message(message, from_addr=sender, to_addrs=recipients)


def _refused(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr} ({code} {reply.decode('utf-8', 'replace').strip()})" for addr, (code, reply) in
                     refused.items())


def send(message: EmailMessage, host: str, port: int, security: str = "none", user: str | None = None,
         password: str | None = None, cafile: Path | None = None) -> Sent:
    """Deliver `message` to its To, Cc and Bcc through the SMTP server at host:port.

    `security` is "none", "starttls" or "ssl". The password is only sent encrypted, or to this machine.
    Every failure is a MailError with one sentence; the password never appears in one.
    """
    if security not in SECURITIES:
        raise UsageError(f"'{security}' is not a connection security: choose from {', '.join(SECURITIES)}.")
    sender, recipients = _check_envelope(message)
    _check_login(host, security, user, password)
    if not message.get("Message-ID"):
        message["Message-ID"] = new_msgid("briefing", sender.rpartition("@")[2])
    context = _tls_context(cafile)
    server = _server(host, port)
    smtp: smtplib.SMTP | None = None
    try:
        smtp = _connect(host, port, security, context)
        refused = _deliver(smtp, message, sender, recipients, user, password)
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"The server {server} refused every recipient: {_refused(error.recipients)}. Nothing was "
                        "sent; check the addresses.") from None
    except smtplib.SMTPSenderRefused as error:
        if error.smtp_code == 530:  # "Must issue a STARTTLS command first" / "Authentication required"
            raise MailError(f"The server {server} wants encryption or a login first ({_reply(error)}): add --starttls "
                            "(or --ssl), and --user if it needs one.") from None
        raise MailError(f"The server {server} refused the sender {sender} ({_reply(error)}): use a Sender address "
                        "the server accepts, or log in with --user.") from None
    except smtplib.SMTPDataError as error:
        raise MailError(f"The server {server} refused the message ({_reply(error)}).") from None
    except smtplib.SMTPServerDisconnected:
        raise MailError(f"The server {server} closed the connection: check the port, and whether it needs --ssl or "
                        "--starttls.") from None
    except smtplib.SMTPResponseException as error:
        raise MailError(f"The server {server} answered with an error ({_reply(error)}).") from None
    except ssl.SSLCertVerificationError as error:
        raise MailError(f"The TLS certificate of {host} could not be verified ({error.verify_message}): check the "
                        "host name, or give --cafile with the CA that signed it.") from None
    except ssl.SSLError as error:
        raise MailError(f"TLS with {server} failed ({error.reason or error}): check whether the port wants --ssl "
                        "(usually 465) or --starttls (usually 587).") from None
    except socket.gaierror:
        raise MailError(f"Cannot find the server {host}: check the name in --smtp.") from None
    except TimeoutError:
        raise MailError(f"The server {server} did not answer within {TIMEOUT:.0f} seconds: check --smtp and the "
                        "network.") from None
    except ConnectionRefusedError:
        raise MailError(f"Nothing is listening at {server}: check --smtp, and that the mail server is running.") \
            from None
    except (smtplib.SMTPException, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise MailError(f"Cannot send through {server} ({reason}): check --smtp and the network.") from None
    finally:
        if smtp is not None:
            _quit(smtp)
    message_id = str(message["Message-ID"]).strip()
    accepted = [r for r in recipients if r not in refused]
    if refused:
        raise PartlyRefused(f"Sent {message_id} to {len(accepted)} of {len(recipients)} recipients, but the server "
                            f"{server} refused {_refused(refused)}: fix those addresses and send to them with --to.",
                            Sent(message_id, accepted))
    return Sent(message_id, accepted)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
