"""The dated lists: the timeline since the pivot and the watchlist of milestones.

`timeline_rows` presents every event since the pivot; a cut timeline shows the latest events, oldest first,
and keeps the pivot (`timeline_shown`). `watchlist_rows` words each milestone's due date ("by end of 2026-Q4"
for a quarter) and days left, and marks the overdue and soon-due ones; a cut watchlist drops done milestones
first (`watchlist_shown`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..briefing import Briefing, TimelineItem, WatchItem
from .rows import Limits, Lines, Rows, rows_of
from .views import EventLine, WatchLine
from .words import EMPTY, as_day, days_text, due_day


def _event_key(kind: str) -> str:
    if kind == "Closed flagship":
        return "closed"
    if kind in ("Reopened flagship", "Open-weight release"):
        return "open"
    return "other"


def _event(e: TimelineItem) -> EventLine:
    return EventLine(as_day(e.date), e.lab, e.kind, _event_key(e.kind), e.headline, e.model, e.source, e.is_pivot,
                     "Pivot" if e.is_pivot else None)


def timeline_shown(rows: Sequence[EventLine], limit: int) -> tuple[EventLine, ...]:
    """The events a timeline cut to `limit` shows."""
    # The latest events matter most to this edition; the ones shown stay oldest first. The pivot stays.
    shown = rows[-limit:] if limit > 0 else ()
    if len(rows) > len(shown) and rows and rows[0].is_pivot and limit > 1:
        shown = (rows[0], *rows[-(limit - 1):])
    return tuple(shown)


def timeline_rows(b: Briefing, limits: Limits) -> Rows[EventLine]:
    """Every event since the pivot, oldest first, each made as it is read."""
    rows = Lines(b.timeline, _event)
    return rows_of(rows, timeline_shown(rows, limits.timeline), EMPTY["timeline"])


def _watch(w: WatchItem) -> WatchLine:
    if w.status != "Upcoming":
        text = w.status.lower()
    else:
        text = days_text(w.days_left)
    attention = "Overdue" if w.overdue else "Due soon" if w.soon else None
    key = "overdue" if w.overdue else "soon" if w.soon else "done" if w.status != "Upcoming" else ""
    return WatchLine(due_day(w.due), w.milestone, w.why, w.status, w.outcome, w.days_left, text, attention, key)


def watchlist_shown(rows: Sequence[WatchLine], limit: int) -> tuple[WatchLine, ...]:
    """The milestones a watchlist cut to `limit` shows."""
    # What is still ahead (and overdue) matters most; done milestones go first when the list is cut.
    if len(rows) <= limit:
        return tuple(rows)
    keep = sorted(range(len(rows)), key=lambda i: (rows[i].key == "done", i))[:limit]
    return tuple(rows[i] for i in sorted(keep))


def watchlist_rows(b: Briefing, limits: Limits) -> Rows[WatchLine]:
    """Every milestone by due date, with its days left and whether it stands out (overdue, due soon)."""
    rows = tuple(_watch(w) for w in b.watchlist)
    return rows_of(rows, watchlist_shown(rows, limits.watchlist), EMPTY["watchlist"])
