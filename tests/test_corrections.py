"""Corrections and repeats: a sent edition rebuilt with one signal changed is a correction in every output, and
`report send` says what a repeat is (--correction, --resend) before it goes out again, through a real SMTP server
(aiosmtpd) on 127.0.0.1. Also the Web address setting and `report history --json`."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import json
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import feedparser
import openpyxl
import pytest
from aiosmtpd.controller import Controller
from conftest import SAMPLE, edit_workbook, run_cli, set_cell
from test_mail import Handler

from report.present.words import house_date

EDITION = "2026-06-01"
TRACTION = "Chinese-cloud customer traction on Max-Preview reportedly strong"
WEB = "https://intranet.example.org/briefing/"


class Inbox(Handler):
    """The SMTP tests' handler (test_mail.Handler), each message read back as the reader's mail program would."""

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return [(received.rcpt_tos, received.message) for received in self.received]


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"127.0.0.1:{port}"
    finally:
        controller.stop()


def read_eml(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_part(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_part(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


@dataclass
class Desk:
    workbook: Path
    out: Path
    server: str
    inbox: Inbox

    @property
    def eml(self) -> Path:
        return self.out / f"briefing-{EDITION}.eml"

    def build(self) -> None:
        done = run_cli("build", str(self.workbook), "-o", str(self.out))
        assert done.returncode == 0, done.stderr

    def send(self, *args: str) -> Any:
        return run_cli("send", str(self.eml), "--smtp", self.server, *args)


@pytest.fixture(scope="module")
def desk(smtp_server: tuple[Inbox, str], tmp_path_factory: pytest.TempPathFactory) -> Desk:
    folder = tmp_path_factory.mktemp("desk")
    workbook = folder / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    inbox, server = smtp_server
    return Desk(workbook, folder / "out", server, inbox)


def test_the_correction_flow_end_to_end(desk: Desk) -> None:
    """One test, in the order a desk lives it: send, repeat refused, resend, correct, correction refused then sent."""
    desk.build()
    first = desk.send()
    assert first.returncode == 0, first.stderr
    assert len(desk.inbox.messages) == 1
    assert not desk.inbox.messages[0][1]["Subject"].startswith("Correction:")

    # The same bytes again: refused, saying which edition was sent when, to how many readers.
    again = desk.send()
    assert again.returncode == 2
    assert again.stderr.startswith(f"Error: Edition {EDITION} was sent on {dt.date.today().day} ")
    assert "UTC to 2 readers" in again.stderr and "--resend" in again.stderr  # the List address and one Bcc
    assert len(desk.inbox.messages) == 1
    # Told it is a resend (to one reader who missed it), it goes.
    resent = desk.send("--resend", "--to", "missed@example.com")
    assert resent.returncode == 0, resent.stderr
    assert desk.inbox.messages[-1][0] == ["missed@example.com"]
    # --correction on the very bytes that were sent is refused: nothing in them is corrected.
    assert desk.send("--correction").returncode == 2

    # One signal changes; the rebuilt edition is a correction in every output.
    edit_workbook(desk.workbook, lambda book: set_cell(book, "Signals", "Signal", TRACTION, "Strength", 3))
    desk.build()
    corrected = f"Corrected on {house_date(dt.date.today())}"
    message = read_eml(desk.eml)
    assert message["Subject"].startswith("Correction: TOO EARLY")
    assert len(message["Subject"]) <= 80
    assert message["X-Report-Correction"] == dt.date.today().isoformat()
    page = (desk.out / f"briefing-{EDITION}.html").read_text(encoding="utf-8")
    for text in (page, html_part(message), text_part(message)):
        flat = " ".join(html.unescape(text).split())
        assert corrected.replace("\u00a0", " ") in flat.replace("\u00a0", " ")
        assert f"Signals: 2026-Q2 · {TRACTION}" in flat
        assert "Strength: 2 \u2192 3" in flat
    # Under the masthead: before the verdict in every format.
    assert page.index("Corrected on") < page.index('id="verdict"')
    sheet = openpyxl.load_workbook(desk.out / f"briefing-{EDITION}.xlsx")["Briefing"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(c.startswith("Corrected on") for c in cells)
    assert "Strength: 2 \u2192 3" in cells

    # Sent without saying so: refused, naming the last send and the option.
    plain = desk.send()
    assert plain.returncode == 2
    assert "is a corrected edition" in plain.stderr and "--correction" in plain.stderr
    assert "(2 sends in all)" in plain.stderr
    assert desk.send("--resend").returncode == 2  # not the same bytes
    sent = desk.send("--correction")
    assert sent.returncode == 0, sent.stderr
    subject = desk.inbox.messages[-1][1]["Subject"]
    assert subject.startswith("Correction: ")
    # The correction, once sent, is a sent version too: sending its bytes again needs --resend.
    twice = desk.send("--correction")
    assert twice.returncode == 2 and "--resend" in twice.stderr
    assert len(desk.inbox.messages) == 3

    history = run_cli("history", "--history", str(desk.out / "history.sqlite"))
    assert history.returncode == 0
    assert "correction" in history.stdout and "resend" in history.stdout
    assert f"{EDITION}  " in history.stdout and "Strength: 2 \u2192 3" in history.stdout
    listed = json.loads(run_cli("history", "--history", str(desk.out / "history.sqlite"), "--json").stdout)
    assert set(listed) == {"editions", "sends", "approvals", "corrections", "desk_actions"}
    assert [s["kind"] for s in listed["sends"]] == ["first", "resend", "correction"]
    assert all(len(s["sha256"]) == 64 for s in listed["sends"])
    assert listed["sends"][0]["sha256"] == listed["sends"][1]["sha256"] != listed["sends"][2]["sha256"]
    assert [c["edition"] for c in listed["corrections"]] == [EDITION]
    assert [e["edition"] for e in listed["editions"]] == [EDITION]

    # The web archive says so too: the index beside the edition, the feed in its entry's title.
    site = desk.out.parent / "site"
    assert run_cli("archive", str(site), "--history", str(desk.out / "history.sqlite")).returncode == 0
    index = html.unescape((site / "index.html").read_text(encoding="utf-8")).replace("\u00a0", " ")
    assert corrected.replace("\u00a0", " ") in index
    [entry] = feedparser.parse((site / "feed.xml").read_bytes()).entries
    assert entry.title.endswith("(corrected)") and "Corrected on" in entry.summary
    assert "Corrected on" in (site / "editions" / f"{EDITION}.html").read_text(encoding="utf-8")


def test_a_rebuild_that_changes_nothing_is_no_correction(tmp_path: Path, smtp_server: tuple[Inbox, str]) -> None:
    inbox, server = smtp_server
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    desk = Desk(workbook, tmp_path / "out", server, inbox)
    desk.build()
    assert desk.send().returncode == 0
    desk.build()
    assert not read_eml(desk.eml)["Subject"].startswith("Correction:")
    refused = desk.send("--correction")
    assert refused.returncode == 2 and "is not marked as a correction" in refused.stderr
    assert desk.send("--resend").returncode == 0


def test_a_first_send_refuses_repeat_options(tmp_path: Path) -> None:
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    out = tmp_path / "out"
    assert run_cli("build", str(workbook), "-o", str(out)).returncode == 0
    eml = str(out / f"briefing-{EDITION}.eml")
    for option in ("--correction", "--resend"):
        done = run_cli("send", eml, option, "--dry-run")
        assert done.returncode == 2 and "has not been sent yet" in done.stderr
    both = run_cli("send", eml, "--correction", "--resend", "--dry-run")
    assert both.returncode == 2 and "not both" in both.stderr


def test_the_web_address_links_the_email_feed_and_pages(tmp_path: Path) -> None:
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    out, plain_out = tmp_path / "out", tmp_path / "plain"
    assert run_cli("build", str(workbook), "-o", str(plain_out)).returncode == 0
    edit_workbook(workbook, lambda book: set_cell(book, "Settings", "Setting", "Web address", "Value",
                                                  WEB.rstrip("/")))
    done = run_cli("build", str(workbook), "-o", str(out))
    assert done.returncode == 0, done.stderr
    page_url = f"{WEB}editions/{EDITION}.html"
    message = read_eml(out / f"briefing-{EDITION}.eml")
    assert message["List-Archive"] == f"<{WEB}index.html>"
    assert f'href="{page_url}"' in html_part(message) and "Read on the web" in html_part(message)
    assert f"Read on the web: {page_url}" in " ".join(text_part(message).split())  # a long link has a line of its own
    site = tmp_path / "site"
    assert run_cli("archive", str(site), "--history", str(out / "history.sqlite")).returncode == 0
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert parsed.entries[0].link == page_url
    assert any(link.get("rel") == "self" and link.href == f"{WEB}feed.xml" for link in parsed.feed.links)
    assert f'<link rel="canonical" href="{page_url}">' in (site / "editions" / f"{EDITION}.html").read_text()

    # Without it, nothing links to a web page that does not exist.
    bare = read_eml(plain_out / f"briefing-{EDITION}.eml")
    assert bare["List-Archive"] is None
    assert "Read on the web" not in html_part(bare) and "Read on the web" not in text_part(bare)
    plain_site = tmp_path / "plain-site"
    assert run_cli("archive", str(plain_site), "--history", str(plain_out / "history.sqlite")).returncode == 0
    assert "canonical" not in (plain_site / "editions" / f"{EDITION}.html").read_text()
    assert feedparser.parse((plain_site / "feed.xml").read_bytes()).entries[0].link == f"editions/{EDITION}.html"
