"""`report send` and report.mail: delivery through a real SMTP server (aiosmtpd) on 127.0.0.1, plain, STARTTLS and
TLS, logins, refusals, and the failures a producer meets (SPEC §5, §7)."""

from __future__ import annotations

import datetime as dt
import email.policy
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import EDITION, SAMPLE, run_cli

from report import mail
from report.errors import MailError, UsageError
from report.render.email import render_eml

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
def eml(sample_briefing, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    from test_email import xlsx_for

    path = tmp_path_factory.mktemp("eml") / "briefing-2026-06-01.eml"
    path.write_bytes(render_eml(sample_briefing, xlsx_for(sample_briefing), now=NOW))
    return path


def assert_same(received: Received, sent: EmailMessage) -> None:
    got = received.message
    for name in ("Message-ID", "Subject", "From", "To", "X-Report-Edition", "Date"):
        assert got[name] == sent[name], name
    assert [p.get_content_type() for p in got.walk()] == [p.get_content_type() for p in sent.walk()]
    for mine, theirs in zip(sent.walk(), got.walk()):
        if not mine.is_multipart():
            assert mine.get_payload(decode=True) == theirs.get_payload(decode=True)


# -- delivery ----------------------------------------------------------------------------------------


def test_plain_delivery(plain: Server, eml: Path) -> None:
    message = mail.read_eml(eml)
    sent = mail.send(message, "127.0.0.1", plain.port)
    assert sent.message_id == message["Message-ID"]
    assert sent.recipients == ["desk@example.com"]
    [received] = plain.received
    assert received.mail_from == "briefing@example.com" and received.rcpt_tos == ["desk@example.com"]
    assert_same(received, message)
    assert mail.edition_of(received.message) == EDITION


def test_starttls_with_login(starttls: Server, eml: Path) -> None:
    message = mail.read_eml(eml)
    mail.replace_recipients(message, ("a@example.com", "Desk B <b@example.com>"))
    sent = mail.send(message, "127.0.0.1", starttls.port, "starttls", USER, PASSWORD, starttls.cafile)
    assert sent.recipients == ["a@example.com", "b@example.com"]
    assert starttls.handler.logins == [(USER.encode(), PASSWORD.encode())]
    [received] = starttls.received
    assert received.rcpt_tos == ["a@example.com", "b@example.com"]
    assert received.message["To"] == "a@example.com, Desk B <b@example.com>"
    assert_same(received, message)


def test_starttls_login_refused(starttls: Server, eml: Path) -> None:
    with pytest.raises(MailError, match="refused the login for desk") as caught:
        mail.send(mail.read_eml(eml), "127.0.0.1", starttls.port, "starttls", USER, "wrong", starttls.cafile)
    assert "wrong" not in str(caught.value) and "REPORT_SMTP_PASSWORD" in str(caught.value)
    assert not starttls.received


def test_starttls_needs_the_ca(starttls: Server, eml: Path) -> None:
    with pytest.raises(MailError, match="certificate of 127.0.0.1 could not be verified.*--cafile"):
        mail.send(mail.read_eml(eml), "127.0.0.1", starttls.port, "starttls")
    assert not starttls.received


def test_server_requires_starttls(starttls: Server, eml: Path) -> None:
    with pytest.raises(MailError) as caught:
        mail.send(mail.read_eml(eml), "127.0.0.1", starttls.port)
    assert "530" in str(caught.value) and "STARTTLS" in str(caught.value)


def test_implicit_tls(smtps: Server, eml: Path) -> None:
    message = mail.read_eml(eml)
    mail.send(message, "127.0.0.1", smtps.port, "ssl", USER, PASSWORD, smtps.cafile)
    [received] = smtps.received
    assert_same(received, message)


def test_ssl_against_a_plain_server(plain: Server, eml: Path) -> None:
    with pytest.raises(MailError, match="TLS with 127.0.0.1:.* failed|closed the connection"):
        mail.send(mail.read_eml(eml), "127.0.0.1", plain.port, "ssl")


def test_plain_localhost_login(plain: Server, eml: Path) -> None:
    mail.send(mail.read_eml(eml), "127.0.0.1", plain.port, "none", USER, PASSWORD)
    assert plain.handler.logins == [(USER.encode(), PASSWORD.encode())]
    assert len(plain.received) == 1


def test_refused_recipient(plain: Server, eml: Path) -> None:
    message = mail.read_eml(eml)
    mail.replace_recipients(message, ("nobody@example.com",))
    with pytest.raises(MailError, match=r"refused every recipient: nobody@example.com \(550 5.1.1 No such user"):
        mail.send(message, "127.0.0.1", plain.port)
    assert not plain.received


def test_some_recipients_refused(plain: Server, eml: Path) -> None:
    message = mail.read_eml(eml)
    mail.replace_recipients(message, ("a@example.com", "nobody@example.com"))
    with pytest.raises(mail.PartlyRefused, match="to 1 of 2 recipients.*refused nobody@example.com") as caught:
        mail.send(message, "127.0.0.1", plain.port)
    assert caught.value.sent.recipients == ["a@example.com"]
    assert plain.received[0].rcpt_tos == ["a@example.com"]


def test_bcc_reaches_the_envelope_but_is_never_transmitted(plain: Server, eml: Path) -> None:
    message = mail.read_eml(eml)
    message["Bcc"] = "hidden@example.com"
    mail.send(message, "127.0.0.1", plain.port)
    [received] = plain.received
    assert received.rcpt_tos == ["desk@example.com", "hidden@example.com"]
    assert b"hidden@example.com" not in received.content and received.message["Bcc"] is None


def test_server_down(eml: Path) -> None:
    port = free_port()
    with pytest.raises(MailError, match=f"Nothing is listening at 127.0.0.1:{port}"):
        mail.send(mail.read_eml(eml), "127.0.0.1", port)


def test_password_rules(eml: Path) -> None:
    message = mail.read_eml(eml)
    with pytest.raises(MailError, match="set it in the environment variable REPORT_SMTP_PASSWORD"):
        mail.send(message, "127.0.0.1", 25, "none", USER, None)
    # Refused before any connection: mail.example.com is never looked up.
    with pytest.raises(MailError, match="Refusing to send the password for desk unencrypted to mail.example.com: "
                                        "add --starttls") as caught:
        mail.send(message, "mail.example.com", 25, "none", USER, PASSWORD)
    assert PASSWORD not in str(caught.value)
    with pytest.raises(UsageError):
        mail.send(message, "127.0.0.1", 25, "tls")


# -- the pieces ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("localhost:25", ("localhost", 25)),
    ("smtp.example.com:587", ("smtp.example.com", 587)),
    (" 127.0.0.1:2525 ", ("127.0.0.1", 2525)),
    ("[::1]:25", ("::1", 25)),
    ("[2001:db8::1]:465", ("2001:db8::1", 465)),
])
def test_parse_server(text: str, expected: tuple[str, int]) -> None:
    assert mail.parse_server(text) == expected


@pytest.mark.parametrize("text", ["localhost", "localhost:", ":25", "host:0", "host:65536", "host:smtp", "::1:25",
                                  "[nope]:25", "a b:25", "host:25\r\nRCPT", "http://host:25"])
def test_parse_server_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="--smtp"):
        mail.parse_server(text)


def test_read_eml_refuses(tmp_path: Path) -> None:
    with pytest.raises(MailError, match="There is no file at .*report build"):
        mail.read_eml(tmp_path / "missing.eml")
    with pytest.raises(MailError, match="is a folder"):
        mail.read_eml(tmp_path)
    zipped = tmp_path / "workbook.eml"
    zipped.write_bytes(SAMPLE.read_bytes())
    with pytest.raises(MailError, match="is not an email message"):
        mail.read_eml(zipped)
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    with pytest.raises(MailError, match="is not an email message"):
        mail.read_eml(empty)


def test_replace_recipients(eml: Path) -> None:
    message = mail.read_eml(eml)
    message["Cc"] = "cc@example.com"
    message["Bcc"] = "bcc@example.com"
    mail.replace_recipients(message, ("x@example.com",))
    assert message["To"] == "x@example.com" and message["Cc"] is None and message["Bcc"] is None
    for bad in ("x@example.com, y@example.com", "x@example.com\r\nBcc: evil@example.com",
                "=?utf-8?q?x?= <x@example.com>", "x"):
        with pytest.raises(MailError):
            mail.replace_recipients(message, (bad,))
    assert message["To"] == "x@example.com", "a refused --to changes nothing"


def test_describe_connects_to_nothing(eml: Path) -> None:
    message = mail.read_eml(eml)
    text = mail.describe(message, "::1", free_port())
    assert text.startswith("Dry run: nothing was sent and no connection was made.")
    assert "From:       briefing@example.com" in text and "To:         desk@example.com" in text
    assert "Server:     [::1]:" in text and "Edition:    2026-06-01" in text
    assert "text/html" in text and "briefing-2026-06-01.xlsx" in text and "image/png" in text
    assert str(message["Message-ID"]) in text


def test_edition_of() -> None:
    message = EmailMessage()
    assert mail.edition_of(message) is None
    message["X-Report-Edition"] = "not a date"
    assert mail.edition_of(message) is None
    message.replace_header("X-Report-Edition", "2026-06-01")
    assert mail.edition_of(message) == EDITION


# -- the command line ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`report build` of the sample, once the history module and every renderer are in."""
    pytest.importorskip("report.history")
    pytest.importorskip("report.render.html")
    pytest.importorskip("report.render.xlsx")
    out = tmp_path_factory.mktemp("out")
    result = run_cli("build", str(SAMPLE), "-o", str(out), "--edition", "2026-06-01")
    assert result.returncode == 0, result.stderr
    return out


def test_cli_send(built: Path, plain: Server) -> None:
    eml = built / "briefing-2026-06-01.eml"
    result = run_cli("send", str(eml), "--smtp", f"127.0.0.1:{plain.port}", "--to", "x@example.com",
                     "--user", USER, env={"REPORT_SMTP_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Sent <") and f"to 1 recipient via 127.0.0.1:{plain.port}." in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    [received] = plain.received
    assert received.rcpt_tos == ["x@example.com"]
    assert received.message["Message-ID"] in result.stdout
    history = run_cli("history", "--history", str(built / "history.sqlite"))
    assert received.message["Message-ID"] in history.stdout


def test_cli_dry_run(built: Path) -> None:
    port = free_port()  # nothing listens there: a connection would fail
    result = run_cli("send", str(built / "briefing-2026-06-01.eml"), "--smtp", f"127.0.0.1:{port}", "--dry-run",
                     "--to", "x@example.com", "--user", USER, env={"REPORT_SMTP_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    assert "no connection was made" in result.stdout and "To:         x@example.com" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr


def test_cli_send_failures(built: Path, plain: Server) -> None:
    eml = str(built / "briefing-2026-06-01.eml")
    cases = [
        (["--smtp", "nowhere"], "--smtp 'nowhere' is not a server address"),
        (["--smtp", f"127.0.0.1:{free_port()}"], "Nothing is listening at 127.0.0.1:"),
        (["--smtp", f"127.0.0.1:{plain.port}", "--user", USER], "REPORT_SMTP_PASSWORD"),
        (["--smtp", f"127.0.0.1:{plain.port}", "--to", "a@example.com, b@example.com"], "holds 2 addresses"),
    ]
    for args, expected in cases:
        result = run_cli("send", eml, *args, env={"REPORT_SMTP_PASSWORD": ""})
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        first = result.stderr.splitlines()[0]
        assert first.startswith("Error: ") and expected in first, (args, result.stderr)
        assert "Traceback" not in result.stderr
    wrong = run_cli("send", eml, "--smtp", f"127.0.0.1:{plain.port}", "--user", USER,
                    env={"REPORT_SMTP_PASSWORD": "not-the-Pa55word"})
    assert wrong.returncode == 2 and "refused the login" in wrong.stderr
    assert "not-the-Pa55word" not in wrong.stdout + wrong.stderr
    assert not plain.received
