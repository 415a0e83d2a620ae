"""Contradictions: well-formed cells that disagree with each other (issue 23), as warnings at their cells.

The checker (report/check/) finds every malformed cell; these rules find cells that are each fine but
cannot all be true: a lab's Status since against its own closing or reopening event, the same signal entered
twice or pointing both ways, a lab nobody watches making the story's biggest news, the pivot lab's row
saying what no event dates, an edition with nothing to score. Each finding names the cells that disagree
and says what to do. Pure: records in, findings out.
"""

from __future__ import annotations

from .edition import EditionView, Locate, counts
from .findings import Finding, Rule
from .model import Event, Lab, Signal, Tracker, quarter_label, quarter_of
from .safety import name_key
from .values import show

# -- the findings, declared once (the README's finding-code catalogue lists each code) ----------------------

STATUS_SINCE_DISAGREES = Rule("status-since-disagrees", "warning",
                              "{lab}'s Status since {since} disagrees with its own {kind} event of {date} ({ref}): "
                              "the briefing prints both dates; make them the same day, or correct the one that is "
                              "wrong")
WEIGHTS_DISAGREE = STATUS_SINCE_DISAGREES.worded(
    "{lab}'s Flagship weights says {said}, but its own {kind} event of {date} ({ref}) {then}: set Flagship weights "
    "to {other} and Status since to {date}, or correct the event")
PIVOT_ROW_DISAGREES = Rule("pivot-row-disagrees", "warning",
                          "{lab}, the pivot lab, is Open on the Labs sheet but no Reopened flagship event after the "
                          "pivot ({pivot}) dates it: the verdict turns REVERTED on this cell alone; add the Reopened "
                          "flagship event on the Events sheet, or set this back to Closed")
PIVOT_ROW_REOPENED = PIVOT_ROW_DISAGREES.worded(
    "{lab}, the pivot lab, is Closed{said} on the Labs sheet, but its Reopened flagship event of {date} ({ref}) is "
    "later, and that event makes the verdict REVERTED: set this to Open since {date}, or, if {lab} closed again, "
    "add that Closed flagship event and its date as Status since")
SIGNAL_BOTH_WAYS = Rule("signal-both-ways", "warning",
                        "{signal} ({who}{quarter}) points to {way} here but to {other_way} on row {other_row} ({ref}): "
                        "the same signal cannot point both ways; keep the row that holds and delete the other")
DUPLICATE_SIGNAL = Rule("duplicate-signal", "warning",
                        "{signal} ({who}{quarter}) is already on row {first_row} ({ref}), so it is counted twice: "
                        "delete one row, or say in the text what makes them different")
UNWATCHED_LAB_MOVED = Rule("unwatched-lab-moved", "warning",
                           "{fact}, after the pivot, but its Watch is No, so {consequence}; set Watch to Yes if the "
                           "desk should count it")
NOTHING_TO_SCORE = Rule("nothing-to-score", "warning",
                        "nothing to score yet: no signal of {quarter} or later, known by this edition ({edition}), "
                        "points to Pays or Reverts, so the score is 0 and the verdict rests on followers and "
                        "reversion alone; add the quarter's signals")
# The codes these rules give.
CODES = tuple(rule.code for rule in (STATUS_SINCE_DISAGREES, PIVOT_ROW_DISAGREES, DUPLICATE_SIGNAL, SIGNAL_BOTH_WAYS,
                                     UNWATCHED_LAB_MOVED, NOTHING_TO_SCORE))

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
            out.append(WEIGHTS_DISAGREE.finding(
                "Labs", *_at(locate, "Labs", "Flagship weights", lab), lab.flagship_weights, lab=lab.lab, said=said,
                kind=latest.kind, date=latest.date.isoformat(), ref=_ref(locate, "Events", "Kind", latest.row),
                then=then, other=other))
            continue
        matching = [e for e in events if e.kind == own_kind]
        if since is not None and matching and matching[-1].date != since:
            event = matching[-1]
            out.append(STATUS_SINCE_DISAGREES.finding(
                "Labs", *_at(locate, "Labs", "Status since", lab), since.isoformat(), lab=lab.lab,
                since=since.isoformat(), kind=event.kind, date=event.date.isoformat(),
                ref=_ref(locate, "Events", "Date", event.row)))
    return out


def _pivot_row(tracker: Tracker, locate: Locate) -> list[Finding]:
    """The pivot lab's row decides REVERTED on its own: it must say what its events date."""
    s = tracker.settings
    lab = tracker.lab(s.pivot_lab)
    if lab is None:
        return []
    reopened = [e for e in _moves_by_lab(tracker).get(name_key(lab.lab), [])
                if e.kind == "Reopened flagship" and e.date > s.pivot_date]
    if lab.flagship_weights == "Open" and not reopened:
        return [PIVOT_ROW_DISAGREES.finding("Labs", *_at(locate, "Labs", "Flagship weights", lab),
                                           lab.flagship_weights, lab=lab.lab, pivot=s.pivot_date.isoformat())]
    if lab.flagship_weights == "Closed" and reopened:
        event = reopened[-1]
        if lab.status_since is None or event.date > lab.status_since:
            said = f" since {lab.status_since.isoformat()}" if lab.status_since else ""
            return [PIVOT_ROW_REOPENED.finding(
                "Labs", *_at(locate, "Labs", "Flagship weights", lab), lab.flagship_weights, lab=lab.lab, said=said,
                date=event.date.isoformat(), ref=_ref(locate, "Events", "Kind", event.row))]
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
            out.append(SIGNAL_BOTH_WAYS.finding(
                "Signals", *_at(locate, "Signals", "Points to", signal), signal.points_to, signal=show(signal.signal),
                who=who, quarter=quarter_label(signal.quarter), way=signal.points_to, other_way=other_way.points_to,
                other_row=other_way.row, ref=_ref(locate, "Signals", "Points to", other_way.row)))
        elif (first := earlier.get(signal.points_to)) is not None:
            out.append(DUPLICATE_SIGNAL.finding(
                "Signals", *_at(locate, "Signals", "Signal", signal), signal.signal, signal=show(signal.signal),
                who=who, quarter=quarter_label(signal.quarter), first_row=first.row,
                ref=_ref(locate, "Signals", "Signal", first.row)))
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
            fact = f"{lab.lab} {did} its flagship on {event.date.isoformat()} ({_ref(locate, 'Events', 'Kind', event.row)})"
        elif lab.flagship_weights == "Closed" and lab.status_since is not None and lab.status_since > s.pivot_date:
            did = "closed"
            fact = (f"{lab.lab}'s flagship is Closed since {lab.status_since.isoformat()} "
                    f"({_ref(locate, 'Labs', 'Status since', lab.row)})")
        else:
            continue
        consequence = ("it is not counted as a follower: this may be the story's biggest news" if did == "closed"
                       else "the desk is not following it: this may be news worth watching")
        out.append(UNWATCHED_LAB_MOVED.finding("Labs", *_at(locate, "Labs", "Watch", lab), lab.watch, fact=fact,
                                               consequence=consequence))
    return out


def _nothing_to_score(view: EditionView) -> list[Finding]:
    """An edition whose score no signal moves: the verdict rests on followers and reversion alone."""
    s = view.tracker.settings
    pivot_quarter = quarter_of(s.pivot_date)
    if any(counts(sig, pivot_quarter) and sig.points_to != "Neutral" for sig in view.tracker.signals):
        return []
    return [NOTHING_TO_SCORE.finding("Signals", None, None, None, None, quarter=quarter_label(pivot_quarter),
                                     edition=view.edition.isoformat())]
