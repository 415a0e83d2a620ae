"""SMTP failures named by the stage they happen in (issue 20 §6): real aiosmtpd servers on 127.0.0.1 whose
handlers hang up at each stage (connect, TLS, login, MAIL, RCPT, DATA, after DATA), each failure one sentence
with advice that fits the stage. After DATA the message may have been delivered, and the sentence says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult
from conftest import tiny_xlsx
from test_mail import NOW, PASSWORD, USER, Handler, free_port, server_context

from report.errors import MailError
from report.present import present
from report.render.email import render_email
from report.send import Request, run

STAGES = ("connect", "TLS", "login", "MAIL", "RCPT", "DATA", "after DATA")


class HangingUp(Handler):
    """Accepts everything until `stage`, where it closes the connection without a word."""

    def __init__(self, stage: str) -> None:
        super().__init__()
        self.stage = stage

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        if self.stage == "connect":
            server.transport.close()
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.stage == "MAIL":
            server.transport.close()
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.stage == "RCPT":
            server.transport.close()
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stage == "after DATA":
            server.transport.close()  # the whole message arrived; the client never hears that it was taken
        return await super().handle_DATA(server, session, envelope)

    def authenticator(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if self.stage == "login":
            server.transport.close()
        return super().authenticator(server, session, envelope, mechanism, auth_data)


class _Server(SMTP):
    """aiosmtpd's SMTP, hanging up on the STARTTLS or the DATA command when told to."""

    stage = ""

    async def smtp_STARTTLS(self, arg: str) -> None:
        if self.stage == "TLS":
            await self.push("220 Ready to start TLS")
            assert self.transport is not None
            self.transport.close()
            return
        await super().smtp_STARTTLS(arg)

    async def smtp_DATA(self, arg: str) -> None:
        if self.stage == "DATA":
            assert self.transport is not None
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class _Controller(Controller):
    def __init__(self, handler: HangingUp, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.stage = handler.stage

    def factory(self) -> SMTP:
        server = _Server(self.handler, **self.SMTP_kwargs)
        server.stage = self.stage
        return server


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def eml_path(sample_briefing, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("eml") / "briefing-2026-06-01.eml"
    path.write_bytes(render_email(present(sample_briefing), tiny_xlsx(), now=NOW).data)
    return path


@pytest.fixture
def hanging_up(request: pytest.FixtureRequest, ca: trustme.CA) -> Iterator[tuple[str, HangingUp, int]]:
    stage = request.param
    handler = HangingUp(stage)
    port = free_port()
    controller = _Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticator,
                             auth_require_tls=False, tls_context=server_context(ca) if stage == "TLS" else None)
    controller.start()
    try:
        yield stage, handler, port
    finally:
        controller.stop()


def expected(stage: str, server: str) -> str:
    return {
        "connect": f"The server {server} closed the connection while greeting (connect): nothing was sent; check "
                   "the port, and whether it needs --ssl (usually 465) or --starttls (usually 587).",
        "TLS": f"The server {server} closed the connection during the TLS handshake (TLS): nothing was sent; check "
               "whether the port wants --ssl (usually 465) or --starttls (usually 587).",
        "login": f"The server {server} closed the connection during the login (AUTH): nothing was sent; check "
                 "--user and REPORT_SMTP_PASSWORD, or ask the server's administrator.",
        "MAIL": f"The server {server} closed the connection when given the sender briefing@example.com (MAIL "
                "FROM): nothing was sent; use a Sender address the server accepts, or log in with --user.",
        "RCPT": f"The server {server} closed the connection when given the recipients (RCPT TO): nothing was sent; "
                "check the addresses, and whether the server limits how many one message may have.",
        "DATA": f"The server {server} closed the connection before taking the message (DATA): nothing was sent; "
                "the server may be busy or limit the message's size: try again later, or ask its administrator.",
        "after DATA": f"The server {server} closed the connection after the whole message was sent, before "
                      "confirming it (after DATA): the message may have been delivered. Ask a recipient whether it "
                      "arrived (or the server's administrator) before sending again, or readers may get it twice.",
    }[stage]


@pytest.mark.parametrize("hanging_up", STAGES, indirect=True)
def test_a_server_that_hangs_up_is_named_by_its_stage(hanging_up: tuple[str, HangingUp, int], eml_path: Path,
                                                      tmp_path: Path) -> None:
    stage, handler, port = hanging_up
    server = f"127.0.0.1:{port}"
    with pytest.raises(MailError) as caught:
        run(Request(eml_path, server=server, security="starttls" if stage == "TLS" else "none",
                    user=USER if stage == "login" else None, password=PASSWORD, deadline=10,
                    history=tmp_path / "history.sqlite"))
    assert str(caught.value) == expected(stage, server)
    assert len(handler.received) == (1 if stage == "after DATA" else 0)


class SilentAfterData(Handler):
    """Takes the whole message, then says nothing for longer than the client waits."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(1.5)
        return "250 OK"


def test_a_server_silent_after_data_may_have_delivered(eml_path: Path, tmp_path: Path) -> None:
    handler = SilentAfterData()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(MailError) as caught:
            run(Request(eml_path, server=f"127.0.0.1:{port}", deadline=2, history=tmp_path / "history.sqlite"))
    finally:
        controller.stop()
    assert str(caught.value) == (
        f"The server 127.0.0.1:{port} did not answer within 1 seconds after the whole message was sent, before "
        "confirming it (after DATA): the message may have been delivered. Ask a recipient whether it arrived (or "
        "the server's administrator) before sending again, or readers may get it twice.")
    assert len(handler.received) == 1


def test_a_server_that_hangs_up_during_implicit_tls_is_named_so(eml_path: Path, tmp_path: Path) -> None:
    import socket
    import threading

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = int(listener.getsockname()[1])

        def hang_up() -> None:
            conn, _ = listener.accept()
            conn.recv(1024)  # the ClientHello, then nothing
            conn.close()

        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        with pytest.raises(MailError) as caught:
            run(Request(eml_path, server=f"127.0.0.1:{port}", security="ssl", deadline=10,
                        history=tmp_path / "history.sqlite"))
        thread.join(5)
    assert str(caught.value) == expected("TLS", f"127.0.0.1:{port}")
