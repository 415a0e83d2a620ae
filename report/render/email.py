"""The email edition: one MIME message with a plain-text part, an HTML part with PNG charts, and the workbook.

    multipart/mixed
      multipart/alternative
        text/plain                      templates/briefing.txt.j2, the same row limits as the HTML
        multipart/related
          text/html                     templates/email.mjml.j2 -> mjml -> css_inline; charts as cid: images
          image/png (inline, Content-ID) one per chart: the page's SVG, rasterised by resvg
      application/vnd.openxmlformats-officedocument.spreadsheetml.sheet   briefing-EDITION.xlsx

The HTML part is built from MJML (the `mjml` package: fluid hybrid columns, Outlook ghost tables and the
head boilerplate come with it), fed by the Presentation (report/present.py), so it shows what the page shows.

Budget (issue 11 §4): the HTML part never passes HTML_BUDGET. How many rows each list shows is planned from
the rows' counts and lengths before anything is rendered (`plan_limit`); the rendered part is then measured,
and if the estimate was short the next smaller limit is tried. When even the smallest limit does not fit,
the longest sections are summarised to one sentence each ("412 rows: see the attached workbook") and the
build is told (`EmailParts.warnings`). The plain text uses the same limits, so it is bounded too.

Without a Sender the message is built without From, and without Recipients without To: the .eml is still
useful to look at, and `report send` refuses it with a sentence saying what to fill in (or takes --to).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import NamedTuple

import css_inline

from .. import palette
from ..analysis import safe_url
from ..briefing import Briefing
from ..eml import address_message, check_header_text, msgid_domain, new_msgid, parse_address
from ..present import Limits, Presentation, more_note, present, trend_view
from . import svg_charts
from .jinja import environment

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Gmail clips a message whose HTML passes about 102 KB; stay clear of it with room to spare.
HTML_BUDGET = 90_000
# How many rows each long list may show, tried in turn (never more than the page shows: present.Limits).
ROW_LIMITS: tuple[int, ...] = (40, 20, 10, 5, 3)
# The estimate: the markup the template and MJML put around one row, and the fixed page around the lists
# (measured on the sample; tests/test_email_budget.py holds the estimate to the rendered size).
ROW_MARKUP = 650
SUMMARY_MARKUP = 450
PAGE_MARKUP = 31_000
ESCAPE = 1.1  # escaping and inlined styles on the rows' own text

_INDENT = re.compile(r"\n[ \t]+")
_INLINER = css_inline.CSSInliner(keep_style_tags=True, keep_at_rules=True, load_remote_stylesheets=False,
                                 minify_css=True)

# The lists the email shows, by section: where every row is in a Presentation, and the page's own cap
# (a present.Limits field) when the page shows fewer than all.
LISTS: dict[str, tuple[str, str | None]] = {
    "verdict": ("verdict.all_signals", "reasons"),
    "changes": ("changes.lines", None),
    "labs": ("labs.rows", None),
    "evidence": ("evidence.latest.all", "signals"),
    "timeline": ("timeline.all", "timeline"),
    "watchlist": ("watchlist.all", "watchlist"),
    "health": ("health.items.all", "health"),
    "sources": ("sources.all", "sources"),
}


@dataclass(frozen=True)
class InlineImage:
    """A chart as the HTML refers to it: `src` is 'cid:...' in the message (a data: URI in a preview)."""

    src: str
    alt: str
    width: int
    height: int


@dataclass(frozen=True)
class Chart:
    """One inline image of the email: its PNG bytes, the size it is shown at, and its alt text."""

    name: str
    png: bytes
    width: int
    height: int
    alt: str

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


@dataclass(frozen=True)
class EmailParts:
    """The HTML and text parts, the row limit they were built with, and what the build should say."""

    html: str
    text: str
    limit: int
    summarised: tuple[str, ...]  # section ids shown as one sentence
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Headers:
    """The checked header values of one edition."""

    subject: str
    sender: Address | None
    recipients: tuple[Address, ...]
    edition: dt.date


class EmailResult(NamedTuple):
    """The .eml's bytes, the warnings for the console, and the message itself (for preflight to read)."""

    data: bytes
    warnings: tuple[str, ...]
    message: EmailMessage


def subject(briefing: Briefing) -> str:
    """The Subject line, as the Presentation words it (verdict first, under 80 characters)."""
    return present(briefing).subject


def headers(briefing: Briefing, presentation: Presentation | None = None) -> Headers:
    """The header values, each checked: cell text never becomes a header line (MailError if it could)."""
    p = presentation or present(briefing)
    check_header_text(briefing.masthead.title, "The Title setting")
    check_header_text(p.subject, "The subject")
    sender = parse_address(briefing.sender, "The Sender setting") if briefing.sender else None
    recipients = tuple(parse_address(r, "The Recipients setting's address") for r in briefing.recipients)
    return Headers(p.subject, sender, recipients, briefing.masthead.edition)


def charts(briefing: Briefing) -> tuple[Chart, ...]:
    """The email's charts, in the order the sections show them: the page's SVG, rasterised; none without data."""
    drawn: list[svg_charts.ChartSvg] = []
    if briefing.quarters:
        drawn.append(svg_charts.evidence_svg(briefing.quarters, briefing.verdict.margin))
    if briefing.timeline:
        drawn.append(svg_charts.timeline_svg(briefing.timeline, briefing.masthead.pivot_date,
                                             briefing.masthead.edition))
    return tuple(Chart(c.name, svg_charts.png(c), c.width, c.height, c.alt) for c in drawn) + trend_charts(briefing)


def trend_charts(briefing: Briefing) -> tuple[Chart, ...]:
    """The trend across editions as a PNG (report/render/trend_chart.py), drawn from the page's SVG."""
    from .trend_chart import trend_svg

    view = trend_view(briefing)
    if view.first:  # a first edition says so in words; a chart of one point says nothing more
        return ()
    drawn = trend_svg(view)
    return (Chart(drawn.name, svg_charts.png(drawn), drawn.width, drawn.height, drawn.alt),)


# --- The budget ----------------------------------------------------------------------------------------------

def _get(p: Presentation, path: str) -> Sequence[object]:
    value: object = p
    for name in path.split("."):
        value = getattr(value, name)
    assert isinstance(value, Sequence)
    return value


def _text_size(value: object) -> int:
    """The bytes a row's own text adds: every string field, links' names and addresses."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(_text_size(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, tuple):
        return sum(_text_size(v) for v in value)
    return 0


def _row_cost(row: object) -> float:
    return ROW_MARKUP + ESCAPE * _text_size(row)


def _fixed_cost(p: Presentation, images: dict[str, InlineImage]) -> float:
    """Everything but the lists: masthead, verdict sentences, figures, captions, chart alt texts."""
    parts: list[object] = [p.masthead, p.verdict.headline, p.verdict.score_note, p.verdict.facts, p.figures,
                           p.changes.note, p.evidence.caption, p.health.sentences, p.health.left_out]
    alts = sum(2 * len(img.alt.encode("utf-8")) for img in images.values())  # alt and the title MJML adds
    return PAGE_MARKUP + ESCAPE * sum(_text_size(x) for x in parts) + alts


def _shown(p: Presentation, section: str, limit: int) -> Sequence[object]:
    """The rows a section shows with this limit."""
    path, cap = LISTS[section]
    return _get(p, path)[: min(limit, getattr(Limits(), cap)) if cap else limit]


def estimate(p: Presentation, images: dict[str, InlineImage], limit: int, summarised: Sequence[str] = ()) -> float:
    """The HTML part's size in bytes, estimated from the rows' counts and lengths (nothing is rendered)."""
    total = _fixed_cost(p, images)
    for section in LISTS:
        if section in summarised:
            total += SUMMARY_MARKUP
            continue
        total += sum(_row_cost(row) for row in _shown(p, section, limit))
    return total


def plan_limit(p: Presentation, images: dict[str, InlineImage], budget: int = HTML_BUDGET) -> int:
    """The largest row limit whose estimated HTML fits the budget (the smallest limit when none does)."""
    for limit in ROW_LIMITS:
        if estimate(p, images, limit) <= budget:
            return limit
    return ROW_LIMITS[-1]


def limits_for(limit: int) -> Limits:
    """The page's limits, capped at `limit`: the email never shows more rows than the page."""
    page = Limits()
    return Limits(**{f.name: min(getattr(page, f.name), limit) for f in dataclasses.fields(Limits)})


def _summary(p: Presentation, section: str) -> str:
    rows = p.verdict.signals_count if section == "verdict" else len(_get(p, LISTS[section][0]))
    # The `more` macro adds the full stop.
    return f"{rows:,} row{'s' if rows != 1 else ''} in this list: see the attached workbook"


# --- Rendering -----------------------------------------------------------------------------------------------

def render_mjml(p: Presentation, images: dict[str, InlineImage], limit: int, summarised: dict[str, str]) -> str:
    template = environment(autoescape=True).get_template("email.mjml.j2")
    return template.render(p=p, c=palette, images=images, limit=limit, summarised=summarised,
                           safe_url=safe_url, more_note=more_note)


def compile_mjml(source: str) -> str:
    """MJML -> HTML with the `mjml` package, then every stylesheet rule inlined (the <style> stays for the
    clients that read it: the media queries, dark mode and the data-detector reset)."""
    from mjml import mjml_to_html

    result = mjml_to_html(source, keep_comments=False)
    if result.errors:  # pragma: no cover - a template error, caught by the tests
        raise ValueError("The email template is not valid MJML: " + "; ".join(map(str, result.errors)))
    # MJML indents deeply; a newline is whitespace enough (nothing here is preformatted).
    return _INLINER.inline(_INDENT.sub("\n", result.html))


def render_text(briefing: Briefing, p: Presentation, limit: int) -> str:
    """The plain-text alternative: every section, in order, with the HTML part's row limits."""
    template = environment(autoescape=False).get_template("briefing.txt.j2")
    return template.render(briefing=briefing, p=p, limit=limit, more_note=more_note)


def render_parts(briefing: Briefing, images: dict[str, InlineImage], budget: int = HTML_BUDGET,
                 presentation: Presentation | None = None) -> EmailParts:
    """The HTML and text parts within the budget (see the module docstring for the steps)."""
    whole = presentation or present(briefing)
    full = whole.limited(limits_for(ROW_LIMITS[0]))
    planned = plan_limit(full, images, budget)
    warnings: list[str] = []
    summarised: dict[str, str] = {}
    html = ""
    limits = [limit for limit in ROW_LIMITS if limit <= planned]
    p = full
    for limit in limits:
        p = whole.limited(limits_for(limit))
        html = compile_mjml(render_mjml(p, images, limit, summarised))
        if len(html.encode("utf-8")) <= budget:
            break
    else:
        limit = ROW_LIMITS[-1]
        # Still over at the smallest limit: the longest sections become one sentence each, longest first.
        by_size = sorted(LISTS, key=lambda s: -sum(_row_cost(r) for r in _shown(p, s, limit)))
        for section in by_size:
            if not _shown(p, section, limit):
                continue
            summarised[section] = _summary(p, section)
            html = compile_mjml(render_mjml(p, images, limit, summarised))
            if len(html.encode("utf-8")) <= budget:
                break
        names = ", ".join(heading for sid, heading in p.sections if sid in summarised)
        warnings.append(f"The email was over its {budget // 1000} KB budget with {limit} rows a list, so these "
                        f"sections show only how many rows they have and point to the attached workbook: {names}.")
        size = len(html.encode("utf-8"))
        if size > budget:
            warnings.append(f"The email's HTML is still {size:,} bytes, over its {budget:,}-byte budget: "
                            "shorten the longest texts in the workbook (the verdict, facts or key figures).")
    return EmailParts(html, render_text(briefing, p, limit), limit, tuple(summarised), tuple(warnings))


def build_message(briefing: Briefing, xlsx: bytes, now: dt.datetime | None = None,
                  presentation: Presentation | None = None) -> tuple[EmailMessage, tuple[str, ...]]:
    """The edition as an EmailMessage (see the module docstring for its parts), and the build's warnings."""
    presentation = presentation or present(briefing)
    checked = headers(briefing, presentation)
    domain = msgid_domain(checked.sender)
    drawn = charts(briefing)
    cids = {chart.name: new_msgid(chart.name, domain) for chart in drawn}
    images = {chart.name: InlineImage("cid:" + cids[chart.name][1:-1], chart.alt, chart.width, chart.height)
              for chart in drawn}
    parts = render_parts(briefing, images, presentation=presentation)

    message = EmailMessage(policy=policy.SMTP)
    address_message(message, briefing)  # From, To, Bcc and the list headers (report/eml.py)
    message["Subject"] = checked.subject
    message["Date"] = format_datetime(now or dt.datetime.now().astimezone())
    message["Message-ID"] = new_msgid(checked.edition.isoformat(), domain)
    message["X-Report-Edition"] = checked.edition.isoformat()
    add_archive_headers(message, briefing)

    # Quoted-printable keeps every line short and 7-bit, whatever the server says about 8BITMIME.
    message.set_content(parts.text, subtype="plain", cte="quoted-printable")
    message.add_alternative(parts.html, subtype="html", cte="quoted-printable")
    html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    for chart in drawn:
        html_part.add_related(chart.png, "image", "png", cid=cids[chart.name], filename=chart.filename,
                              disposition="inline")
    message.add_attachment(xlsx, *XLSX_TYPE, filename=f"{briefing.stem}.xlsx")
    return message, parts.warnings


CORRECTION_HEADER = "X-Report-Correction"  # the date a corrected edition was rebuilt (report send asks --correction)


def add_archive_headers(message: EmailMessage, briefing: Briefing) -> None:
    """List-Archive when the Web address is set (the web archive's index), and the correction mark."""
    web = briefing.mailing.web_address
    if web and safe_url(web):
        message["List-Archive"] = f"<{web}index.html>"
    if briefing.correction is not None:
        message[CORRECTION_HEADER] = briefing.correction.corrected_on.isoformat()


def render_email(briefing: Briefing, xlsx: bytes, now: dt.datetime | None = None,
                 presentation: Presentation | None = None) -> EmailResult:
    """The .eml file's bytes (CRLF line ends, as SMTP sends them), the warnings for the console and the message."""
    message, warnings = build_message(briefing, xlsx, now, presentation)
    return EmailResult(message.as_bytes(policy=policy.SMTP), warnings, message)


def render_eml(briefing: Briefing, xlsx: bytes, now: dt.datetime | None = None) -> bytes:
    """The .eml file's bytes (CRLF line ends, as SMTP sends them)."""
    return render_email(briefing, xlsx, now).data
