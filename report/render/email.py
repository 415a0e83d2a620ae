"""The email edition: one MIME message with a plain-text part, an email-safe HTML part with PNG charts, and the
workbook attached.

    multipart/mixed
      multipart/alternative
        text/plain                      templates/briefing.txt.j2
        multipart/related
          text/html                     templates/email.html.j2, CSS inlined, charts as cid: images
          image/png (inline, Content-ID) one per chart
      application/vnd.openxmlformats-officedocument.spreadsheetml.sheet   briefing-EDITION.xlsx

Without a Sender the message is built without From, and without Recipients without To: the .eml is still
useful to look at, and `report send` refuses it with a sentence saying what to fill in (or takes --to).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import css_inline

from ..analysis import safe_url
from ..briefing import Briefing
from ..eml import address_message, check_header_text, msgid_domain, new_msgid, parse_address
from .charts import charts
from .templating import environment

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Gmail clips a message whose HTML passes about 102 KB; stay clear of it with room to spare.
HTML_BUDGET = 90_000
# How many rows each long list shows, tried in turn until the HTML fits the budget (None: all of them).
ROW_LIMITS: tuple[int | None, ...] = (None, 40, 20, 10, 5)

_INLINER = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False,
                                 minify_css=True)


@dataclass(frozen=True)
class InlineImage:
    """A chart as the HTML refers to it: `src` is 'cid:...' in the message (a data: URI in a preview)."""

    src: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class Headers:
    """The checked header values of one edition."""

    subject: str
    sender: Address | None
    recipients: tuple[Address, ...]
    edition: dt.date


def subject(briefing: Briefing) -> str:
    """'The bifurcation briefing — 2026-06-01: The pivot is being watched, ...'."""
    return f"{briefing.masthead.title} — {briefing.masthead.edition.isoformat()}: {briefing.verdict.headline}"


def headers(briefing: Briefing) -> Headers:
    """The header values, each checked: cell text never becomes a header line (MailError if it could)."""
    check_header_text(briefing.masthead.title, "The Title setting")
    check_header_text(briefing.verdict.headline, "The verdict headline")
    sender = parse_address(briefing.sender, "The Sender setting") if briefing.sender else None
    recipients = tuple(parse_address(r, "The Recipients setting's address") for r in briefing.recipients)
    return Headers(subject(briefing), sender, recipients, briefing.masthead.edition)


def render_text(briefing: Briefing) -> str:
    """The plain-text alternative: every section, in order, for mail programs that show no HTML."""
    return environment(autoescape=False).get_template("briefing.txt.j2").render(briefing=briefing)


def render_email_html(briefing: Briefing, images: dict[str, InlineImage]) -> str:
    """The HTML part, CSS inlined, as long lists allow within Gmail's clipping limit."""
    template = environment(autoescape=True).get_template("email.html.j2")
    html = ""
    for limit in ROW_LIMITS:
        html = _INLINER.inline(template.render(briefing=briefing, images=images, limit=limit, safe_url=safe_url))
        if len(html.encode("utf-8")) <= HTML_BUDGET:
            break
    return html


def build_message(briefing: Briefing, xlsx: bytes, now: dt.datetime | None = None) -> EmailMessage:
    """The edition as an EmailMessage (see the module docstring for its parts)."""
    checked = headers(briefing)
    domain = msgid_domain(checked.sender)
    drawn = charts(briefing)
    cids = {chart.name: new_msgid(chart.name, domain) for chart in drawn}
    images = {chart.name: InlineImage("cid:" + cids[chart.name][1:-1], chart.alt, chart.width, chart.height)
              for chart in drawn}

    message = EmailMessage(policy=policy.SMTP)
    address_message(message, briefing)  # From, To, Bcc and the list headers (report/eml.py)
    message["Subject"] = checked.subject
    message["Date"] = format_datetime(now or dt.datetime.now().astimezone())
    message["Message-ID"] = new_msgid(checked.edition.isoformat(), domain)
    message["X-Report-Edition"] = checked.edition.isoformat()

    # Quoted-printable keeps every line short and 7-bit, whatever the server says about 8BITMIME.
    message.set_content(render_text(briefing), subtype="plain", cte="quoted-printable")
    message.add_alternative(render_email_html(briefing, images), subtype="html", cte="quoted-printable")
    html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    for chart in drawn:
        html_part.add_related(chart.png, "image", "png", cid=cids[chart.name], filename=chart.filename,
                              disposition="inline")
    message.add_attachment(xlsx, *XLSX_TYPE, filename=f"{briefing.stem}.xlsx")
    return message


def render_eml(briefing: Briefing, xlsx: bytes, now: dt.datetime | None = None) -> bytes:
    """The .eml file's bytes (CRLF line ends, as SMTP sends them)."""
    return build_message(briefing, xlsx, now).as_bytes(policy=policy.SMTP)
