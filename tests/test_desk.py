"""`report desk`: a real server process (uvicorn on 127.0.0.1, a free port) driven by Chromium through Playwright:
the live check after a save by LibreOffice, the preview against `report build`, publish, approve and send to an
aiosmtpd server on loopback, the history, and the refusals that keep everyone else out (issue 22)."""

from __future__ import annotations

import email.policy
import hashlib
import http.client
import http.server
import json
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from conftest import ROOT, SAMPLE, edit_workbook, run_cli, set_cell, soffice_convert
from test_mail import PASSWORD, free_port
from test_mail import Handler as Inbox  # keeps what arrives; logs in desk with PASSWORD

EDITION = "2026-06-01"
READERS = ("ana@example.com", "ben@example.com")
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {"check": "/", "preview": "/preview", "preview-email-dark": f"/preview?view=email-375-dark&edition={EDITION}",
           "preview-text": f"/preview?view=text&edition={EDITION}", "publish": "/publish", "send": "/send",
           "history": "/history"}
UPDATE_MS = 2000  # the bound: the findings follow a save within two seconds




# -- an SMTP server on loopback ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# -- the desk, a real process --------------------------------------------------------------------------------------

@dataclass
class Desk:
    process: subprocess.Popen[str]
    url: str  # with its token
    folder: Path
    workbook: Path
    out: Path

    @property
    def base(self) -> str:
        return self.url.split("/?", 1)[0]

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    @property
    def history(self) -> Path:
        return self.out / "history.sqlite"


def start_desk(workbook: Path, out: Path, *args: str, password: str = "") -> tuple[subprocess.Popen[str], str]:
    """`report desk` in its own process; its address with the token, read from the first line it prints."""
    process = subprocess.Popen(
        [sys.executable, "-m", "report", "desk", str(workbook), "-o", str(out), "--port", "0", "--no-browser", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "REPORT_SMTP_PASSWORD": password})
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if ready else ""
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[0-9a-f]+", line)
    if not found:
        process.kill()
        raise AssertionError(f"the desk did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
    return process, found.group(0)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def signed_off(book: Any) -> None:
    set_cell(book, "Settings", "Setting", "Sign-off required", "Value", "Yes")
    set_cell(book, "Settings", "Setting", "Editor", "Value", "A. Editor")
    set_cell(book, "Settings", "Setting", "Recipients", "Value", "; ".join(READERS))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, inbox: tuple[Inbox, int]) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("desk")
    workbook = folder / "tracker.xlsx"
    workbook.write_bytes(SAMPLE.read_bytes())
    edit_workbook(workbook, signed_off)
    out = folder / "out"
    process, url = start_desk(workbook, out, "--smtp", f"127.0.0.1:{inbox[1]}")
    try:
        yield Desk(process, url, folder, workbook, out)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def context(browser: Any, desk: Desk) -> Iterator[Any]:
    """A browser that opened the desk's address (the token became its cookie)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(desk.url)
    assert page.url == desk.base + "/"  # the token left the address
    page.close()
    yield ctx
    ctx.close()


def snapshot(*folders: Path) -> dict[str, tuple[int, str]]:
    """Every file under `folders`: its size and hash (what 'nothing written' is compared on)."""
    out = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out[str(path)] = (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def history_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        rows = db.execute(f"SELECT * FROM {table}").fetchall()
    db.close()
    return rows


# -- the live check -----------------------------------------------------------------------------------------------

def saved_by_libreoffice(desk: Desk, change: Any) -> None:
    """Change a copy of the workbook, then let LibreOffice convert it over the workbook: a real save."""
    draft = desk.folder / "draft" / "tracker.xlsx"
    draft.parent.mkdir(exist_ok=True)
    draft.write_bytes(desk.workbook.read_bytes())
    edit_workbook(draft, change)
    soffice_convert(draft, "xlsx", desk.workbook.parent)


def test_a_save_through_libreoffice_updates_the_findings_without_a_reload(desk: Desk, context: Any,
                                                                          artifacts: Path) -> None:
    page = context.new_page()
    page.goto(desk.base + "/")
    assert page.locator("#summary").inner_text() == "No problems found."
    page.evaluate("window.notReloaded = true")
    page.wait_for_selector("#live[data-version]", state="attached", timeout=10_000)  # the event stream is open

    # A value that is also markup: the page shows it as text, pushed as it is.
    saved_by_libreoffice(desk, lambda book: set_cell(book, "Labs", "Lab", "DeepSeek", "Flagship weights",
                                                     "<i>maybe</i>"))
    page.wait_for_selector(".finding.error", timeout=UPDATE_MS)
    finding = page.locator(".finding.error").first.inner_text()
    assert "ERROR" in finding and "Flagship weights" in finding
    assert "'<i>maybe</i>' is not one of Open, Closed" in finding
    assert page.locator(".finding i").count() == 0
    assert page.locator("#live h3").first.inner_text() == "Labs"
    assert page.locator("#status").inner_text().startswith("1 error")
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(artifacts / "desk-check-finding-1280.png"))  # the README's picture (docs/desk-check.png)

    # Build is refused while the workbook has an error: nothing written but the refusal, in the history.
    other = context.new_page()
    other.goto(desk.base + "/publish")
    assert "the workbook must check without errors" in other.locator("main").inner_text()
    other.get_by_role("button", name="Build this edition").click()
    assert other.locator(".flash.refused").inner_text() == (
        "The workbook has 1 error: nothing was written. Fix it (see Check) and build again.")
    assert sorted(p.name for p in desk.out.iterdir()) == ["history.sqlite"]
    [refusal] = history_rows(desk.history, "actions")
    assert refusal[2:] == ("build", None, "refused: the workbook has 1 error")
    assert history_rows(desk.history, "editions") == []
    other.close()

    saved_by_libreoffice(desk, lambda book: set_cell(book, "Labs", "Lab", "DeepSeek", "Flagship weights", "Open"))
    page.wait_for_selector(".finding.error", state="detached", timeout=UPDATE_MS)
    assert page.locator("#verdict").inner_text().startswith(f"Edition {EDITION}: TOO EARLY (score \u22120.60) — ")
    assert page.evaluate("window.notReloaded") is True
    page.close()


def test_a_save_that_leaves_no_workbook_is_said_then_forgotten(desk: Desk, context: Any) -> None:
    page = context.new_page()
    page.goto(desk.base + "/")
    page.wait_for_selector("#live[data-version]", state="attached", timeout=10_000)
    good = desk.workbook.read_bytes()
    broken = desk.folder / "broken.tmp"
    broken.write_bytes(b"this is not a workbook")
    os.replace(broken, desk.workbook)
    try:
        # A save still being written is read again for a few seconds before the file is called unusable.
        page.wait_for_selector("#live p.refused", timeout=20_000)
        assert "xlsx" in page.locator("#live p.refused").inner_text()
        assert page.locator("#status").inner_text() == page.locator("#live p.refused").inner_text()
    finally:
        restored = desk.folder / "restored.tmp"
        restored.write_bytes(good)
        os.replace(restored, desk.workbook)
    page.wait_for_selector("#verdict", timeout=UPDATE_MS)
    assert page.locator("#summary").inner_text() == "No problems found."
    page.close()


def test_the_annotated_copy_downloads(desk: Desk, context: Any) -> None:
    page = context.new_page()
    page.goto(desk.base + "/")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download a copy with every problem marked")).click()
    assert download.value.suggested_filename == "tracker-marked.xlsx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"
    page.close()


# -- preview ------------------------------------------------------------------------------------------------------

def test_the_preview_shows_what_report_build_then_writes(desk: Desk, context: Any, tmp_path: Path) -> None:
    before = snapshot(desk.folder)
    page = context.new_page()
    page.goto(desk.base + "/preview")
    verdict = page.locator("#preview-verdict").inner_text()
    assert page.locator("#preview-readers").inner_text() == "3"  # the list's own address in To, two in Bcc
    subject = page.locator("#preview-subject").inner_text()

    built = run_cli("build", str(desk.workbook), "-o", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    line = next(li for li in built.stdout.splitlines() if li.startswith("Edition "))
    assert verdict == line
    headline = line.split(" — ", 1)[1]
    written = (tmp_path / "out" / f"briefing-{EDITION}.html").read_text(encoding="utf-8")
    assert headline in written.replace("&#39;", "'")
    eml = BytesParser(policy=email.policy.default).parsebytes((tmp_path / "out" / f"briefing-{EDITION}.eml").read_bytes())
    assert str(eml["Subject"]) == subject

    # Each view: a sandboxed frame that may run nothing, holding the page or the email.
    state = verdict.split(": ", 1)[1].split(" — ")[0].split(" (score")[0]
    for view, kind, width in [("page-phone", "page", 375), ("page-desktop", "page", 1024),
                              ("email-375-light", "email-light", 375), ("email-600-dark", "email-dark", 600)]:
        page.goto(f"{desk.base}/preview?view={view}&edition={EDITION}")
        frame_element = page.locator("iframe")
        assert frame_element.get_attribute("sandbox") == ""
        assert frame_element.get_attribute("src") == f"/frame?view={kind}&edition={EDITION}"
        box = frame_element.bounding_box()
        assert box is not None and box["width"] == pytest.approx(width, abs=1)
        assert state in page.frame_locator("iframe").locator("body").inner_text()
    frame = page.frames[1]
    assert frame.evaluate("document.images.length") >= 1
    assert frame.evaluate("[...document.images].every(i => i.src.startsWith('data:image/png') && i.naturalWidth > 0)")
    page.goto(f"{desk.base}/preview?view=text&edition={EDITION}")
    assert headline[:30] in page.locator("pre.text-part").inner_text()

    # Another edition date, chosen in the form: the same verdict as build --edition gives it.
    page.locator("#edition").fill("2026-05-25")
    page.get_by_role("button", name="Show this edition").click()
    page.wait_for_url(re.compile(r"edition=2026-05-25"))
    earlier = run_cli("build", str(desk.workbook), "-o", str(tmp_path / "earlier"), "--edition", "2026-05-25")
    assert earlier.returncode == 0, earlier.stderr
    assert page.locator("#preview-verdict").inner_text() == next(
        li for li in earlier.stdout.splitlines() if li.startswith("Edition 2026-05-25: "))
    assert snapshot(desk.folder) == before  # a preview writes nothing
    page.close()


def test_a_frame_is_served_with_a_policy_that_runs_no_script(desk: Desk, context: Any) -> None:
    page = context.new_page()
    response = page.goto(f"{desk.base}/frame?view=email-dark&edition={EDITION}")
    assert response is not None and response.ok
    policy = response.headers["content-security-policy"]
    assert "sandbox" in policy and "script-src" not in policy and "default-src 'none'" in policy
    assert "@media all" in page.content()  # the dark rules hold, whatever the desk's browser prefers
    page.close()


# -- publish, sign-off, send, history --------------------------------------------------------------------------

def test_build_publishes_the_three_files_and_the_history_record(desk: Desk, context: Any) -> None:
    page = context.new_page()
    page.goto(desk.base + "/publish")
    page.get_by_role("button", name="Build this edition").click()
    page.wait_for_selector("#built-verdict, .flash.refused")
    assert page.locator(".flash.refused").count() == 0, page.locator(".flash.refused").inner_text()
    assert page.locator(".flash.done").inner_text().startswith(f"Published the edition of {EDITION}: TOO EARLY — ")
    names = sorted(p.name for p in desk.out.iterdir() if p.name.startswith("briefing-"))
    assert names == [f"briefing-{EDITION}.{fmt}" for fmt in ("eml", "html", "xlsx")]
    assert page.locator("#files a").all_inner_texts() == [f"briefing-{EDITION}.{fmt}" for fmt in ("xlsx", "html", "eml")]
    [edition] = history_rows(desk.history, "editions")
    assert edition[0] == EDITION and edition[4] == "TOO EARLY"
    [action] = [row for row in history_rows(desk.history, "actions") if row[2] == "build" and row[3]]
    assert action[3] == EDITION and action[4].startswith("published TOO EARLY")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", action[1])
    with page.expect_download() as download:
        page.get_by_role("link", name=f"briefing-{EDITION}.html").click()
    assert Path(download.value.path()).read_bytes() == (desk.out / f"briefing-{EDITION}.html").read_bytes()
    page.close()


def test_approve_then_send_delivers_one_message_to_the_readers(desk: Desk, context: Any,
                                                               inbox: tuple[Inbox, int]) -> None:
    received = inbox[0].received
    page = context.new_page()
    page.goto(desk.base + "/send")
    assert "must be approved before it is sent, by A. Editor" in page.locator("#sign-off-needed").inner_text()

    # Before the approval, the plan is refused with send's own sentence.
    page.get_by_role("button", name=re.compile("Show the send plan")).click()
    assert "needs sign-off before it is sent and nobody has approved it" in page.locator(".flash.refused").inner_text()

    # Approve by keyboard alone: the label names the field, Enter submits.
    page.get_by_label("Approve as (your name)").focus()
    page.keyboard.type("A. Editor")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash.done")
    assert page.locator(".flash.done").inner_text().startswith(f"Approved edition {EDITION} by A. Editor: ")
    assert "Approved by A. Editor at " in page.locator("main").inner_text()

    page.get_by_role("button", name=re.compile("Show the send plan")).click()
    plan = page.locator("pre.plan").inner_text()
    assert plan.startswith("Dry run: nothing was sent")
    assert re.search(r"^Sign-off: +required \(.+\); approved by A\. Editor at ", plan, re.MULTILINE), plan
    assert "Preflight:  nothing to fix: ready to send" in plan
    assert not received

    page.get_by_label(re.compile("To send, type the number of readers: 3")).fill("2")
    page.get_by_role("button", name="Send to 3 readers").click()
    assert "Not sent: this edition goes to 3 readers; type 3 to confirm" in page.locator(".flash.refused").inner_text()
    assert not received

    page.get_by_role("button", name=re.compile("Show the send plan")).click()
    page.get_by_label(re.compile("To send, type the number of readers")).fill("3")
    page.get_by_role("button", name="Send to 3 readers").click()
    page.wait_for_selector(".flash.done")
    assert re.match(r"Sent <.+> to 3 recipients via 127\.0\.0\.1:\d+\.", page.locator(".flash.done").inner_text())
    [message] = received
    assert set(READERS) <= set(message.rcpt_tos)
    head = message.content.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    assert not any(reader in head for reader in READERS)
    assert message.message["Bcc"] is None

    page.goto(desk.base + "/send")
    assert page.locator("p.sent").inner_text().startswith("Sent ") and "to 3 readers" in page.locator("p.sent").inner_text()

    page.goto(desk.base + "/history")
    assert page.locator("#editions tbody tr").count() == 1
    assert "approved by A. Editor" in page.locator("#approvals").inner_text()
    assert "to 3 readers" in page.locator("#sends").inner_text()
    done = page.locator("#actions li").all_inner_texts()
    assert [re.sub(r"^.+? UTC: ", "", line).split(" of ")[0] for line in done][:6] == [
        "send", "send plan", "send", "send plan", "approve", "send plan"]
    assert [row[2] for row in history_rows(desk.history, "actions")][-6:] == [
        "send plan", "approve", "send plan", "send", "send plan", "send"]
    page.close()

    # The command line lists what the desk did too, after the editions, sends and approvals.
    listed = run_cli("history", "--history", str(desk.history))
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.split("\n\n")[-1].splitlines()
    assert header == "Desk, at                   Action     Edition     Outcome"
    assert [(row[27:37].rstrip(), row[38:48]) for row in rows][-2:] == [("send plan", "2026-06-01"),
                                                                         ("send", "2026-06-01")]
    assert rows[-2][50:] == "shown: 3 readers"
    assert re.fullmatch(r"Sent <2026-06-01\.[0-9a-f]{16}@example\.com> to 3 recipients via 127\.0\.0\.1:\d+\.",
                        rows[-1][50:]), rows[-1]
    actions = json.loads(run_cli("history", "--history", str(desk.history), "--json").stdout)["desk_actions"]
    assert [a["action"] for a in actions][-6:] == ["send plan", "approve", "send plan", "send", "send plan", "send"]
    assert {a["edition"] for a in actions[-6:]} == {"2026-06-01"}


def test_a_second_send_is_said_to_be_a_resend_or_a_correction(desk: Desk, context: Any,
                                                               inbox: tuple[Inbox, int]) -> None:
    """After the send above: the edition was sent, so the Send screen asks what a second send is, as send's
    --correction and --resend do; a send that does not say is refused with send's own sentence."""
    received = inbox[0].received
    sent_before = len(received)
    page = context.new_page()
    page.goto(desk.base + "/send")
    assert page.locator("#repeat option").all_inner_texts() == [
        "a correction, rebuilt with a record corrected (--correction)", "the same edition again (--resend)"]
    # The file was not rebuilt: it is no correction, and send's sentence names the choice that fits.
    page.get_by_role("button", name=re.compile("Show the send plan")).click()
    assert re.fullmatch(
        rf"Edition {EDITION} was sent on \d{{1,2}} [A-Z][a-z]{{2}} 20\d\d at \d\d:\d\d UTC to 3 readers, and "
        + re.escape(f"{desk.out / f'briefing-{EDITION}.eml'} is that very file: to send it again (to --to one "
                    "reader who missed it, say), add --resend."),
        page.locator(".flash.refused").inner_text())
    page.get_by_label(re.compile("this send is")).select_option("resend")
    page.get_by_role("button", name=re.compile("Show the send plan")).click()
    plan = page.locator("pre.plan").inner_text()
    assert re.search(rf"^Repeat: +Edition {EDITION} was sent .+ to 3 readers; this is the same file, sent again "
                     r"\(--resend\)$", plan, re.MULTILINE), plan
    page.get_by_label(re.compile("To send, type the number of readers")).fill("3")
    page.get_by_role("button", name="Send to 3 readers").click()
    page.wait_for_selector(".flash.done")
    assert len(received) == sent_before + 1
    sends = json.loads(run_cli("history", "--history", str(desk.history), "--json").stdout)["sends"]
    assert [send["kind"] for send in sends] == ["first", "resend"]
    page.goto(desk.base + "/send")
    shown = page.locator("p.sent").all_inner_texts()  # newest first
    assert [re.sub(r"^Sent .+? UTC to ", "", line).split(" (<")[0] for line in shown] == ["3 readers, as a resend",
                                                                                         "3 readers"]
    page.close()


# -- what keeps others out --------------------------------------------------------------------------------------

def request(desk: Desk, method: str, target: str, body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One raw HTTP request to the desk: (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", desk.port, timeout=30)
    try:
        sent = {"Host": f"127.0.0.1:{desk.port}", **(headers or {})}
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection.request(method, target, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def session_cookie(desk: Desk) -> tuple[str, str]:
    """A session of the desk, as the browser gets it: (the Cookie header, the CSRF token)."""
    connection = http.client.HTTPConnection("127.0.0.1", desk.port, timeout=30)
    connection.request("GET", desk.url.split(str(desk.port), 1)[1], headers={"Host": f"127.0.0.1:{desk.port}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 303
    cookie = response.getheader("Set-Cookie") or ""
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    jar = cookie.split(";", 1)[0]
    status, page = request(desk, "GET", "/publish", headers={"Cookie": jar})
    assert status == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return jar, found.group(1)


def test_without_the_token_everything_is_refused(desk: Desk) -> None:
    before = snapshot(desk.folder)
    for method, target in [("GET", "/"), ("GET", "/preview"), ("GET", "/events"), ("GET", "/history"),
                           ("GET", "/static/desk.js"), ("GET", f"/file?edition={EDITION}&format=eml"),
                           ("GET", "/?token=0123456789abcdef"), ("POST", "/build")]:
        status, text = request(desk, method, target, body="" if method == "POST" else None)
        assert status == 403, (target, status, text)
        assert "token" in text
    status, _ = request(desk, "GET", "/", headers={"Cookie": f"report_desk_{desk.port}=guessed"})
    assert status == 403
    assert snapshot(desk.folder) == before


def test_refused_requests_write_nothing(desk: Desk) -> None:
    jar, csrf = session_cookie(desk)
    ours = {"Cookie": jar}
    before = snapshot(desk.folder)
    history_before = (history_rows(desk.history, "actions"), history_rows(desk.history, "editions"))
    form = urlencode({"csrf": csrf, "edition": EDITION})
    refused = [
        # A name that is not the desk's (DNS rebinding): refused before anything else.
        ("GET", "/", None, {"Host": f"rebound.example.com:{desk.port}"}, 400),
        ("POST", "/build", form, {"Host": f"rebound.example.com:{desk.port}"}, 400),
        # A change without the session's CSRF token, or with another.
        ("POST", "/build", urlencode({"edition": EDITION}), {}, 403),
        ("POST", "/build", urlencode({"csrf": "x" * 43, "edition": EDITION}), {}, 403),
        ("POST", "/approve", urlencode({"edition": EDITION, "name": "Mallory"}), {}, 403),
        # A form from another origin, even with the token (which another page cannot read).
        ("POST", "/build", form, {"Origin": "http://evil.example"}, 403),
        ("POST", "/send", urlencode({"csrf": csrf, "edition": EDITION, "readers": "3"}),
         {"Sec-Fetch-Site": "cross-site"}, 403),
        # A change by GET is no change; other methods are refused.
        ("GET", "/build", None, {}, 405),
        ("PUT", "/build", form, {}, 405),
        # A path in any parameter, query or form; a parameter the desk does not know.
        ("GET", "/preview?edition=../../etc/passwd", None, {}, 400),
        ("GET", f"/file?edition={EDITION}&format=/etc/passwd", None, {}, 400),
        ("GET", "/preview?workbook=other.xlsx", None, {}, 400),
        ("GET", "/preview?edition=1066-10-14", None, {}, 400),
        ("POST", "/build", urlencode({"csrf": csrf, "edition": "2026-13-01"}), {}, 400),
        ("POST", "/approve", urlencode({"csrf": csrf, "edition": EDITION, "name": "/tmp/x"}), {}, 400),
        ("POST", "/build", urlencode({"csrf": csrf, "edition": "..\\..\\x"}), {}, 400),
        ("POST", "/build", urlencode({"csrf": csrf, "outdir": "/tmp/elsewhere"}), {}, 400),
        # Bounded sizes, and only the desk's own forms.
        ("POST", "/approve", urlencode({"csrf": csrf, "edition": EDITION, "name": "A" * 20_000}), {}, 413),
        ("GET", "/preview?view=" + "p" * 2000, None, {}, 414),
        ("POST", "/build", form, {"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ]
    for method, target, body, headers, expected in refused:
        status, text = request(desk, method, target, body, {**ours, **headers})
        assert status == expected, (method, target, headers, status, text)
    assert snapshot(desk.folder) == before
    assert (history_rows(desk.history, "actions"), history_rows(desk.history, "editions")) == history_before


class _Evil(http.server.BaseHTTPRequestHandler):
    """A page of another origin that posts a form to the desk as soon as it loads."""

    target = ""

    def do_GET(self) -> None:
        body = (f'<!doctype html><form id="f" method="post" action="{self.target}/build">'
                '<input name="edition" value="2026-06-01"><input name="csrf" value="guess"></form>'
                '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("site", ["localhost", "127.0.0.1"])
def test_a_page_of_another_origin_cannot_act(desk: Desk, context: Any, site: str) -> None:
    """From another site (localhost) the browser keeps the cookie back; from the same site on another port
    (127.0.0.1) it sends the cookie, and the desk refuses the form by its origin."""
    before = snapshot(desk.folder)
    _Evil.target = desk.base
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page = context.new_page()
        with page.expect_response(lambda r: r.url == desk.base + "/build") as response:
            page.goto(f"http://{site}:{evil.server_address[1]}/")
        assert response.value.status == 403
        assert ("form from another page" in response.value.text()) == (site == "127.0.0.1")
        page.close()
    finally:
        evil.shutdown()
    assert snapshot(desk.folder) == before


def test_the_cookie_is_httponly_and_strict(desk: Desk, context: Any) -> None:
    [cookie] = [c for c in context.cookies() if c["name"] == f"report_desk_{desk.port}"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["domain"] == "127.0.0.1"


def test_the_policy_runs_only_the_desks_own_script(desk: Desk, context: Any) -> None:
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text
            else None)
    response = page.goto(desk.base + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and "default-src 'none'" in policy and "unsafe-inline" not in policy and "http" not in policy
    assert page.locator("script").get_attribute("nonce") is not None
    page.wait_for_selector("#live[data-version]", state="attached", timeout=10_000)  # the event stream is open
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                             document.body.append(s); }""")
    time.sleep(0.2)
    assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in v for v in violations)
    page.close()


def test_another_host_only_with_a_warning(tmp_path: Path) -> None:
    workbook = tmp_path / "tracker.xlsx"
    workbook.write_bytes(SAMPLE.read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-m", "report", "desk", str(workbook), "-o", str(tmp_path / "out"), "--port", "0",
         "--no-browser", "--host", "0.0.0.0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stderr is not None
        ready, _, _ = select.select([process.stderr], [], [], 60)
        assert ready
        assert process.stderr.readline().startswith("WARNING: the desk listens on 0.0.0.0, not only on this machine")
        assert process.stdout is not None
        found = re.search(r"is open at http://0\.0\.0\.0:(\d+)(/\?token=[0-9a-f]+)", process.stdout.readline())
        assert found
        # A page's event stream is open when the editor presses Ctrl-C.
        stream = http.client.HTTPConnection("127.0.0.1", int(found.group(1)), timeout=30)
        stream.request("GET", found.group(2), headers={"Host": f"127.0.0.1:{found.group(1)}"})
        jar = (stream.getresponse().getheader("Set-Cookie") or "").split(";", 1)[0]
        stream.close()
        stream = http.client.HTTPConnection("127.0.0.1", int(found.group(1)), timeout=30)
        stream.request("GET", "/events", headers={"Host": f"127.0.0.1:{found.group(1)}", "Cookie": jar})
        events = stream.getresponse()
        assert events.status == 200 and events.readline() == b"event: check\n"
        # Ctrl-C closes it, with exit 0 and a sentence; the stream ends rather than being cut.
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stdout.read().strip().endswith("The desk is closed.")
        assert "Traceback" not in process.stderr.read()
        stream.close()
    finally:
        if process.poll() is None:
            stop(process)


def test_two_desks_in_one_browser_keep_their_own_sessions(desk: Desk, context: Any, tmp_path: Path) -> None:
    workbook = tmp_path / "other.xlsx"
    workbook.write_bytes(SAMPLE.read_bytes())
    process, url = start_desk(workbook, tmp_path / "out")
    try:
        page = context.new_page()
        page.goto(url)
        assert "other.xlsx" in page.locator(".brand").inner_text()
        response = page.goto(desk.base + "/")  # the first desk's cookie was not replaced by the second's
        assert response is not None and response.status == 200
        assert "tracker.xlsx" in page.locator(".brand").inner_text()
        page.close()
    finally:
        stop(process)


def test_send_logs_in_with_the_password_from_the_environment(browser: Any, tmp_path: Path) -> None:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticator,
                            auth_require_tls=False)
    controller.start()
    workbook = tmp_path / "tracker.xlsx"
    workbook.write_bytes(SAMPLE.read_bytes())
    process, url = start_desk(workbook, tmp_path / "out", "--smtp", f"127.0.0.1:{port}", "--user", "desk",
                              password=PASSWORD)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.goto(url.split("/?")[0] + "/publish")
        page.get_by_role("button", name="Build this edition").click()
        page.wait_for_selector("#built-verdict")
        page.goto(url.split("/?")[0] + "/send")
        assert "logged in as desk with the password from REPORT_SMTP_PASSWORD" in page.locator("main").inner_text()
        page.get_by_role("button", name=re.compile("Show the send plan")).click()
        plan = page.locator("pre.plan").inner_text()
        assert "REPORT_SMTP_PASSWORD is set" in plan and PASSWORD not in page.content()
        page.get_by_label(re.compile("To send, type the number of readers")).fill("2")
        page.get_by_role("button", name="Send to 2 readers").click()
        page.wait_for_selector(".flash.done")
        assert handler.logins == [(b"desk", PASSWORD.encode())] and len(handler.received) == 1
    finally:
        context.close()
        stop(process)
        controller.stop()


def test_a_busy_port_is_a_sentence(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        workbook = tmp_path / "tracker.xlsx"
        workbook.write_bytes(SAMPLE.read_bytes())
        result = run_cli("desk", str(workbook), "--port", str(port), "--no-browser")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: Cannot listen on 127.0.0.1:{port} (Address already in use): give another "
                                    "--port, or 0 for a free one.")


# -- accessibility and screenshots ------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1280, 390])
def test_every_screen_passes_axe_and_is_photographed(desk: Desk, browser: Any, artifacts: Path, width: int) -> None:
    assert AXE.is_file(), "axe-core is missing: run scripts/test, which installs it into .ci/node"
    # axe is injected as a script of its own, which the desk's policy rightly refuses: this context alone bypasses it.
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(desk.url)
        if not (desk.out / f"briefing-{EDITION}.eml").exists():  # run alone: an edition to sign off and send
            page.goto(desk.base + "/publish")
            page.get_by_role("button", name="Build this edition").click()
            page.wait_for_selector("#built-verdict")
        for name, path in SCREENS.items():
            page.goto(desk.base + path)
            if name == "send":  # with the plan and the confirmation open, as the editor sees it before sending
                if page.locator(".done", has_text="Approved by").count() == 0:
                    page.locator("#approver").fill("A. Editor")
                    page.get_by_role("button", name="Approve this edition").click()
                page.get_by_role("button", name=re.compile("Show the send plan")).click()
                # Once sent, send refuses a repeat that does not say what it is: the screen shows its sentence.
                page.wait_for_selector("#plan, .flash.refused")
                page.goto(desk.base + path)  # the plan stays in the session; no #plan to start focus from
            page.wait_for_load_state("load")
            if page.locator("iframe").count():
                # Chromium does not paint a sandboxed frame while it is off screen: bring it in first.
                page.frame_locator("iframe").locator("body").wait_for()
                page.locator("iframe").scroll_into_view_if_needed()
                page.wait_for_timeout(300)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations'], iframes: false})")
            bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]
            assert not bad, (name, width, bad)
            page.screenshot(path=str(artifacts / f"desk-{name}-{width}.png"), full_page=True)
            assert page.locator("input[type=password]").count() == 0  # SMTP's password never comes from the page
            # Keyboard: the first Tab reaches the skip link, and focus is visible.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip"
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        ctx.close()


# -- the history's actions table ----------------------------------------------------------------------------------

def test_a_history_from_before_the_desk_gains_its_actions_table(tmp_path: Path) -> None:
    import datetime as dt

    from report.history import History
    from report.history.store import MIGRATIONS

    path = tmp_path / "history.sqlite"
    with History(path):
        pass
    # As an older report left it: the version before the desk's migration, no actions table.
    before = next(i for i, steps in enumerate(MIGRATIONS) if any("TABLE IF NOT EXISTS actions" in s for s in steps))
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE actions")
        db.execute(f"PRAGMA user_version = {before}")
    db.close()
    with History(path) as history:
        assert history.actions() == []
        history.record_action("approve", dt.date(2026, 6, 1), "Approved edition 2026-06-01 by A. Editor")
        [row] = history.actions()
    assert (row.action, row.edition, row.outcome) == ("approve", dt.date(2026, 6, 1),
                                                      "Approved edition 2026-06-01 by A. Editor")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row.at)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()
