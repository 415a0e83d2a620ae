"""The HTML page: one self-contained file (inline CSS and SVG; no scripts, fonts, images or links to fetch).

The templates place what report/present/ decided; the charts are the SVG drawn once for every format
(report/render/svg_charts.py), inlined. This module adds only what HTML alone needs: `href` (an address is
linked only when it is http, https or mailto) and `nobreak` (dates inside free text hold together). Every
string from the workbook is escaped by autoescape.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .. import palette
from ..analysis import safe_url
from ..briefing import Link
from ..present import Presentation
from .jinja import environment
from .svg_charts import presentation_charts
from .trend_chart import trend_svg


def render_html(p: Presentation) -> str:
    """The briefing as one self-contained HTML5 page (SPEC §6), placing what `p` holds."""
    template = environment().get_template("briefing.html.j2")
    drawn = presentation_charts(p)
    return template.render(
        p=p,
        palette=palette.CSS,
        evidence_chart=drawn.get("evidence"),
        timeline_chart=drawn.get("timeline"),
        trend_chart=trend_svg(p.trend) if p.trend is not None and not p.trend.first else None,
        href=href,
        nobreak=nobreak,
    )


def href(link: Link | None) -> str | None:
    """The address to link to, or None. Checked again here: an href never comes from anything but http(s)/mailto."""
    if link is None:
        return None
    return safe_url(link.url)


# Dates and quarters inside free text ("Seed report, 2026-05-27"): a line never breaks at their hyphens.
_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-Q[1-4]")


def nobreak(text: str | None) -> Markup:
    """The text escaped, with each date or quarter in it kept on one line."""
    if not text:
        return Markup("")
    out, last = [], 0
    for match in _DATE_LIKE.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<span class="nowrap">{}</span>').format(match.group()))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
