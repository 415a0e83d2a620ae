"""Delivering a message over SMTP: a thin layer over `smtplib` with one overall deadline. It never prints.

Every failure is a MailError (or UsageError) with one sentence naming the real cause: nothing listening, a
silent server (a time-out), a server that does not speak SMTP, refused recipients, TLS, login. The password
never appears in one.
"""

from __future__ import annotations

import ipaddress
import math
import re
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from .errors import MailError, UsageError

TIMEOUT = 30.0  # seconds: a server that says nothing for this long is not going to
DEADLINE = 120.0  # seconds for a whole send: a server that keeps talking slowly cannot hold it longer
DEADLINE_RANGE = (1.0, 3600.0)  # seconds: below one no server answers; above an hour it is no deadline
SECURITIES = ("none", "starttls", "ssl")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
PASSWORD_VARIABLE = "REPORT_SMTP_PASSWORD"


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


def server_text(host: str, port: int) -> str:
    """'smtp.example.com:587', '[::1]:25'."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def deadline_seconds(value: float | str) -> float:
    """A deadline (--timeout) as seconds: a finite number from 1 to 3600; UsageError with a sentence if not.

    (inf has no deadline at all, and a thread timer cannot even start on 1e308; nan compares false with
    everything, so a send would wait for ever and then blame the server.)"""
    low, high = DEADLINE_RANGE
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and low <= seconds <= high):
        shown = value if isinstance(value, str) else f"{value:g}"
        raise UsageError(f"--timeout {shown} is not a number of seconds from {low:g} to {high:g}: give one such as "
                         f"--timeout {DEADLINE:g}.")
    return seconds


def check_security(security: str) -> None:
    """UsageError unless `security` is one of SECURITIES."""
    if security not in SECURITIES:
        raise UsageError(f"'{security}' is not a connection security: choose from {', '.join(SECURITIES)}.")


def check_login(host: str, security: str, user: str | None, password: str | None) -> None:
    """Refuse a login without a password, or one whose password would cross the network unencrypted."""
    if user is None:
        return
    if not password:
        raise MailError(f"--user {user} needs a password: set it in the environment variable {PASSWORD_VARIABLE} "
                        "(it is never read from the command line).")
    if security == "none" and not is_local(host):
        raise MailError(f"Refusing to send the password for {user} unencrypted to {host}: add --starttls (usually "
                        "port 587) or --ssl (usually port 465).")


def plan(host: str, port: int, security: str, user: str | None, password: str | None, deadline: float) -> list[str]:
    """The connection a send would make, in words (for --dry-run): TLS, login, password, deadline."""
    local = is_local(host)
    plain = ("none: plain SMTP, not encrypted " + ("(the server is this machine, so nothing crosses the network)"
             if local else ": the message crosses the network as it is (add --starttls or --ssl to encrypt it)"))
    tls = {"none": plain.replace(" :", ":"),
           "starttls": "STARTTLS: connect in plain text, then upgrade to TLS before anything is sent",
           "ssl": "TLS from the first byte (implicit TLS)"}[security]
    if user is None:
        login = "none (no --user)"
    elif security != "none":
        login = f"as {user}, after TLS"
    else:
        login = f"as {user}, without TLS (allowed only because the server is this machine)"
    return [
        f"Server:     {server_text(host, port)}",
        f"TLS:        {tls}",
        f"Login:      {login}",
        f"Password:   {PASSWORD_VARIABLE} is {'set' if password else 'not set'}",
        f"Deadline:   {deadline:g} seconds for the whole send",
    ]


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


class _Expired(Exception):
    """The overall deadline passed."""


class _NotSmtp(Exception):
    """The server's greeting is not an SMTP reply."""

    def __init__(self, greeting: str) -> None:
        super().__init__(greeting)
        self.greeting = greeting


class _Lines:
    """The server's reply stream, remembering the last line read (smtplib keeps only what follows the code)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.last = b""

    def readline(self, size: int = -1) -> bytes:
        self.last = self.stream.readline(size)
        return bytes(self.last)

    def close(self) -> None:
        self.stream.close()


# The stages of a send, in order; a failure is named by the one it happened in (see _STAGE_WORDS).
STAGES = ("connect", "TLS", "login", "MAIL", "RCPT", "DATA", "after DATA")


class _Client(smtplib.SMTP):
    """smtplib.SMTP that tells a time-out from a closed connection, and a non-SMTP greeting from an error, and
    knows which stage of the send it is in (`stage`, one of STAGES)."""

    stage = "connect"
    _content_next = False  # the server said 354: what is sent next is the message itself

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            self.file = _Lines(self.sock.makefile("rb"))  # type: ignore[assignment]
        try:
            code, text = super().getreply()
        except smtplib.SMTPServerDisconnected as error:
            # smtplib reports a read that timed out as "Connection unexpectedly closed".
            if isinstance(error.__context__, TimeoutError):
                raise TimeoutError from None
            raise
        if code == -1:  # the line did not start with a three-digit code
            line = self.file.last if isinstance(self.file, _Lines) else text
            raise _NotSmtp(line.decode("utf-8", "replace"))
        if self.stage == "DATA" and code == 354:
            self._content_next = True
        return code, text

    def send(self, s: Any) -> None:
        super().send(s)
        if self._content_next:
            # The whole message, ending in its final dot, is with the server: from here on it may deliver it
            # even if we never hear its answer.
            self._content_next = False
            self.stage = "after DATA"

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.stage = "TLS"
        return super().starttls(*args, **kwargs)

    def login(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.stage = "login"
        return super().login(*args, **kwargs)

    def mail(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.stage = "MAIL"
        return super().mail(*args, **kwargs)

    def rcpt(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.stage = "RCPT"
        return super().rcpt(*args, **kwargs)

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.stage = "DATA"
        return super().data(msg)


class _ClientSSL(smtplib.SMTP_SSL, _Client):
    """Implicit TLS, with _Client's replies: the TLS stage is the handshake, before the greeting."""

    stage = "TLS"

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        self.stage = "connect"
        return sock  # type: ignore[no-any-return]


class _Watchdog:
    """Shuts the connection's socket down when the deadline passes, which wakes any blocked read or write."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.client: smtplib.SMTP | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self.client.sock if self.client is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._timer.cancel()


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


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
    return f"{error.smtp_code} {' '.join(text.split())}".strip()


def silence_limit(deadline: float) -> float:
    """How long one read or write may wait: TIMEOUT, but well inside the deadline, so that a silent server is
    reported as silent rather than as slow."""
    return min(TIMEOUT, deadline / 2)


def _connect(watchdog: _Watchdog, host: str, port: int, security: str, context: ssl.SSLContext) -> smtplib.SMTP:
    timeout = silence_limit(watchdog.seconds)
    smtp: smtplib.SMTP = _ClientSSL(timeout=timeout, context=context) if security == "ssl" else _Client(timeout=timeout)
    smtp._host = host  # type: ignore[attr-defined]  # what TLS checks the certificate against; smtplib sets it only when given a host up front
    watchdog.client = smtp
    try:
        smtp.connect(host, port)
        if watchdog.expired:
            raise _Expired
        if security == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(f"The server {server_text(host, port)} does not offer STARTTLS: try --ssl (usually "
                                "port 465), or ask its administrator.")
            smtp.starttls(context=context)
            smtp.ehlo()
        else:
            smtp.ehlo_or_helo_if_needed()  # part of connecting, so a server that hangs up here is named so
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


def send(message: EmailMessage, sender: str, recipients: list[str], host: str, port: int, security: str = "none",
         user: str | None = None, password: str | None = None, cafile: Path | None = None,
         deadline: float = DEADLINE) -> Sent:
    """Deliver `message` from `sender` to `recipients` through the SMTP server at host:port, within `deadline`
    seconds in all.

    `security` is "none", "starttls" or "ssl". The password is only sent encrypted, or to this machine.
    """
    deadline = deadline_seconds(deadline)
    check_security(security)
    check_login(host, security, user, password)
    context = _tls_context(cafile)
    server = server_text(host, port)
    smtp: smtplib.SMTP | None = None
    with _Watchdog(deadline) as watchdog:
        try:
            smtp = _connect(watchdog, host, port, security, context)
            refused = _deliver(smtp, message, sender, recipients, user, password)
            if watchdog.expired:
                raise _Expired
        except MailError:
            raise
        except Exception as error:  # noqa: BLE001 - each cause gets its own sentence below
            stage = getattr(smtp or watchdog.client, "stage", "connect")
            if watchdog.expired or isinstance(error, _Expired):
                outcome = (_MAY_HAVE_ARRIVED if stage == "after DATA" else
                           "nothing was sent; check the server, or try again later.")
                raise MailError(f"The send through {server} did not finish within {deadline:g} seconds "
                                f"{_STAGE_WORDS[stage][0]} (the server was too slow, or kept the connection busy): "
                                f"{outcome}") from None
            raise _explain(error, host, port, sender, silence_limit(deadline), stage) from None
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


_MAY_HAVE_ARRIVED = ("the message may have been delivered. Ask a recipient whether it arrived (or the server's "
                     "administrator) before sending again, or readers may get it twice.")
# Each stage: when it was, in words, and what to do when the server hangs up or falls silent there.
_STAGE_WORDS = {
    "connect": ("while greeting (connect)",
                ("nothing was sent; check the port, and whether it needs --ssl (usually 465) or --starttls (usually "
                "587).")),
    "TLS": ("during the TLS handshake (TLS)",
            "nothing was sent; check whether the port wants --ssl (usually 465) or --starttls (usually 587)."),
    "login": ("during the login (AUTH)",
              "nothing was sent; check --user and REPORT_SMTP_PASSWORD, or ask the server's administrator."),
    "MAIL": ("when given the sender {sender} (MAIL FROM)",
             "nothing was sent; use a Sender address the server accepts, or log in with --user."),
    "RCPT": ("when given the recipients (RCPT TO)",
             "nothing was sent; check the addresses, and whether the server limits how many one message may have."),
    "DATA": ("before taking the message (DATA)",
             ("nothing was sent; the server may be busy or limit the message's size: try again later, or ask its "
             "administrator.")),
    "after DATA": ("after the whole message was sent, before confirming it (after DATA)", _MAY_HAVE_ARRIVED),
}


def _explain(error: Exception, host: str, port: int, sender: str, timeout: float,
             stage: str = "connect") -> MailError:
    """One sentence for what went wrong while talking to the server, at `stage` (one of STAGES)."""
    server = server_text(host, port)
    when, advice = _STAGE_WORDS.get(stage, _STAGE_WORDS["connect"])
    when = when.format(sender=sender)
    hung_up = isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError,
                                 ssl.SSLEOFError, ssl.SSLZeroReturnError))
    if hung_up and stage != "connect" or isinstance(error, smtplib.SMTPServerDisconnected):
        return MailError(f"The server {server} closed the connection {when}: {advice}")
    if isinstance(error, TimeoutError) and stage != "connect":
        return MailError(f"The server {server} did not answer within {timeout:g} seconds {when}: {advice}")
    if isinstance(error, _NotSmtp):
        shown = " ".join(error.greeting.split())[:60] or "nothing readable"
        return MailError(f"The server at {server} does not speak SMTP (it said '{shown}'): check the port in "
                         "--smtp (usually 25, 587 or 465).")
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return MailError(f"The server {server} refused every recipient: {_refused(error.recipients)}. Nothing was "
                         "sent; check the addresses.")
    if isinstance(error, smtplib.SMTPSenderRefused):
        if error.smtp_code == 530:  # "Must issue a STARTTLS command first" / "Authentication required"
            return MailError(f"The server {server} wants encryption or a login first ({_reply(error)}): add "
                             "--starttls (or --ssl), and --user if it needs one.")
        return MailError(f"The server {server} refused the sender {sender} ({_reply(error)}): use a Sender address "
                         "the server accepts, or log in with --user.")
    if isinstance(error, smtplib.SMTPDataError):
        return MailError(f"The server {server} refused the message ({_reply(error)}).")
    if isinstance(error, smtplib.SMTPConnectError):
        return MailError(f"The server {server} would not take mail now ({_reply(error)}): try again later, or ask "
                         "its administrator.")
    if isinstance(error, smtplib.SMTPResponseException):
        return MailError(f"The server {server} answered with an error ({_reply(error)}).")
    if isinstance(error, ssl.SSLCertVerificationError):
        return MailError(f"The TLS certificate of {host} could not be verified ({error.verify_message}): check the "
                         "host name, or give --cafile with the CA that signed it.")
    if isinstance(error, ssl.SSLError):
        return MailError(f"TLS with {server} failed ({error.reason or error}): check whether the port wants --ssl "
                         "(usually 465) or --starttls (usually 587).")
    if isinstance(error, socket.gaierror):
        return MailError(f"Cannot find the server {host}: check the name in --smtp.")
    if isinstance(error, TimeoutError):
        return MailError(f"The server {server} did not answer within {timeout:g} seconds: check --smtp (a "
                         "server that says nothing may not be a mail server) and the network.")
    if isinstance(error, ConnectionRefusedError):
        return MailError(f"Nothing is listening at {server}: check --smtp, and that the mail server is running.")
    if isinstance(error, (smtplib.SMTPException, OSError)):
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return MailError(f"Cannot send through {server} ({reason}): check --smtp and the network.")
    raise error


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError, _NotSmtp):
        smtp.close()
