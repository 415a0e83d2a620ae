"""The email edition: one MIME message with a plain-text part, an HTML part with PNG charts, and the workbook.

    multipart/mixed
      multipart/alternative
        text/plain                      templates/briefing.txt.j2, the same row limits as the HTML
        multipart/related
          text/html                     templates/email.mjml.j2 -> mjml -> css_inline; charts as cid: images
          image/png (inline, Content-ID) one per chart: the page's SVG, rasterised by resvg
      application/vnd.openxmlformats-officedocument.spreadsheetml.sheet   briefing-EDITION.xlsx

The HTML part is built from MJML (the `mjml` package: fluid hybrid columns, Outlook ghost tables and the
head boilerplate come with it), fed by the Presentation (report/present/), so it shows what the page shows.

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
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import NamedTuple

import css_inline

from .. import palette
from ..analysis import safe_url
from ..eml import address_message, check_header_text, msgid_domain, new_msgid
from ..present import EMAIL_ROW_LIMITS as ROW_LIMITS
from ..present import Limits, Presentation
from ..present import email_limits as limits_for
from ..present.rows import summary_note
from . import svg_charts
from .jinja import environment

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Gmail clips a message whose HTML passes about 102 KB; stay clear of it with room to spare.
HTML_BUDGET = 90_000
# The estimate: the markup the template and MJML put around one row, and the fixed page around the lists
# (measured on the sample; tests/test_email_budget.py holds the estimate to the rendered size).
ROW_MARKUP = 650
SUMMARY_MARKUP = 450
PAGE_MARKUP = 31_000
ESCAPE = 1.1  # escaping and inlined styles on the rows' own text
TEXT_WIDTH = 76  # the text part's lines (RFC 5322 asks for 78 at most); a link longer than this stands alone
HANG_MAX = 40  # a wrapped row hangs under a column only this near the start, so its text keeps room
CHART_WIDTH = 560  # the 600-px column less the text's 20-px margins (mj-text's padding in email.mjml.j2)

_INDENT = re.compile(r"\n[ \t]+")
_INLINER = css_inline.CSSInliner(keep_style_tags=True, keep_at_rules=True, load_remote_stylesheets=False,
                                 minify_css=True)

# The lists the email shows, by section: where every row is in a Presentation, and the page's own cap
# (a present.Limits field) when the page shows fewer than all.
LISTS: dict[str, tuple[str, str | None]] = {
    "verdict": ("verdict.all_signals", "reasons"),
    "changes": ("changes.rows.all", "changes"),
    "labs": ("labs.rows", "labs"),
    "evidence": ("evidence.latest.all", "signals"),
    "timeline": ("timeline.all", "timeline"),
    "watchlist": ("watchlist.all", "watchlist"),
    "sources": ("sources.all", "sources"),
}


@dataclass(frozen=True)
class InlineImage:
    """A chart as the HTML refers to it: `src` is 'cid:...' in the message (a data: URI in a preview)."""

    src: str
    alt: str
    width: int
    height: int


def inline_image(src: str, chart: Chart) -> InlineImage:
    """A chart as the HTML shows it: CHART_WIDTH wide (inside the text's margins), its height in proportion.
    These are the img's width and height attributes (Outlook for Windows sizes by them); CSS scales it down
    on a phone with height:auto, so the picture keeps its aspect ratio at any width."""
    return InlineImage(src, chart.alt, CHART_WIDTH, round(chart.height * CHART_WIDTH / chart.width))


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


class EmailResult(NamedTuple):
    """The .eml's bytes, the warnings for the console, and the message itself (for preflight to read)."""

    data: bytes
    warnings: tuple[str, ...]
    message: EmailMessage


def check_headers(p: Presentation) -> None:
    """The header text, checked: cell text never becomes a header line (MailError if it could). The addresses
    are checked where they are set (eml.address_message)."""
    check_header_text(p.masthead.title, "The Title setting")
    check_header_text(p.subject, "The subject")


def charts(p: Presentation) -> tuple[Chart, ...]:
    """The email's charts, in the order the sections show them: the page's SVG (drawn from the same
    Presentation, so the same quarters and events: `Presentation.timeline_chart`), rasterised; none without data."""
    drawn = svg_charts.presentation_charts(p)
    if p.trend is not None and not p.trend.first:  # a first edition says so in words; one point says nothing
        from .trend_chart import trend_svg

        drawn["trend"] = trend_svg(p.trend)
    return tuple(Chart(c.name, svg_charts.png(c), c.width, c.height, c.alt) for c in drawn.values())


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
    parts: list[object] = [p.masthead, p.verdict.headline, p.verdict.score_gloss, p.verdict.facts, p.figures,
                           p.changes.note, p.changes.lead, p.changes.counts, p.evidence.caption, p.health.sentences,
                           p.health.left_out, p.closing, p.verdict.change_call]
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


def _summary(p: Presentation, section: str) -> str:
    rows = p.verdict.signals_count if section == "verdict" else len(_get(p, LISTS[section][0]))
    return summary_note(rows)  # the `more` macro adds the full stop


# --- Rendering -----------------------------------------------------------------------------------------------

def render_mjml(p: Presentation, images: dict[str, InlineImage], summarised: dict[str, str]) -> str:
    template = environment(autoescape=True).get_template("email.mjml.j2")
    return template.render(p=p, c=palette, images=images, summarised=summarised, safe_url=safe_url)


def compile_mjml(source: str) -> str:
    """MJML -> HTML with the `mjml` package, then every stylesheet rule inlined (the <style> stays for the
    clients that read it: the media queries, dark mode and the data-detector reset)."""
    from mjml import mjml_to_html

    result = mjml_to_html(source, keep_comments=False)
    if result.errors:  # pragma: no cover - a template error, caught by the tests
        raise ValueError("The email template is not valid MJML: " + "; ".join(map(str, result.errors)))
    # MJML indents deeply; a newline is whitespace enough (nothing here is preformatted).
    return _INLINER.inline(_INDENT.sub("\n", result.html))


def render_text(p: Presentation) -> str:
    """The plain-text alternative: every section, in order, with the HTML part's rows (`p` is already limited)."""
    template = environment(autoescape=False).get_template("briefing.txt.j2")
    return wrap_text(template.render(p=p))


# A column inside a row ("+1.20 pays  Signal", "Followers:    0 of 4", "*  fact"): two spaces or more after a
# word, near the start of the line. A wrapped row's next lines start under that column.
_COLUMN = re.compile(r"\S( {2,})(?=\S)")


def _hang(line: str) -> int:
    """Where a wrapped line's continuation starts: under its last column near the start, else a little in
    from the item's own indent (a paragraph at the margin stays at the margin)."""
    lead = len(line) - len(line.lstrip(" "))
    columns = [m.end(1) for m in _COLUMN.finditer(line[:HANG_MAX + 2]) if m.end(1) <= HANG_MAX]
    if columns:
        return columns[-1]
    return lead + 2 if lead else 0


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """The text part with every line at most `width` characters, wrapped at spaces under its hanging indent.
    A word longer than the line (a link) is never broken: it stands alone on its line."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        hang = " " * _hang(line)
        wrapper = textwrap.TextWrapper(width=width, subsequent_indent=hang, break_long_words=False,
                                       break_on_hyphens=False)
        out.extend(wrapper.wrap(line.rstrip()))
    return "\n".join(out)


def render_parts(whole: Presentation, images: dict[str, InlineImage], budget: int = HTML_BUDGET) -> EmailParts:
    """The HTML and text parts within the budget (see the module docstring for the steps)."""
    full = whole.for_email(limits_for(ROW_LIMITS[0]))
    planned = plan_limit(full, images, budget)
    warnings: list[str] = []
    summarised: dict[str, str] = {}
    html = ""
    limits = [limit for limit in ROW_LIMITS if limit <= planned]
    p = full
    for limit in limits:
        p = whole.for_email(limits_for(limit))
        html = compile_mjml(render_mjml(p, images, summarised))
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
            html = compile_mjml(render_mjml(p, images, summarised))
            if len(html.encode("utf-8")) <= budget:
                break
        names = ", ".join(heading for sid, heading in p.sections if sid in summarised)
        warnings.append(f"The email was over its {budget // 1000} KB budget with {limit} rows a list, so these "
                        f"sections show only how many rows they have and point to the attached workbook: {names}.")
        size = len(html.encode("utf-8"))
        if size > budget:
            warnings.append(f"The email's HTML is still {size:,} bytes, over its {budget:,}-byte budget: "
                            "shorten the longest texts in the workbook (the verdict, facts or key figures).")
    return EmailParts(html, render_text(p), limit, tuple(summarised), tuple(warnings))


def build_message(p: Presentation, xlsx: bytes, now: dt.datetime | None = None) -> tuple[EmailMessage, tuple[str, ...]]:
    """The edition as an EmailMessage (see the module docstring for its parts), and the build's warnings."""
    check_headers(p)
    edition = p.masthead.edition.value.isoformat()
    message = EmailMessage(policy=policy.SMTP)
    sender = address_message(message, p)  # From, To, Bcc and the list headers, each address checked once
    domain = msgid_domain(sender)
    drawn = charts(p)
    cids = {chart.name: new_msgid(chart.name, domain) for chart in drawn}
    images = {chart.name: inline_image("cid:" + cids[chart.name][1:-1], chart) for chart in drawn}
    parts = render_parts(p, images)

    message["Subject"] = p.subject
    message["Date"] = format_datetime(now or dt.datetime.now().astimezone())
    message["Message-ID"] = new_msgid(edition, domain)
    message["X-Report-Edition"] = edition
    add_archive_headers(message, p)

    # Quoted-printable keeps every line short and 7-bit, whatever the server says about 8BITMIME.
    message.set_content(parts.text, subtype="plain", cte="quoted-printable")
    message.add_alternative(parts.html, subtype="html", cte="quoted-printable")
    html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    for chart in drawn:
        html_part.add_related(chart.png, "image", "png", cid=cids[chart.name], filename=chart.filename,
                              disposition="inline")
    message.add_attachment(xlsx, *XLSX_TYPE, filename=f"{p.stem}.xlsx")
    return message, parts.warnings


CORRECTION_HEADER = "X-Report-Correction"  # the date a corrected edition was rebuilt (report send asks --correction)


def add_archive_headers(message: EmailMessage, p: Presentation) -> None:
    """List-Archive when the Web address is set (the web archive's index), and the correction mark."""
    if p.archive_url and safe_url(p.archive_url):
        message["List-Archive"] = f"<{p.archive_url}>"
    if p.correction is not None:
        message[CORRECTION_HEADER] = p.correction.corrected_on.iso


def render_email(p: Presentation, xlsx: bytes, now: dt.datetime | None = None) -> EmailResult:
    """The .eml file's bytes (CRLF line ends, as SMTP sends them), the warnings for the console and the message."""
    message, warnings = build_message(p, xlsx, now)
    return EmailResult(message.as_bytes(policy=policy.SMTP), warnings, message)


