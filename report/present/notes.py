"""The words around the sections: the page's captions, the xlsx sheets' notes, and the closing line.

Each is made from the finished `Presentation` (they quote its headings, dates and margin), so `present`
adds them last; `closing_line` is worded again when the email re-slices the presentation for its attachment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..analysis import SOON_DAYS
from ..schema import CONFIDENCE_FACTOR
from .rows import EMAIL_WHERE
from .views import SheetNotes
from .words import capitalised, leans_once

if TYPE_CHECKING:
    from . import Presentation


def page_captions(p: Presentation) -> dict[str, str]:
    """The page's table and chart captions, by name, and its signature and footer lines."""
    return {
        "labs": "Each lab's flagship weights; the pivot lab and any followers are marked.",
        "quarters": p.evidence.table_caption,
        "signals": p.evidence.latest_caption,
        # The chart draws every event (timeline_chart); the table under it lists the latest.
        "timeline-chart": f"Every event from the pivot on {p.masthead.pivot_date.text} to this edition.",
        "timeline": "Events since the pivot, oldest first",
        "watchlist": "Milestones by due date; overdue and soon-due ones are marked",
        "sources": "The sources this edition cites, most cited first",
        "changes": "The changes that matter most to the verdict first",
        "signature": (p.masthead.title + (f", {p.masthead.publication}" if p.masthead.publication else "")
                      + (f"; editor {p.masthead.editor}" if p.masthead.editor else "") + "."),
        "footer": (f"{p.masthead.title}" + (f" · {p.masthead.publication}" if p.masthead.publication else "")
                   + f" · edition of {p.masthead.edition.text} ({p.masthead.week}). Built from the desk's workbook."),
    }


def closing_line(stem: str, where: str) -> str:
    """The last line: the workbook this edition comes with."""
    if where == EMAIL_WHERE:
        return f"The workbook behind this edition is attached as {stem}.xlsx."
    return "Every row of every list is in the workbook edition:"


def sheet_notes(p: Presentation) -> SheetNotes:
    """What each xlsx sheet says under its heading, what the contents list says of it, and the file's properties."""
    factors = ", ".join(f"{name} {factor:g}" for name, factor in CONFIDENCE_FACTOR.items())
    latest = p.evidence.latest_heading
    return SheetNotes(
        labs="Closed: the flagship's weights are not published. Open: they are. The pivot lab and any followers "
             "are in bold.",
        evidence=(f"Weight per quarter since the pivot: strength × confidence ({factors}). Net = pays − reverts. "
                  f"{capitalised(leans_once(p.evidence.margin))}."),
        signals=("Every signal, latest quarter first" + (f" ({p.evidence.latest_quarter} is the latest)" if latest else "")
                 + ". Weight is the signed contribution to the score; signals before the pivot's quarter do not count."),
        timeline=f"Events on or after the pivot ({p.masthead.pivot_date.text}), oldest first.",
        watchlist=("Days left from the edition date; negative means past due. Overdue and due within "
                   f"{SOON_DAYS} days stand out."),
        sources="Cited by: how many rows of the workbook name the source. Only http, https and mailto addresses "
                "are links.",
        changes=(p.changes.note + " Every change, those that matter most to the verdict first."),
        contents={"labs": p.heading("labs"), "evidence": f"{p.heading('evidence')}, with a chart",
                  "signals": "Every signal, latest quarter first", "changes": p.heading("changes"),
                  "timeline": p.heading("timeline"), "watchlist": p.heading("watchlist"),
                  "health": p.heading("health"), "sources": p.heading("sources")},
        subject=f"Weekly briefing, edition {p.masthead.edition.iso} ({p.masthead.week})",
        keywords="open weights, closed weights",
    )
