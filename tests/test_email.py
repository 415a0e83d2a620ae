"""The email edition (SPEC §6, §7): MIME structure, email-safe HTML, charts, header safety, and how it looks."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import email.policy
import io
import re
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from conftest import EDITION
from PIL import Image

from report.briefing import SECTIONS, HealthItem, Link, SourceRow, TimelineItem
from report.eml import edition_of
from report.errors import MailError
from report.render.charts import charts
from report.render.email import HTML_BUDGET, render_eml, subject

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)


def tiny_xlsx() -> bytes:
    """A real but small workbook to attach when the xlsx renderer is not there yet."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Briefing").write(0, 0, "Briefing")
    book.close()
    return out.getvalue()


def xlsx_for(briefing) -> bytes:  # type: ignore[no-untyped-def]
    try:
        from report.render.xlsx import render_xlsx
    except ImportError:
        return tiny_xlsx()
    return render_xlsx(briefing)


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture(scope="module")
def sample_eml(sample_briefing) -> bytes:  # type: ignore[no-untyped-def]
    return render_eml(sample_briefing, xlsx_for(sample_briefing), now=NOW)


@pytest.fixture(scope="module")
def message(sample_eml: bytes) -> EmailMessage:
    return parse(sample_eml)


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    # The message travels with CRLF line ends; the parser keeps them.
    return str(body.get_content()).replace("\r\n", "\n")


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def inline_images(message: EmailMessage) -> dict[str, bytes]:
    """Content-ID (without <>) -> PNG bytes."""
    out = {}
    for part in message.walk():
        if part.get("Content-ID"):
            out[str(part["Content-ID"]).strip("<>")] = part.get_payload(decode=True)
    return out


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


# -- structure ---------------------------------------------------------------------------------------


def test_mime_tree(message: EmailMessage) -> None:
    tree = [(part.get_content_type(), part.get_content_disposition()) for part in message.walk()]
    assert tree == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("multipart/related", None),
        ("text/html", None),
        ("image/png", "inline"),
        ("image/png", "inline"),
        (XLSX, "attachment"),
    ]
    # Quoted-printable: short 7-bit lines whatever the relay supports.
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert part["Content-Transfer-Encoding"] == "quoted-printable"
            assert part.get_content_charset() == "utf-8"


def test_headers(message: EmailMessage, sample_briefing) -> None:  # type: ignore[no-untyped-def]
    assert message["From"] == "briefing@example.com"
    # Like a newsletter: To is the sender (no List address in the sample); the Recipients are in Bcc.
    assert message["To"] == "briefing@example.com" and message["Bcc"] == "desk@example.com"
    assert message["Subject"] == (f"The bifurcation briefing — 2026-06-01: {sample_briefing.verdict.headline}")
    assert message["Subject"] == subject(sample_briefing)
    assert message["X-Report-Edition"] == "2026-06-01"
    assert edition_of(message) == EDITION
    assert parsedate_to_datetime(str(message["Date"])) == NOW
    assert re.fullmatch(r"<[^<>@\s]+@example\.com>", str(message["Message-ID"]))
    for name in ("From", "To", "Subject", "Date", "Message-ID", "X-Report-Edition", "MIME-Version"):
        assert len(message.get_all(name) or []) == 1, name
    assert message.get_all("Cc") is None


def test_raw_message_is_smtp_ready(sample_eml: bytes) -> None:
    lines = sample_eml.split(b"\r\n")
    assert b"\n" not in b"".join(lines), "every line ends in CRLF"
    assert max(len(line) for line in lines) <= 998
    assert sample_eml.isascii()


def test_text_part_has_every_section_in_order(message: EmailMessage, sample_briefing) -> None:  # type: ignore[no-untyped-def]
    text = text_of(message)
    assert text.startswith("The bifurcation briefing\n")
    positions = [text.index(heading.upper()) for _, heading in SECTIONS[1:]]
    assert positions == sorted(positions)
    # The headline, figures, changes, watchlist and sources, as the reader needs them without HTML.
    assert "0 of 4 watched labs have followed" in text.replace("\n", " ")
    assert "Followers:           0 of 4 watched labs" in text
    assert "−0.60 (pays 1.20 vs reverts 1.80" in text
    assert "First edition: no earlier briefing to compare." in text
    assert "Alibaba Cloud's Q3 2026 AI revenue disclosures" in text
    assert "Seed report, 2026-05-27" in text
    assert "<" not in text.replace("<http", "")  # no markup in the text part


def test_attachment_is_the_workbook(message: EmailMessage, sample_briefing) -> None:  # type: ignore[no-untyped-def]
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["briefing-2026-06-01.xlsx"]
    data = attachments[0].get_payload(decode=True)
    assert attachments[0]["Content-Transfer-Encoding"] == "base64"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames


# -- the HTML part -----------------------------------------------------------------------------------


def test_html_is_email_safe(message: EmailMessage) -> None:
    html = html_of(message)
    assert len(html.encode("utf-8")) < 100 * 1024
    lowered = html.lower()
    for banned in ("<svg", "<script", "<link", "<iframe", "url(", "@import", "javascript:", "<video", "<form"):
        assert banned not in lowered, banned
    # Every stylesheet rule was inlined but the @media ones, which cannot be.
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL)
    assert all(re.fullmatch(r"\s*(@media[^{]+\{(?:[^{}]*\{[^{}]*\})*\s*\}\s*)*", s) for s in styles), styles
    assert 'style="' in html
    found = tags(html)
    widths = [int(a["width"]) for t, a in found if t == "table" and a.get("width", "").isdigit()]  # type: ignore[union-attr]
    assert widths and max(widths) <= 640
    assert not [t for t, a in found if t in ("div", "p") and "display:flex" in (a.get("style") or "").replace(" ", "")]
    for tag, attrs in found:
        for name in ("src", "href", "background"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("cid:", "https://", "http://", "mailto:")), (tag, value)
                if tag == "img":
                    assert value.startswith("cid:"), "no remote images"


def test_every_chart_is_a_cid_png_with_alt_text(message: EmailMessage) -> None:
    html = html_of(message)
    images = inline_images(message)
    imgs = [attrs for tag, attrs in tags(html) if tag == "img"]
    assert len(imgs) == 2
    for attrs in imgs:
        src = attrs["src"] or ""
        assert src.startswith("cid:") and src[4:] in images
        alt = attrs.get("alt") or ""
        assert len(alt) > 30 and ("quarter" in alt or "Timeline" in alt), alt
        assert int(attrs["width"] or 0) <= 600 and int(attrs["height"] or 0) > 0
    assert set(images) == {(a["src"] or "")[4:] for a in imgs}, "every image part is used"
    for png in images.values():
        picture = Image.open(io.BytesIO(png))
        assert picture.format == "PNG" and picture.size[0] == 2 * 544
        assert len(png) < 40_000


def test_html_has_every_section_in_order(message: EmailMessage) -> None:
    html = html_of(message)
    order = [attrs["data-section"] for _, attrs in tags(html) if "data-section" in attrs]
    assert order == [section for section, _ in SECTIONS]
    text = re.sub(r"<[^>]+>", " ", html)
    for _, heading in SECTIONS[1:]:
        assert heading in text, heading


def test_cell_text_is_escaped_and_links_are_safe(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    evil = "<img src=x onerror=alert(1)>"
    briefing = dataclasses.replace(
        sample_briefing,
        timeline=(dataclasses.replace(sample_briefing.timeline[0], headline=evil,
                                      source=Link("click me", "javascript:alert(1)")),),
        sources=(SourceRow("Home", None, Link("Home", "https://example.com/a?b=1&c=2"), None, None, 1),),
        figures=dataclasses.replace(sample_briefing.figures, next_milestone=evil),
        labs=(dataclasses.replace(sample_briefing.labs[0], lab=evil, flagship_model=evil),),
    )
    html = html_of(parse(render_eml(briefing, tiny_xlsx(), now=NOW)))
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html and "click me" in html
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html


def test_a_big_briefing_stays_under_gmails_clip(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    first = sample_briefing.timeline[0]
    many = tuple(dataclasses.replace(first, date=first.date + dt.timedelta(days=i % 40), headline=f"Event {i} " * 8,
                                     is_pivot=i == 0) for i in range(400))
    health = tuple(HealthItem("warning", f"Signals!A{i}", "A long warning about this row " * 4) for i in range(400))
    briefing = dataclasses.replace(sample_briefing, timeline=many, health=health)
    message = parse(render_eml(briefing, tiny_xlsx(), now=NOW))
    html = html_of(message)
    assert len(html.encode("utf-8")) <= HTML_BUDGET
    assert "more: see the attached workbook" in html
    assert [a["data-section"] for _, a in tags(html) if "data-section" in a] == [s for s, _ in SECTIONS]
    assert "Event 399" in text_of(message), "the text part keeps everything"


def test_no_charts_without_data(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    briefing = dataclasses.replace(sample_briefing, quarters=(), timeline=())
    message = parse(render_eml(briefing, tiny_xlsx(), now=NOW))
    assert not inline_images(message)
    assert "<img" not in html_of(message)
    assert "No events since the pivot" in html_of(message)


# -- charts ------------------------------------------------------------------------------------------


def test_charts_are_deterministic_and_survive_odd_lab_names(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    assert [c.png for c in charts(sample_briefing)] == [c.png for c in charts(sample_briefing)]
    odd = tuple(TimelineItem(EDITION - dt.timedelta(days=i), name, "Other", "x", None, None, False)
                for i, name in enumerate(["$x$ Lab", "a $ b", r"\frac{1}{2}", "智谱 AI", "A" * 80]))
    drawn = charts(dataclasses.replace(sample_briefing, timeline=odd))
    assert drawn[-1].name == "timeline" and drawn[-1].png.startswith(b"\x89PNG")


# -- header safety -----------------------------------------------------------------------------------

INJECTIONS = [
    "Briefing\r\nBcc: evil@example.com",
    "Briefing\nBcc: evil@example.com",
    "Briefing\rBcc: evil@example.com",
    "=?utf-8?q?x=0D=0ABcc:_evil@example.com?=",
    "Briefing\u2028Bcc: evil@example.com",
    "Briefing\x00Bcc: evil@example.com",
]


@pytest.mark.parametrize("title", INJECTIONS)
def test_a_title_cannot_forge_headers(sample_briefing, title: str) -> None:  # type: ignore[no-untyped-def]
    briefing = dataclasses.replace(sample_briefing, masthead=dataclasses.replace(sample_briefing.masthead, title=title))
    with pytest.raises(MailError, match="Title setting"):
        render_eml(briefing, tiny_xlsx())


@pytest.mark.parametrize("bad", INJECTIONS[:4] + ["a@example.com, evil@example.com", "not an address"])
def test_recipients_and_sender_cannot_forge_headers(sample_briefing, bad: str) -> None:  # type: ignore[no-untyped-def]
    for briefing in (dataclasses.replace(sample_briefing, recipients=("desk@example.com", bad)),
                     dataclasses.replace(sample_briefing, sender=bad)):
        with pytest.raises(MailError):
            render_eml(briefing, tiny_xlsx())


# Header safety through the whole pipeline (check and build agree at each cell): tests/test_safety.py.


# -- how it looks ------------------------------------------------------------------------------------


def with_data_uris(message: EmailMessage) -> str:
    """The HTML with each cid: image swapped for a data: URI, as a mail client would show it."""
    html = html_of(message)
    for cid, png in inline_images(message).items():
        html = html.replace(f"cid:{cid}", "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    return html


@pytest.mark.parametrize("width", [600, 375])
def test_email_in_chromium(browser, artifacts: Path, message: EmailMessage, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.set_content(with_data_uris(message), wait_until="load")
        page.screenshot(path=str(artifacts / f"email-{width}.png"), full_page=True)
        # Nothing scrolls sideways, every chart loaded, and nothing was fetched from anywhere.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        loaded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        assert loaded == [True, True]
        widths = page.evaluate("Array.from(document.images).map(i => i.getBoundingClientRect().width)")
        assert all(0 < w <= min(544, width) for w in widths)
        assert not [url for url in requests if not url.startswith(("data:", "about:"))]
    finally:
        page.close()
    for cid, png in inline_images(message).items():
        name = "evidence" if "evidence" in cid else "timeline"
        (artifacts / f"email-chart-{name}.png").write_bytes(png)
