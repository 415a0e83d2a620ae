"""The lead of the briefing: the masthead, the verdict with the signals that moved the score, and the key figures.

`masthead_view`, `verdict_view` and `figure_views` make SPEC §6's first three sections from the Briefing; the
sentences they hold (headline, score gloss, facts, what would change the call) are worded in words.py.
"""

from __future__ import annotations

from .. import palette
from ..briefing import Briefing, Reason
from ..formatting import signed
from .rows import PAGE_WHERE, Limits, more_note
from .views import FigureCell, FigureView, MastheadView, ReasonLine, VerdictView
from .words import (
    EMPTY,
    as_day,
    change_call,
    days_text,
    direction,
    due_day,
    fact_sentence,
    headline,
    margin_text,
    number,
    plural,
    score_gloss,
    weight_text,
)


def masthead_view(b: Briefing) -> MastheadView:
    """Title, publication, edition date, ISO week, days since the pivot, and the pivot in one sentence."""
    m = b.masthead
    edition = as_day(m.edition)
    pivot = as_day(m.pivot_date)
    return MastheadView(
        title=m.title, publication=m.publication, editor=m.editor, edition=edition, week=m.week_label,
        days_since_pivot=plural(m.days_since_pivot, "day"), days=m.days_since_pivot,
        pivot_line=f"The pivot: {m.pivot_lab} took {m.pivot_model} to closed weights on {pivot.text}.",
        pivot_date=pivot,
        dateline=(f"Edition {edition.text} · {m.week_label} · {plural(m.days_since_pivot, 'day')} since the pivot"
                  + (f" · Editor {m.editor}" if m.editor else "")),
    )


def _reason(r: Reason) -> ReasonLine:
    return ReasonLine(r.weight, weight_text(r.weight), direction(r.weight), r.text,
                      f"{r.points_to}, {r.confidence}, strength {r.strength}, {r.quarter}", r.source)


def verdict_view(b: Briefing, limits: Limits) -> VerdictView:
    """The state with its colours (from the one palette), the headline, the score and the signals that moved it."""
    v = b.verdict
    signals = tuple(_reason(r) for r in v.reasons)
    count = max(v.moving, len(signals))
    return VerdictView(
        state=v.state, key=palette.state_slug(v.state), fill=palette.STATES[v.state], ink=palette.ON_DARK,
        headline=headline(b),
        score_label=f"Score {signed(v.score)}",
        score_gloss=score_gloss(b),
        facts=tuple(fact_sentence(f) for f in v.facts),
        signals=signals[: limits.reasons],
        signals_lead="The signals that moved the score, largest first:",
        no_signals=EMPTY["reasons"],
        signals_count=count,
        signals_more=more_note(count - min(len(signals), limits.reasons), PAGE_WHERE),
        all_signals=signals,
        signals_more_sheet=more_note(count - min(len(signals), limits.reasons), "on the Signals sheet"),
        evidence=bool(v.counted),
        change_call=change_call(v.moves, b.masthead.pivot_lab),
    )


def figure_views(b: Briefing) -> tuple[tuple[FigureView, ...], tuple[FigureCell, ...]]:
    """The key figures: four cards for the page and the email, and the xlsx's rows under their defined names."""
    f, v, m = b.figures, b.verdict, b.masthead
    followed = f"watched labs have followed {m.pivot_lab} into closed weights"
    if v.followers:
        followed += ": " + ", ".join(v.followers)
    score_note = f"pays {number(f.pays)} vs reverts {number(f.reverts)}; the call needs {margin_text(v.margin)}"
    due = due_day(f.next_milestone_due) if f.next_milestone_due else None
    if f.next_milestone and due is not None:
        due_words = due.text if due.text.startswith("by ") else f"due {due.text}"
        milestone = FigureView("next-milestone", "Next milestone", days_text(f.days_to_next_milestone),
                               f"{f.next_milestone}, {due_words}")
    else:
        milestone = FigureView("next-milestone", "Next milestone", "None", "No upcoming milestone on the watchlist.")
    cards = (
        FigureView("followers", "Followers", f"{f.followers} of {f.watched}", followed),
        FigureView("score", "Score", signed(f.score), score_note),
        FigureView("signals", "Signals this quarter", str(f.signals_this_quarter),
                   f"recorded for {f.this_quarter}, the quarter of this edition"),
        milestone,
    )
    cells = (
        FigureCell("Followers", "Followers", f.followers, "int",
                   f"of {plural(f.watched, 'watched lab')}" + (f": {', '.join(v.followers)}" if v.followers else "")),
        FigureCell("Watched labs", "WatchedLabs", f.watched, "int",
                   f"labs other than {m.pivot_lab} that could follow"),
        FigureCell("Score", "Score", f.score, "score", score_note),
        FigureCell("Pays weight", "PaysWeight", f.pays, "weight",
                   "evidence that closed weights pay at the flagship tier"),
        FigureCell("Reverts weight", "RevertsWeight", f.reverts, "weight",
                   "evidence that the open-weight default reasserts"),
        FigureCell("Signals this quarter", "SignalsThisQuarter", f.signals_this_quarter, "int", f.this_quarter),
        FigureCell("Next milestone", "NextMilestoneDue", due, "date", f.next_milestone or "none upcoming"),
        FigureCell("Days to next milestone", "DaysToNextMilestone", f.days_to_next_milestone, "int",
                   days_text(f.days_to_next_milestone) if f.days_to_next_milestone is not None else None),
    )
    return cards, cells
