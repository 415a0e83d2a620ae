"""`report send` and `report approve`: delivery through a real SMTP server (aiosmtpd) on 127.0.0.1, plain,
STARTTLS and TLS, logins, refusals, newsletter addressing, sign-off, the dry run, and the deadline against
servers that misbehave (SPEC §5, §7; issue 11 §5-6, issue 12 §3, §5)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import shutil
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Self

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import EDITION, SAMPLE, edit_workbook, run_cli, set_cell, tiny_xlsx

from report import eml, smtp
from report.briefing import Mailing
from report.errors import MailError, UsageError
from report.present import present
from report.render.email import render_email
from report.send import Request, run

USER, PASSWORD = "desk", "s3cret-Pa55word"
NOW = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=email.policy.default).parsebytes(self.content)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    """Keeps what arrives; refuses any recipient whose address starts with 'nobody'."""

    received: list[Received] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def authenticator(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


@dataclass
class Server:
    handler: Handler
    port: int
    cafile: Path | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def cafile(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def serve(**kwargs: Any) -> Iterator[Server]:
    handler = Handler()
    port = free_port()
    if kwargs.pop("auth", False):
        kwargs["authenticator"] = handler.authenticator
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server(handler, port)
    finally:
        controller.stop()


@pytest.fixture
def plain() -> Iterator[Server]:
    """No TLS at all; logins allowed in the clear (it is localhost)."""
    yield from serve(auth=True, auth_require_tls=False)


@pytest.fixture
def starttls(ca: trustme.CA, cafile: Path) -> Iterator[Server]:
    for server in serve(auth=True, tls_context=server_context(ca), require_starttls=True):
        server.cafile = cafile
        yield server


@pytest.fixture
def smtps(ca: trustme.CA, cafile: Path) -> Iterator[Server]:
    # aiosmtpd only counts STARTTLS as TLS for AUTH; this whole connection is TLS, so allow it.
    for server in serve(auth=True, auth_require_tls=False, ssl_context=server_context(ca)):
        server.cafile = cafile
        yield server


@pytest.fixture(scope="module")
def eml_bytes(sample_briefing) -> bytes:  # type: ignore[no-untyped-def]
    return render_email(present(sample_briefing), tiny_xlsx(), now=NOW).data


@pytest.fixture
def eml_path(eml_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A folder of its own for each test: the history beside it records each send, and a second send of the same
    # edition must say what it is (--resend, --correction: tests/test_corrections.py).
    path = tmp_path_factory.mktemp("eml") / "briefing-2026-06-01.eml"
    path.write_bytes(eml_bytes)
    return path


@pytest.fixture
def listed_eml(sample_briefing, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """The sample with every newsletter setting given: a List address, Reply-To and Unsubscribe (a folder of its
    own for each test, as eml_path: a second send of an edition must say what it is)."""
    briefing = dataclasses.replace(sample_briefing, recipients=("reader-a@example.com", "B <reader-b@example.com>"),
                                   mailing=Mailing(list_address="briefing-list@example.com",
                                                   reply_to="Desk <replies@example.com>",
                                                   unsubscribe="mailto:leave@example.com?subject=unsubscribe"))
    path = tmp_path_factory.mktemp("listed") / "briefing-2026-06-01.eml"
    path.write_bytes(render_email(present(briefing), tiny_xlsx(), now=NOW).data)
    return path


def send(path: Path, server: Server | str, **kwargs: Any) -> list[str]:
    """`report send` through the send flow (no subprocess); the lines it would print."""
    address = server if isinstance(server, str) else server.address
    return run(Request(path, server=address, **kwargs)).lines


def assert_same_body(received: Received, original: EmailMessage) -> None:
    got = received.message
    for name in ("Subject", "From", "To", "X-Report-Edition"):
        assert got[name] == original[name], name
    assert [p.get_content_type() for p in got.walk()] == [p.get_content_type() for p in original.walk()]
    for mine, theirs in zip(original.walk(), got.walk()):
        if not mine.is_multipart():
            assert mine.get_payload(decode=True) == theirs.get_payload(decode=True)


# -- delivery, addressed like a newsletter -------------------------------------------------------------------


def test_plain_delivery_hides_the_recipients(plain: Server, eml_path: Path) -> None:
    original = eml.read_eml(eml_path)
    assert original["To"] == "The open-weights desk <briefing@example.com>" and original["Bcc"] == "desk@example.com"
    [line] = send(eml_path, plain)
    [received] = plain.received
    assert line == f"Sent {received.message['Message-ID']} to 2 recipients via {plain.address}."
    # The envelope reaches the Bcc address (and the sender's own copy, in To); the headers never show it.
    assert received.mail_from == "briefing@example.com"
    assert received.rcpt_tos == ["briefing@example.com", "desk@example.com"]
    assert b"desk@example.com" not in received.content and received.message["Bcc"] is None
    assert_same_body(received, original)
    assert eml.edition_of(received.message) == EDITION


def test_each_send_has_a_fresh_date_and_message_id(plain: Server, eml_path: Path) -> None:
    original = eml.read_eml(eml_path)
    send(eml_path, plain)
    send(eml_path, plain, repeat="resend")
    first, second = (r.message for r in plain.received)
    ids = {str(original["Message-ID"]), str(first["Message-ID"]), str(second["Message-ID"])}
    assert len(ids) == 3, "the build's id and each send's id differ"
    assert str(first["Message-ID"]).startswith("<2026-06-01.") and str(first["Message-ID"]).endswith("@example.com>")
    assert first["Date"] != original["Date"]  # the build's Date is NOW (2026-06-01 07:30 UTC); a send's is now
    assert first["X-Report-Edition"] == second["X-Report-Edition"] == "2026-06-01"


def test_list_headers_reply_to_and_unsubscribe(plain: Server, listed_eml: Path) -> None:
    send(listed_eml, plain, bcc=("extra@example.com",))
    [received] = plain.received
    got = received.message
    assert got["To"] == "briefing-list@example.com"
    assert got["Reply-To"] == "Desk <replies@example.com>"
    assert got["List-Id"] == '"The bifurcation briefing" <briefing-list.example.com>'
    assert got["List-Unsubscribe"] == "<mailto:leave@example.com?subject=unsubscribe>"
    assert received.rcpt_tos == ["briefing-list@example.com", "reader-a@example.com", "reader-b@example.com",
                                 "extra@example.com"]
    for hidden in (b"reader-a@example.com", b"reader-b@example.com", b"extra@example.com"):
        assert hidden not in received.content
    assert got["Bcc"] is None


def test_to_replaces_the_recipients_visibly(starttls: Server, eml_path: Path) -> None:
    send(eml_path, starttls, to=("a@example.com", "Desk B <b@example.com>"), security="starttls", user=USER,
         password=PASSWORD, cafile=starttls.cafile)
    assert starttls.handler.logins == [(USER.encode(), PASSWORD.encode())]
    [received] = starttls.received
    assert received.rcpt_tos == ["a@example.com", "b@example.com"]
    assert received.message["To"] == "a@example.com, Desk B <b@example.com>"
    assert b"desk@example.com" not in received.content


def test_starttls_login_refused(starttls: Server, eml_path: Path) -> None:
    with pytest.raises(MailError, match="refused the login for desk") as caught:
        send(eml_path, starttls, security="starttls", user=USER, password="wrong", cafile=starttls.cafile)
    assert "wrong" not in str(caught.value) and "REPORT_SMTP_PASSWORD" in str(caught.value)
    assert not starttls.received


def test_starttls_needs_the_ca(starttls: Server, eml_path: Path) -> None:
    with pytest.raises(MailError, match="certificate of 127.0.0.1 could not be verified.*--cafile"):
        send(eml_path, starttls, security="starttls")
    assert not starttls.received


def test_server_requires_starttls(starttls: Server, eml_path: Path) -> None:
    with pytest.raises(MailError, match="wants encryption or a login first \\(530 .*STARTTLS"):
        send(eml_path, starttls)


def test_implicit_tls(smtps: Server, eml_path: Path) -> None:
    send(eml_path, smtps, security="ssl", user=USER, password=PASSWORD, cafile=smtps.cafile)
    [received] = smtps.received
    assert_same_body(received, eml.read_eml(eml_path))


def test_ssl_against_a_plain_server(plain: Server, eml_path: Path) -> None:
    # The plain server greets in clear text, which the TLS handshake reads as a bad record.
    with pytest.raises(MailError, match=f"TLS with {plain.address} failed .*--ssl \\(usually 465\\)"):
        send(eml_path, plain, security="ssl")


def test_plain_localhost_login(plain: Server, eml_path: Path) -> None:
    send(eml_path, plain, user=USER, password=PASSWORD)
    assert plain.handler.logins == [(USER.encode(), PASSWORD.encode())]
    assert len(plain.received) == 1


def test_refused_recipient(plain: Server, eml_path: Path) -> None:
    with pytest.raises(MailError, match=r"refused every recipient: nobody@example.com \(550 5.1.1 No such user"):
        send(eml_path, plain, to=("nobody@example.com",))
    assert not plain.received


def test_some_recipients_refused_are_recorded(plain: Server, eml_path: Path, tmp_path: Path) -> None:
    path = tmp_path / eml_path.name
    shutil.copyfile(eml_path, path)
    with pytest.raises(smtp.PartlyRefused, match="to 1 of 2 recipients.*refused nobody@example.com") as caught:
        send(path, plain, to=("a@example.com", "nobody@example.com"))
    assert caught.value.sent.recipients == ["a@example.com"]
    assert plain.received[0].rcpt_tos == ["a@example.com"]
    history = run_cli("history", "--history", str(tmp_path / "history.sqlite"))
    assert caught.value.sent.message_id in history.stdout


def test_server_down(eml_path: Path) -> None:
    port = free_port()
    with pytest.raises(MailError, match=f"Nothing is listening at 127.0.0.1:{port}"):
        send(eml_path, f"127.0.0.1:{port}")


def test_password_rules(eml_path: Path) -> None:
    with pytest.raises(MailError, match="set it in the environment variable REPORT_SMTP_PASSWORD"):
        send(eml_path, "127.0.0.1:25", user=USER)
    # Refused before any connection: mail.example.com is never looked up.
    with pytest.raises(MailError, match="Refusing to send the password for desk unencrypted to mail.example.com: "
                                        "add --starttls") as caught:
        send(eml_path, "mail.example.com:25", user=USER, password=PASSWORD)
    assert PASSWORD not in str(caught.value)
    with pytest.raises(UsageError, match="'tls' is not a connection security"):
        send(eml_path, "127.0.0.1:25", security="tls")


# -- servers that misbehave: one deadline, one sentence each ---------------------------------------------------


class Misbehaving:
    """A tiny TCP server on 127.0.0.1 that plays `script` to each connection, then waits to be stopped."""

    def __init__(self, script: list[tuple[float, bytes]]) -> None:
        self.script = script
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            with conn:
                for pause, data in self.script:
                    if self.stop.wait(pause):
                        return
                    try:
                        conn.sendall(data)
                    except OSError:
                        break
                self.stop.wait(10)  # hold the connection open, saying nothing more (bounded)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def test_a_server_that_keeps_talking_cannot_hold_a_send_past_its_deadline(eml_path: Path) -> None:
    # "220-" promises more lines; sent every 0.1 s (a tenth of the 1 s read limit, so a busy machine cannot turn
    # it into a silence), each read succeeds, so only the overall deadline ends it.
    with Misbehaving([(0.1, b"220-still here\r\n")] * 200) as server, pytest.raises(MailError) as caught:
        send(eml_path, f"127.0.0.1:{server.port}", deadline=2)
    assert str(caught.value).startswith(f"The send through 127.0.0.1:{server.port} did not finish within 2 seconds")


def test_a_silent_server_is_a_time_out(eml_path: Path) -> None:
    with Misbehaving([]) as server, pytest.raises(MailError) as caught:
        send(eml_path, f"127.0.0.1:{server.port}", deadline=2)
    assert str(caught.value).startswith(f"The server 127.0.0.1:{server.port} did not answer within 1 seconds")


def test_a_server_that_does_not_speak_smtp(eml_path: Path) -> None:
    with Misbehaving([(0, b"SSH-2.0-OpenSSH_9.6\r\n")]) as server, pytest.raises(MailError) as caught:
        send(eml_path, f"127.0.0.1:{server.port}")
    assert str(caught.value) == (f"The server at 127.0.0.1:{server.port} does not speak SMTP (it said "
                                 "'SSH-2.0-OpenSSH_9.6'): check the port in --smtp (usually 25, 587 or 465).")


def test_a_server_that_hangs_up(eml_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = int(listener.getsockname()[1])

        def hang_up() -> None:
            conn, _ = listener.accept()
            conn.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        with pytest.raises(MailError, match=f"The server 127.0.0.1:{port} closed the connection"):
            send(eml_path, f"127.0.0.1:{port}")
        thread.join(5)


# -- the pieces ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("localhost:25", ("localhost", 25)),
    ("smtp.example.com:587", ("smtp.example.com", 587)),
    (" 127.0.0.1:2525 ", ("127.0.0.1", 2525)),
    ("[::1]:25", ("::1", 25)),
    ("[2001:db8::1]:465", ("2001:db8::1", 465)),
])
def test_parse_server(text: str, expected: tuple[str, int]) -> None:
    assert smtp.parse_server(text) == expected


@pytest.mark.parametrize("text", ["localhost", "localhost:", ":25", "host:0", "host:65536", "host:smtp", "::1:25",
                                  "[nope]:25", "a b:25", "host:25\r\nRCPT", "http://host:25"])
def test_parse_server_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="--smtp"):
        smtp.parse_server(text)


def test_read_eml_refuses(tmp_path: Path) -> None:
    with pytest.raises(MailError, match="There is no file at .*report build"):
        eml.read_eml(tmp_path / "missing.eml")
    with pytest.raises(MailError, match="is not a regular file"):
        eml.read_eml(tmp_path)
    zipped = tmp_path / "workbook.eml"
    zipped.write_bytes(SAMPLE.read_bytes())
    with pytest.raises(MailError, match="is not an email message"):
        eml.read_eml(zipped)
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    with pytest.raises(MailError, match="is not an email message"):
        eml.read_eml(empty)
    # A header of megabytes is refused before the email package parses it (its folding is slow on those).
    huge = tmp_path / "huge.eml"
    huge.write_bytes(b"From: a@example.com\r\nSubject: " + b"x " * 1_000_000 + b"\r\n\r\nbody\r\n")
    with pytest.raises(MailError, match="has a Subject header of 2,000,000 characters"):
        eml.read_eml(huge)


def test_replace_recipients_and_bcc(eml_path: Path) -> None:
    message = eml.read_eml(eml_path)
    message["Cc"] = "cc@example.com"
    eml.replace_recipients(message, ("x@example.com",))
    assert message["To"] == "x@example.com" and message["Cc"] is None and message["Bcc"] is None
    for bad in ("x@example.com, y@example.com", "x@example.com\r\nBcc: evil@example.com",
                "=?utf-8?q?x?= <x@example.com>", "x"):
        with pytest.raises(UsageError, match="^--to: .*Give one address per --to"):
            eml.replace_recipients(message, (bad,))
        with pytest.raises(UsageError, match="^--bcc: "):
            eml.bcc_addresses((bad,))
    assert message["To"] == "x@example.com", "a refused --to changes nothing"
    assert eml.bcc_addresses(("H1 <h1@example.com>", "h2@example.com")) == ["h1@example.com", "h2@example.com"]


def test_edition_of() -> None:
    message = EmailMessage()
    assert eml.edition_of(message) is None
    message["X-Report-Edition"] = "not a date"
    assert eml.edition_of(message) is None
    message.replace_header("X-Report-Edition", "2026-06-01")
    assert eml.edition_of(message) == EDITION


def test_without_sender_or_recipients_the_eml_is_still_built_and_send_says_what_to_fill_in(
        sample_briefing, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "briefing-2026-06-01.eml"
    path.write_bytes(render_email(present(dataclasses.replace(sample_briefing, sender=None, recipients=())), tiny_xlsx()).data)
    message = eml.read_eml(path)
    assert message["From"] is None and message["To"] is None and message["Bcc"] is None
    with pytest.raises(MailError, match="no sender: fill in Sender"):
        send(path, "127.0.0.1:9", dry_run=True)


# -- the command line: dry run, refusals, sign-off ---------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`report build` of the sample."""
    out = tmp_path_factory.mktemp("out")
    result = run_cli("build", str(SAMPLE), "-o", str(out), "--edition", "2026-06-01")
    assert result.returncode == 0, result.stderr
    return out


def test_cli_send(built: Path, plain: Server) -> None:
    eml_file = built / "briefing-2026-06-01.eml"
    result = run_cli("send", str(eml_file), "--smtp", plain.address, "--to", "x@example.com", "--bcc",
                     "hidden@example.com", "--user", USER, env={"REPORT_SMTP_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sent <") and f"to 2 recipients via {plain.address}." in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    [received] = plain.received
    assert received.rcpt_tos == ["x@example.com", "hidden@example.com"]
    assert b"hidden@example.com" not in received.content
    assert received.message["Message-ID"] in result.stdout
    history = run_cli("history", "--history", str(built / "history.sqlite"))
    assert received.message["Message-ID"] in history.stdout


def test_cli_dry_run_shows_the_plan_and_never_shows_bcc_as_to(built: Path, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there: a connection would fail
    shutil.copyfile(built / "briefing-2026-06-01.eml", tmp_path / "briefing-2026-06-01.eml")  # never sent from here
    built = tmp_path
    result = run_cli("send", str(built / "briefing-2026-06-01.eml"), "--smtp", f"127.0.0.1:{port}", "--dry-run",
                     "--bcc", "hidden@example.com", "--starttls", "--user", USER,
                     env={"REPORT_SMTP_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Dry run: nothing was sent and no connection was made; a real send would do this:"
    assert "TLS:        STARTTLS: connect in plain text, then upgrade to TLS before anything is sent" in lines
    assert f"Login:      as {USER}, after TLS" in lines
    assert "Password:   REPORT_SMTP_PASSWORD is set" in lines
    assert "To:         briefing@example.com" in lines
    assert "Bcc:        2 hidden addresses (desk@example.com, hidden@example.com)" in lines
    assert not any(line.startswith("To:") and "hidden@" in line for line in lines)
    assert PASSWORD not in result.stdout + result.stderr
    unset = run_cli("send", str(built / "briefing-2026-06-01.eml"), "--dry-run", env={"REPORT_SMTP_PASSWORD": ""})
    assert "Password:   REPORT_SMTP_PASSWORD is not set" in unset.stdout.splitlines()


def signed_off_build(tmp_path: Path) -> Path:
    """A build of the sample with 'Sign-off required' Yes and an Editor: the .eml's path."""
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)

    def change(book: Any) -> None:
        set_cell(book, "Settings", "Setting", "Sign-off required", "Value", "Yes")
        set_cell(book, "Settings", "Setting", "Editor", "Value", "A. Editor")

    edit_workbook(workbook, change)
    out = tmp_path / "out"
    result = run_cli("build", str(workbook), "-o", str(out), "--edition", "2026-06-01")
    assert result.returncode == 0, result.stderr
    return out / "briefing-2026-06-01.eml"


@pytest.mark.parametrize("case", ["bad --to", "bad --bcc", "password missing", "password in the clear", "bad --smtp",
                                  "not approved", "no sender"])
def test_dry_run_refuses_what_a_send_refuses(case: str, built: Path, plain: Server, tmp_path: Path) -> None:
    eml_file = built / "briefing-2026-06-01.eml"
    args = {
        "bad --to": ["--to", "a@example.com, b@example.com"],
        "bad --bcc": ["--bcc", "dësk@example.com"],
        "password missing": ["--user", USER],
        "password in the clear": ["--user", USER, "--smtp", "mail.example.com:25"],
        "bad --smtp": ["--smtp", "nowhere"],
        "not approved": [],
        "no sender": [],
    }[case]
    if case == "not approved":
        eml_file = signed_off_build(tmp_path)
    if case == "no sender":
        eml_file = tmp_path / "no-sender.eml"
        eml_file.write_bytes(b"\r\n".join(line for line in (built / "briefing-2026-06-01.eml").read_bytes()
                                          .split(b"\r\n") if not line.startswith(b"From:")))
    env = {"REPORT_SMTP_PASSWORD": PASSWORD if case == "password in the clear" else ""}
    smtp_args = [] if "--smtp" in args else ["--smtp", plain.address]
    real = run_cli("send", str(eml_file), *smtp_args, *args, env=env)
    dry = run_cli("send", str(eml_file), *smtp_args, *args, "--dry-run", env=env)
    assert real.returncode == dry.returncode == 2, (real.stderr, dry.stderr)
    assert real.stderr == dry.stderr and real.stderr.startswith("Error: ") and len(real.stderr.splitlines()) == 1
    assert "Traceback" not in real.stderr
    expected = {
        "bad --to": "Error: --to: 'a@example.com, b@example.com' is not an email address",
        "bad --bcc": "Error: --bcc: 'dësk@example.com' is not an email address",
        "password missing": "needs a password: set it in the environment variable REPORT_SMTP_PASSWORD",
        "password in the clear": "Refusing to send the password for desk unencrypted to mail.example.com",
        "bad --smtp": "--smtp 'nowhere' is not a server address",
        "not approved": "needs sign-off before it is sent and nobody has approved it: ask A. Editor",
        "no sender": "The message has no sender: fill in Sender",
    }[case]
    assert expected in real.stderr
    if case.startswith("bad --"):
        assert "build again" not in real.stderr
    assert not plain.received


def test_sign_off_before_send(tmp_path: Path, plain: Server) -> None:
    eml_file = signed_off_build(tmp_path)
    history = str(eml_file.parent / "history.sqlite")
    message = eml.read_eml(eml_file)
    assert message["X-Report-Sign-Off"] == "required" and message["X-Report-Approver"] == "A. Editor"

    refused = run_cli("send", str(eml_file), "--smtp", plain.address)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"Error: Edition 2026-06-01 needs sign-off before it is sent and nobody has approved it: ask A. Editor (the "
        f"Editor in Settings) to read {eml_file} and run 'report approve {eml_file} --by NAME --history {history}'.")

    approved = run_cli("approve", str(eml_file), "--by", "A. Editor")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith(f"Approved edition 2026-06-01 by A. Editor: {eml_file}, SHA-256 ")

    # A changed file is not the one approved: one byte added to the text is enough.
    original = eml_file.read_bytes()
    eml_file.write_bytes(original.replace(b"Subject: ", b"Subject: Re: ", 1))
    changed = run_cli("send", str(eml_file), "--smtp", plain.address)
    assert changed.returncode == 2
    assert "was approved by A. Editor at " in changed.stderr and "has changed since" in changed.stderr
    assert not plain.received

    eml_file.write_bytes(original)
    sent = run_cli("send", str(eml_file), "--smtp", plain.address)
    assert sent.returncode == 0, sent.stderr
    assert len(plain.received) == 1

    shown = run_cli("history", "--history", history)
    assert shown.returncode == 0, shown.stderr
    [approval] = [line for line in shown.stdout.splitlines() if line.endswith("  A. Editor")]
    assert approval.startswith("2026-06-01 ")
    assert str(plain.received[0].message["Message-ID"]) in shown.stdout


def test_approve_refuses(tmp_path: Path, eml_path: Path) -> None:
    bad_name = run_cli("approve", str(eml_path), "--by", "A.\u2028Editor", "--history", str(tmp_path / "h.sqlite"))
    assert bad_name.returncode == 2 and bad_name.stderr.startswith("Error: --by 'A.\\u2028Editor' holds a line break")
    missing = run_cli("approve", str(tmp_path / "nope.eml"), "--by", "A. Editor")
    assert missing.returncode == 2 and "There is no file at" in missing.stderr


def test_send_never_ends_up_telling_a_bad_to_to_build_again(built: Path) -> None:
    result = run_cli("send", str(built / "briefing-2026-06-01.eml"), "--to", "desk@example.com\nBcc: x@example.com",
                     "--dry-run")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: --to: 'desk@example.com\\nBcc: x@example.com' holds a line break")
    assert "build again" not in result.stderr


def test_the_dry_run_shows_each_list_header_after_a_space(listed_eml: Path) -> None:
    lines = send(listed_eml, "127.0.0.1:9", dry_run=True)
    assert "List-Unsubscribe: <mailto:leave@example.com?subject=unsubscribe>" in lines
    assert "Reply-To:   Desk <replies@example.com>" in lines


@pytest.mark.parametrize("value", ["inf", "1e308", "nan", "-inf", "0", "-5", "0.5", "3601"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_timeout_is_a_finite_number_of_seconds_in_range(eml_path: Path, value: str, dry_run: bool) -> None:
    from click.testing import CliRunner

    from report.cli import cli

    port = free_port()  # nothing listens: a send that got as far as connecting would say so instead
    args = ["send", str(eml_path), "--smtp", f"127.0.0.1:{port}", "--timeout", value]
    result = CliRunner().invoke(cli, args + (["--dry-run"] if dry_run else []))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: --timeout {value} is not a number of seconds from 1 to 3600: give one such "
                             "as --timeout 120.\n")


def test_the_library_refuses_the_same_timeouts(eml_path: Path) -> None:
    for value in (float("inf"), float("nan"), 0.0, 1e308):
        with pytest.raises(UsageError, match="is not a number of seconds from 1 to 3600"):
            smtp.send(eml.read_eml(eml_path), "a@example.com", ["b@example.com"], "127.0.0.1", 9, deadline=value)
