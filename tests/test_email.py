"""The email edition (SPEC §6, §7): MIME structure, email-safe HTML, charts, header safety, and how it looks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import io
import re
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import openpyxl
import pytest
from conftest import EDITION, tiny_xlsx
from PIL import Image

from report.briefing import Link, SourceRow, TimelineItem
from report.eml import check_header_text, edition_of, parse_address
from report.errors import MailError
from report.present import present
from report.render.email import charts, render_email

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)
# SPEC §6's sections in order (the trend follows Key figures): the HTML part's data-section ids, and each
# section's label as the reader sees it, set in capitals (the masthead has none: it is the title).
SECTION_IDS = ["masthead", "verdict", "key-figures", "trend", "changes", "labs", "evidence", "timeline", "watchlist",
               "health", "sources"]
SECTION_LABELS = ["VERDICT", "KEY FIGURES", "TREND ACROSS EDITIONS", "WHAT CHANGED SINCE THE LAST EDITION",
                  "LAB BOARD", "EVIDENCE BY QUARTER", "TIMELINE SINCE THE PIVOT", "WATCHLIST", "DATA HEALTH",
                  "SOURCES"]


def xlsx_for(briefing) -> bytes:  # type: ignore[no-untyped-def]
    """The attachment: the email's tests need a real workbook, not the xlsx renderer's (tests/test_xlsx.py)."""
    return tiny_xlsx()


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture(scope="module")
def sample_eml(sample_briefing) -> bytes:  # type: ignore[no-untyped-def]
    return render_email(present(sample_briefing), xlsx_for(sample_briefing), now=NOW).data


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
    assert message["From"] == "The open-weights desk <briefing@example.com>"  # the Publication names the sender
    # Like a newsletter: To is the sender (no List address in the sample); the Recipients are in Bcc.
    assert message["To"] == "The open-weights desk <briefing@example.com>" and message["Bcc"] == "desk@example.com"
    # Verdict first and short enough for a phone's inbox (the words are report/present/words.py's).
    assert message["Subject"] == present(sample_briefing).subject == "TOO EARLY: 0 of 4 labs follow Alibaba · Bifurcation briefing 1 Jun"
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
    positions = [text.index(label) for label in SECTION_LABELS]
    assert positions == sorted(positions)
    # The headline, figures, changes, watchlist and sources, as the reader needs them without HTML.
    assert "0 of 4 watched labs have followed" in text.replace("\n", " ")
    assert "Followers" in text and "0 of 4" in text
    assert "−0.60" in text and "pays 1.20 vs reverts 1.80" in text
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
    # The stylesheet's rules are inlined; the <style> keeps what cannot be: media queries, dark mode, and the
    # iOS data-detector reset.
    styles = " ".join(re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.DOTALL))
    assert "a[x-apple-data-detectors]" in styles and "prefers-color-scheme: dark" in styles
    metas = {a.get("name"): a.get("content") for t, a in tags(html) if t == "meta" and a.get("name")}
    assert metas["color-scheme"] == "light dark" and "telephone=no" in (metas["format-detection"] or "")
    # No web fonts: MJML's Google Fonts link never appears, whatever the font stack.
    assert "fonts.googleapis" not in lowered
    assert 'style="' in html
    found = tags(html)
    # Nothing is wider than the email (Outlook's ghost tables, in comments, are not parsed here).
    widths = [int(w) for _, a in found for w in re.findall(r"(?<![-\w])width:\s*(\d+)px", a.get("style") or "")]
    widths += [int(a["width"] or 0) for _, a in found if (a.get("width") or "").isdigit()]
    assert widths and max(widths) <= 600
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
        # Drawn at the email's full width, twice over: text 18 units at 600 is 11 px at 375.
        assert picture.format == "PNG" and picture.size[0] == 2 * 600
        assert len(png) < 120_000


def test_html_has_every_section_in_order(message: EmailMessage) -> None:
    html = html_of(message)
    order = [attrs["data-section"] for _, attrs in tags(html) if "data-section" in attrs]
    assert order == SECTION_IDS
    text = re.sub(r"<[^>]+>", " ", html)
    positions = [text.find(label) for label in SECTION_LABELS]
    assert -1 not in positions, dict(zip(SECTION_LABELS, positions, strict=True))
    assert positions == sorted(positions)


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
    html = html_of(parse(render_email(present(briefing), tiny_xlsx(), now=NOW).data))
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "javascript:" not in html and "click me" in html
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html


def test_no_charts_without_data(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    briefing = dataclasses.replace(sample_briefing, quarters=(), timeline=())
    message = parse(render_email(present(briefing), tiny_xlsx(), now=NOW).data)
    assert not inline_images(message)
    assert "<img" not in html_of(message)
    assert "No events since the pivot" in html_of(message)


# -- charts ------------------------------------------------------------------------------------------


def test_charts_are_deterministic_and_survive_odd_lab_names(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    assert [c.png for c in charts(present(sample_briefing))] == [c.png for c in charts(present(sample_briefing))]
    odd = tuple(TimelineItem(EDITION - dt.timedelta(days=i), name, "Other", "x", None, None, False)
                for i, name in enumerate(["$x$ Lab", "a $ b", r"\frac{1}{2}", "智谱 AI", "A" * 80]))
    drawn = charts(present(dataclasses.replace(sample_briefing, timeline=odd)))
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
        render_email(present(briefing), tiny_xlsx())


@pytest.mark.parametrize("bad", INJECTIONS[:4] + ["a@example.com, evil@example.com", "not an address"])
def test_recipients_and_sender_cannot_forge_headers(sample_briefing, bad: str) -> None:  # type: ignore[no-untyped-def]
    for briefing in (dataclasses.replace(sample_briefing, recipients=("desk@example.com", bad)),
                     dataclasses.replace(sample_briefing, sender=bad)):
        with pytest.raises(MailError):
            render_email(present(briefing), tiny_xlsx())


def test_header_text_checks() -> None:
    assert check_header_text("The bifurcation briefing — été", "Title") == "The bifurcation briefing — été"
    for bad in INJECTIONS + ["tab\x0bvertical", "x\x85y"]:
        with pytest.raises(MailError) as caught:
            check_header_text(bad, "The Title setting")
        assert "\n" not in str(caught.value) and "\r" not in str(caught.value)
    assert parse_address("Desk <desk@example.com>", "To").addr_spec == "desk@example.com"
    assert parse_address("desk@example.com", "To").display_name == ""
    for bad in ["", "desk", "x@", "@example.com", "a@example.com b@example.com", "a@example.com, b@example.com",
                "group: a@example.com;", "dësk@example.com", "a@localhost", "=?utf-8?q?Evil?= <a@example.com>"]:
        with pytest.raises(MailError):
            parse_address(bad, "The address")


def test_without_sender_or_recipients_the_eml_is_still_built(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    from report import eml

    message = parse(render_email(present(dataclasses.replace(sample_briefing, sender=None, recipients=())), tiny_xlsx()).data)
    assert message["From"] is None and message["To"] is None
    assert re.fullmatch(r"<[^<>@\s]+@report\.invalid>", str(message["Message-ID"]))
    described = "\n".join(eml.describe(message))
    assert "From:       (none: fill in Sender on the Settings sheet)" in described
    assert "To:         (none)" in described
    with pytest.raises(MailError, match="no sender: fill in Sender"):
        eml.check_envelope(message)
    message["From"] = "briefing@example.com"
    with pytest.raises(MailError, match="no recipients: give --to"):
        eml.check_envelope(message)
