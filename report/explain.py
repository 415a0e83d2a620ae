"""`report explain`: the verdict's working, traced to the workbook's cells (issue 23). Pure: data in, data out.

The verdict is worked out by the rules of report/analysis.py (`followers`, `reversion`, `score`, `state`),
on the records as of the edition (report/edition.py); this module says, cell by cell, why: the rule that
decided the state and the ones before it that did not hold, each follower with its Labs and Events cells,
the watched labs, the score as its terms (one per counted signal) and the signals left out with why.
The terms add up to the score `build` writes, exactly: each is a whole number of tenths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from . import schema
from .analysis import _tidy, followers, reopened_after_pivot, reversion, score, signal_weight, state, watched_count
from .briefing import Fact
from .edition import EditionView, Locate, counts, is_stale, newest_evidence, signal_known
from .findings import Finding
from .formatting import signed
from .model import Event, Lab, Signal, Tracker, quarter_label, quarter_of
from .moves import what_would_change
from .present.words import change_call, move_words
from .safety import name_key


@dataclass(frozen=True, slots=True)
class Rule:
    """One of SPEC §4's states, in order: whether it holds for this edition, why, and the cells that say so."""

    state: str
    holds: bool
    why: str
    cells: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Follower:
    lab: str
    why: str
    cells: tuple[tuple[str, str], ...]  # (what, "Labs!A3")


@dataclass(frozen=True, slots=True)
class Watched:
    lab: str
    cell: str | None


@dataclass(frozen=True, slots=True)
class Term:
    """One counted signal's part of the score: sign × strength × confidence factor."""

    cell: str | None  # the Signal cell, "Signals!B7"
    row: int
    signal: str
    lab: str | None
    quarter: str
    points_to: str
    sign: int
    strength: int
    confidence: str
    factor: float
    weight: float


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A signal the score does not count, and why."""

    cell: str | None
    row: int
    signal: str
    quarter: str
    why: str


@dataclass(frozen=True, slots=True)
class ExplainedMove:
    """A move of report/moves.py with its words (report/present/words.py's): the evidence, and the state it would
    make."""

    kind: str  # signal, follower, reopen, close or none
    to: str | None
    points_to: str | None
    strength: int | None
    confidence: str | None
    count: int
    words: str


@dataclass(frozen=True, slots=True)
class Explanation:
    edition: dt.date
    pivot_lab: str
    pivot_model: str
    pivot_date: dt.date
    days_since_pivot: int
    margin: float
    state: str
    rules: tuple[Rule, ...]  # up to and including the one that decided
    followers: tuple[Follower, ...]
    watched: tuple[Watched, ...]
    score: float
    pays: float
    reverts: float
    terms: tuple[Term, ...]
    left_out: tuple[LeftOut, ...]
    stale: int  # counted signals older than Stale after days
    stale_after_days: float
    unsourced: int  # signals without a source
    newest_observed: dt.date | None
    change_call: str
    moves: tuple[ExplainedMove, ...]
    contradictions: tuple[Finding, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The explanation as JSON-able data (dates in ISO form)."""

        def plain(value: object) -> object:
            if isinstance(value, Finding):
                return value.as_json()
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, tuple):
                return [plain(v) for v in value]
            return value

        data = plain(self)
        assert isinstance(data, dict)
        for follower in data["followers"]:
            follower["cells"] = dict(follower["cells"])
        return data


def _first(events: list[Event], lab: str, kind: str, after: dt.date) -> Event | None:
    """The lab's first event of `kind` after `after` (the one the rules use)."""
    found = [e for e in events if name_key(e.lab) == name_key(lab) and e.kind == kind and e.date > after]
    return min(found, key=lambda e: (e.date, e.row), default=None)


def _cells(locate: Locate, sheet: str, row: int, *columns: str) -> tuple[tuple[str, str], ...]:
    out = []
    for column in columns:
        cell = locate(sheet, column, row)
        if cell:
            out.append((column, cell))
    return tuple(out)


def explain(tracker: Tracker, view: EditionView, locate: Locate,
            contradictions: tuple[Finding, ...] = ()) -> Explanation:
    """Why the edition's verdict is what it is, cell by cell. `tracker` is the workbook as written, `view` the
    records as of the edition (report/edition.py), `locate(sheet, column, row)` a cell's "Labs!E3"."""
    now = view.tracker
    s = now.settings
    edition = view.edition
    events = list(now.events)
    pivot_quarter = quarter_of(s.pivot_date)
    margin = s.call_margin

    follow = followers(now)
    reverted_fact = reversion(now)
    total, pays, reverts = score(now)
    watched = watched_count(now)
    verdict = state(reverted_fact is not None, len(follow), total, margin)

    # The rules in SPEC §4's order, up to the one that decides.
    rules: list[Rule] = []
    pivot_lab = now.lab(s.pivot_lab)
    written = tracker.lab(s.pivot_lab)
    weights_cell = locate("Labs", "Flagship weights", pivot_lab.row) if pivot_lab else None
    if reverted_fact is not None:
        event = _first(events, s.pivot_lab, "Reopened flagship", s.pivot_date)
        where = (tuple(c for _, c in _cells(locate, "Events", event.row, "Date", "Kind")) if event
                 else tuple(c for c in (weights_cell,) if c))
        rules.append(Rule("REVERTED", True, _fact_words(reverted_fact), where))
    else:
        as_before = ""
        if pivot_lab is not None and written is not None and written.flagship_weights != pivot_lab.flagship_weights:
            assert written.status_since is not None
            as_before = (f" as of this edition (the row says {written.flagship_weights} since "
                         f"{written.status_since.isoformat()}, after the edition)")
        rules.append(Rule("REVERTED", False,
                          f"{s.pivot_lab} has no Reopened flagship event after the pivot ({s.pivot_date.isoformat()}), "
                          f"and its Flagship weights is Closed{as_before}", tuple(c for c in (weights_cell,) if c)))
        if follow:
            names = ", ".join(lab.lab for lab, _ in follow)
            rules.append(Rule("SPREADING", True, f"{len(follow)} of {watched} watched labs followed: {names}",
                              tuple(c for lab, _ in follow for c in _follower_cells(lab, events, s.pivot_date, locate))))
        else:
            why = (f"none of the {watched} watched labs closed its flagship after the pivot ({s.pivot_date.isoformat()})"
                   if watched else f"no lab other than {s.pivot_lab} is watched, so none can follow")
            rules.append(Rule("SPREADING", False, why))
            if total >= margin:
                rules.append(Rule("LEANING PAYS", True, f"the score {signed(total)} is at or above the Call margin "
                                                        f"+{margin:.1f}"))
            else:
                rules.append(Rule("LEANING PAYS", False, f"the score {signed(total)} is below the Call margin "
                                                         f"+{margin:.1f}"))
                if total <= -margin:
                    rules.append(Rule("LEANING REVERTS", True, f"the score {signed(total)} is at or below "
                                                               f"\u2212{margin:.1f}"))
                else:
                    rules.append(Rule("LEANING REVERTS", False, f"the score {signed(total)} is above "
                                                                f"\u2212{margin:.1f}"))
                    rules.append(Rule("TOO EARLY", True, "none of the rules above holds"))
    assert rules[-1].holds and rules[-1].state == verdict

    # Followers, each with the cells that make it one.
    traced: list[Follower] = []
    for lab, fact in follow:
        traced.append(Follower(lab.lab, _fact_words(fact), _follower_labelled(lab, events, s.pivot_date, locate)))
    pivot = name_key(s.pivot_lab)
    watched_labs = tuple(Watched(lab.lab, locate("Labs", "Watch", lab.row) or locate("Labs", "Lab", lab.row))
                         for lab in now.labs if lab.watched and name_key(lab.lab) != pivot)

    # The score, term by term, and what it leaves out.
    terms: list[Term] = []
    left: list[LeftOut] = []
    for signal in tracker.signals:
        signal_cell = locate("Signals", "Signal", signal.row)
        label = quarter_label(signal.quarter)
        left_why = _left_out_why(signal, edition, pivot_quarter)
        if left_why is not None:
            left.append(LeftOut(signal_cell, signal.row, signal.signal, label, left_why))
            continue
        terms.append(Term(signal_cell, signal.row, signal.signal, signal.lab, label, signal.points_to,
                          schema.DIRECTION[signal.points_to], signal.strength, signal.confidence,
                          schema.CONFIDENCE_FACTOR[signal.confidence], _tidy(signal_weight(signal))))
    counted = [sig for sig in now.signals if counts(sig, pivot_quarter)]
    moves = what_would_change(reverted_fact is not None, reopened_after_pivot(now), len(follow), watched, total,
                              margin)
    return Explanation(
        edition=edition, pivot_lab=s.pivot_lab, pivot_model=s.pivot_model, pivot_date=s.pivot_date,
        days_since_pivot=(edition - s.pivot_date).days, margin=margin, state=verdict, rules=tuple(rules),
        followers=tuple(traced), watched=watched_labs, score=total, pays=pays, reverts=reverts, terms=tuple(terms),
        left_out=tuple(left),
        stale=sum(1 for sig in counted if is_stale(sig, edition, s.stale_after_days)),
        stale_after_days=s.stale_after_days,
        unsourced=sum(1 for sig in tracker.signals if not sig.source),
        newest_observed=newest_evidence(now),
        change_call=change_call(moves, s.pivot_lab),
        moves=tuple(ExplainedMove(m.kind, m.to, m.points_to, m.strength, m.confidence, m.count, move_words(m, s.pivot_lab))
                    for m in moves),
        contradictions=contradictions,
    )


def _fact_words(fact: Fact) -> str:
    """A verdict fact (report/analysis.py) for the desk, its date as the workbook's cell gives it (ISO)."""
    day = fact.date.isoformat() if fact.date else ""
    if fact.kind in ("reopened", "followed"):
        return f"{fact.lab} {'reopened' if fact.kind == 'reopened' else 'closed'} its flagship on {day}: {fact.headline}"
    if fact.kind == "open-weights":
        return f"{fact.lab}'s flagship weights are Open on the Labs sheet"
    if fact.kind == "closed-since":
        return f"{fact.lab}'s flagship weights are Closed since {day}"
    raise ValueError(f"not a fact about a lab's flagship: {fact.kind!r}")


def _follower_labelled(lab: Lab, events: list[Event], pivot_date: dt.date,
                       locate: Locate) -> tuple[tuple[str, str], ...]:
    """The cells that make a lab a follower: its Lab and Watch, and its closing event's Date and Kind (or, with
    no event, its Flagship weights and Status since), as (column, "Labs!A4")."""
    cells = _cells(locate, "Labs", lab.row, "Lab", "Watch")
    event = _first(events, lab.lab, "Closed flagship", pivot_date)
    if event is not None:
        return cells + _cells(locate, "Events", event.row, "Date", "Kind")
    return cells + _cells(locate, "Labs", lab.row, "Flagship weights", "Status since")


def _follower_cells(lab: Lab, events: list[Event], pivot_date: dt.date, locate: Locate) -> tuple[str, ...]:
    return tuple(cell for _, cell in _follower_labelled(lab, events, pivot_date, locate))


def _left_out_why(signal: Signal, edition: dt.date, pivot_quarter: tuple[int, int]) -> str | None:
    """Why the score leaves a signal out, or None when it is a term."""
    if not signal_known(signal, edition):
        if signal.observed is not None and signal.observed > edition:
            return f"after the edition: observed {signal.observed.isoformat()}"
        return f"after the edition: its quarter {quarter_label(signal.quarter)} begins after {edition.isoformat()}"
    if not counts(signal, pivot_quarter):
        return (f"before the pivot: its quarter {quarter_label(signal.quarter)} is before the pivot's "
                f"{quarter_label(pivot_quarter)}")
    if schema.DIRECTION[signal.points_to] == 0:
        return "neutral: it points to neither side (weight 0)"
    return None
