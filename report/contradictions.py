"""Contradictions: well-formed cells that disagree with each other (issue 23), as warnings at their cells.

The checker (report/check/) finds every malformed cell; these rules find cells that are each fine but
cannot all be true: a lab's Status since against its own closing or reopening event, the same signal entered
twice or pointing both ways, a lab nobody watches making the story's biggest news, the pivot lab's row
saying what no event dates, an edition with nothing to score. Each finding names the cells that disagree
and says what to do. Pure: records in, findings out.
"""

from __future__ import annotations

from .edition import EditionView, Locate, counts
from .findings import Finding
from .model import Event, Lab, Signal, Tracker, quarter_label, quarter_of
from .safety import name_key
from .values import show

# The codes these rules give (the README's finding-code catalogue lists each).
CODES = ("status-since-disagrees", "pivot-row-disagrees", "duplicate-signal", "signal-both-ways",
         "unwatched-lab-moved", "nothing-to-score")
MOVES = ("Closed flagship", "Reopened flagship")
KIND_OF = {"Closed": "Closed flagship", "Open": "Reopened flagship"}  # the event that gives a row its weights


def contradictions(tracker: Tracker, view: EditionView, locate: Locate) -> list[Finding]:
    """Every contradiction of the workbook (`tracker`, as written) and of its edition (`view`).

    `locate(sheet, column, row)` gives a cell's address ("I3"), as the checker knows it."""
    return [
        *_status_against_events(tracker, locate),
        *_pivot_row(tracker, locate),
        *_signal_twins(tracker, locate),
        *_unwatched_moves(view, locate),
        *_nothing_to_score(view),
    ]


def _ref(locate: Locate, sheet: str, column: str, row: int) -> str:
    """'Events!A9', or 'Events row 9' when the column has no cell (an older template)."""
    cell = locate(sheet, column, row)
    return f"{sheet}!{cell}" if cell else f"{sheet} row {row}"


def _moves_by_lab(tracker: Tracker) -> dict[str, list[Event]]:
    """Each lab's closing and reopening events, oldest first (ties in row order)."""
    out: dict[str, list[Event]] = {}
    for event in sorted(tracker.events, key=lambda e: (e.date, e.row)):
        if event.kind in MOVES:
            out.setdefault(name_key(event.lab), []).append(event)
    return out


def _at(locate: Locate, sheet: str, column: str, record: Lab | Signal) -> tuple[str | None, str, int]:
    """(cell, column, row) of a record's cell, for a Finding."""
    return locate(sheet, column, record.row), column, record.row


def _status_against_events(tracker: Tracker, locate: Locate) -> list[Finding]:
    """A lab's row against its own latest closing or reopening event."""
    pivot = name_key(tracker.settings.pivot_lab)
    moves = _moves_by_lab(tracker)
    out: list[Finding] = []
    for lab in tracker.labs:
        events = moves.get(name_key(lab.lab), [])
        if not events:
            continue
        since = lab.status_since
        latest = events[-1]
        own_kind = KIND_OF[lab.flagship_weights]
        if latest.kind != own_kind and (since is None or latest.date > since):
            if name_key(lab.lab) == pivot:
                continue  # the pivot lab's row is its own rule (_pivot_row): it decides REVERTED
            other = "Closed" if lab.flagship_weights == "Open" else "Open"
            said, then = ((f"{lab.flagship_weights} since {since.isoformat()}", "is later") if since else
                          (lab.flagship_weights, f"says it {'closed' if other == 'Closed' else 'reopened'} then"))
            out.append(Finding(
                "warning", "status-since-disagrees", "Labs", *_at(locate, "Labs", "Flagship weights", lab), lab.flagship_weights,
                f"{lab.lab}'s Flagship weights says {said}, but its own {latest.kind} event of "
                f"{latest.date.isoformat()} ({_ref(locate, 'Events', 'Kind', latest.row)}) {then}: set Flagship "
                f"weights to {other} and Status since to {latest.date.isoformat()}, or correct the event"))
            continue
        matching = [e for e in events if e.kind == own_kind]
        if since is not None and matching and matching[-1].date != since:
            event = matching[-1]
            out.append(Finding(
                "warning", "status-since-disagrees", "Labs", *_at(locate, "Labs", "Status since", lab), since.isoformat(),
                f"{lab.lab}'s Status since {since.isoformat()} disagrees with its own {event.kind} event of "
                f"{event.date.isoformat()} ({_ref(locate, 'Events', 'Date', event.row)}): the briefing prints "
                "both dates; make them the same day, or correct the one that is wrong"))
    return out


def _pivot_row(tracker: Tracker, locate: Locate) -> list[Finding]:
    """The pivot lab's row decides REVERTED on its own: it must say what its events date."""
    s = tracker.settings
    lab = tracker.lab(s.pivot_lab)
    if lab is None:
        return []
    pivot_date = s.pivot_date.isoformat()
    reopened = [e for e in _moves_by_lab(tracker).get(name_key(lab.lab), [])
                if e.kind == "Reopened flagship" and e.date > s.pivot_date]
    if lab.flagship_weights == "Open" and not reopened:
        return [Finding(
            "warning", "pivot-row-disagrees", "Labs", *_at(locate, "Labs", "Flagship weights", lab), lab.flagship_weights,
            f"{lab.lab}, the pivot lab, is Open on the Labs sheet but no Reopened flagship event after the pivot "
            f"({pivot_date}) dates it: the verdict turns REVERTED on this cell alone; add the Reopened flagship "
            "event on the Events sheet, or set this back to Closed")]
    if lab.flagship_weights == "Closed" and reopened:
        event = reopened[-1]
        if lab.status_since is None or event.date > lab.status_since:
            said = f" since {lab.status_since.isoformat()}" if lab.status_since else ""
            return [Finding(
                "warning", "pivot-row-disagrees", "Labs", *_at(locate, "Labs", "Flagship weights", lab), lab.flagship_weights,
                f"{lab.lab}, the pivot lab, is Closed{said} on the Labs sheet, but its Reopened flagship event of "
                f"{event.date.isoformat()} ({_ref(locate, 'Events', 'Kind', event.row)}) is later, and that event "
                f"makes the verdict REVERTED: set this to Open since {event.date.isoformat()}, or, if {lab.lab} "
                "closed again, add that Closed flagship event and its date as Status since")]
    return []


def _signal_key(signal: Signal) -> tuple[str, tuple[int, int], str]:
    # The same text, however it is cased or spaced, with or without a closing full stop.
    return (name_key(signal.lab or ""), signal.quarter, name_key(signal.signal).rstrip(" .;:"))


def _signal_twins(tracker: Tracker, locate: Locate) -> list[Finding]:
    """The same signal (lab, quarter and text) on two rows: counted twice, or cancelling itself."""
    # Each key's first row per direction: one look-up a row, however many rows repeat one signal.
    seen: dict[tuple[str, tuple[int, int], str], dict[str, Signal]] = {}
    out: list[Finding] = []
    for signal in tracker.signals:
        earlier = seen.setdefault(_signal_key(signal), {})
        other_way = next((e for way, e in earlier.items() if way != signal.points_to), None)
        who = f"{signal.lab}, " if signal.lab else ""
        if other_way is not None:
            out.append(Finding(
                "warning", "signal-both-ways", "Signals", *_at(locate, "Signals", "Points to", signal), signal.points_to,
                f"{show(signal.signal)} ({who}{quarter_label(signal.quarter)}) points to {signal.points_to} here but "
                f"to {other_way.points_to} on row {other_way.row} "
                f"({_ref(locate, 'Signals', 'Points to', other_way.row)}): the same signal cannot point both ways; "
                "keep the row that holds and delete the other"))
        elif (first := earlier.get(signal.points_to)) is not None:
            out.append(Finding(
                "warning", "duplicate-signal", "Signals", *_at(locate, "Signals", "Signal", signal), signal.signal,
                f"{show(signal.signal)} ({who}{quarter_label(signal.quarter)}) is already on row {first.row} "
                f"({_ref(locate, 'Signals', 'Signal', first.row)}), so it is counted twice: delete one row, "
                "or say in the text what makes them different"))
        earlier.setdefault(signal.points_to, signal)
    return out


def _unwatched_moves(view: EditionView, locate: Locate) -> list[Finding]:
    """A lab nobody watches closed or reopened its flagship after the pivot: news the desk may be missing."""
    tracker = view.tracker  # as of the edition: news after it is not yet news
    s = tracker.settings
    pivot = name_key(s.pivot_lab)
    moves = _moves_by_lab(tracker)
    out: list[Finding] = []
    for lab in tracker.labs:
        if lab.watched or name_key(lab.lab) == pivot:
            continue
        after = [e for e in moves.get(name_key(lab.lab), []) if e.date > s.pivot_date]
        if after:
            event = after[0]
            did = "closed" if event.kind == "Closed flagship" else "reopened"
            fact = (f"{lab.lab} {did} its flagship on {event.date.isoformat()} "
                    f"({_ref(locate, 'Events', 'Kind', event.row)}), after the pivot")
        elif lab.flagship_weights == "Closed" and lab.status_since is not None and lab.status_since > s.pivot_date:
            did = "closed"
            fact = (f"{lab.lab}'s flagship is Closed since {lab.status_since.isoformat()} "
                    f"({_ref(locate, 'Labs', 'Status since', lab.row)}), after the pivot")
        else:
            continue
        counted = ("so it is not counted as a follower: this may be the story's biggest news"
                   if did == "closed" else "so the desk is not following it: this may be news worth watching")
        out.append(Finding(
            "warning", "unwatched-lab-moved", "Labs", *_at(locate, "Labs", "Watch", lab), lab.watch,
            f"{fact}, but its Watch is No, {counted}; set Watch to Yes if the desk should count it"))
    return out


def _nothing_to_score(view: EditionView) -> list[Finding]:
    """An edition whose score no signal moves: the verdict rests on followers and reversion alone."""
    s = view.tracker.settings
    pivot_quarter = quarter_of(s.pivot_date)
    if any(counts(sig, pivot_quarter) and sig.points_to != "Neutral" for sig in view.tracker.signals):
        return []
    return [Finding(
        "warning", "nothing-to-score", "Signals", None, None, None, None,
        f"nothing to score yet: no signal of {quarter_label(pivot_quarter)} or later, known by this edition "
        f"({view.edition.isoformat()}), points to Pays or Reverts, so the score is 0 and the verdict rests on "
        "followers and reversion alone; add the quarter's signals")]
