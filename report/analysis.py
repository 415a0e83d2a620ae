"""Pure analysis: checked records + an edition date -> one Briefing (SPEC §4 and §6). No I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from . import schema
from .briefing import (
    Briefing,
    Changes,
    Correction,
    Fact,
    HealthItem,
    HealthSummary,
    KeyFigures,
    LabRow,
    Link,
    Mailing,
    Masthead,
    QuarterWeight,
    Reason,
    SignalRow,
    SourceRow,
    TimelineItem,
    Trend,
    TrendPoint,
    Verdict,
    WatchItem,
)
from .changes import compare, snapshot
from .check.rules import NO_SOURCE
from .edition import STALE_SIGNAL, EditionView, counts, is_stale, newest_evidence
from .findings import Finding
from .model import Event, Lab, Quarter, Signal, Tracker, quarter_label, quarter_of
from .moves import what_would_change
from .safety import name_key, safe_url  # the one link rule; the renderers import it from here too
from .values import text

if TYPE_CHECKING:
    from .history import PreviousEdition

SOON_DAYS = 14
REASON_SIGNALS = 40  # the signals the verdict keeps as reasons, largest first; a format lists at most present.Limits.reasons


def signal_weight(signal: Signal) -> float:
    """sign × Strength × confidence factor."""
    return schema.DIRECTION[signal.points_to] * signal.strength * schema.CONFIDENCE_FACTOR[signal.confidence]


def _tidy(number: float) -> float:
    # Sums of 0.6 and 0.3 drift in binary; the verdict compares against the margin exactly.
    return round(number, 9) + 0.0


def followers(tracker: Tracker) -> list[tuple[Lab, Fact]]:
    """Watched labs other than the pivot lab that followed it into closed weights, with the fact why."""
    settings = tracker.settings
    pivot = name_key(settings.pivot_lab)
    # Each lab's first Closed flagship event after the pivot, found in one pass over the events.
    first_closing: dict[str, Event] = {}
    for e in sorted(tracker.events, key=lambda e: e.date):
        if e.kind == "Closed flagship" and e.date > settings.pivot_date:
            first_closing.setdefault(name_key(e.lab), e)
    out: list[tuple[Lab, Fact]] = []
    for lab in tracker.labs:
        if not lab.watched or name_key(lab.lab) == pivot:
            continue
        event = first_closing.get(name_key(lab.lab))
        if event is not None:
            out.append((lab, Fact("followed", lab.lab, event.date, event.headline)))
        elif lab.flagship_weights == "Closed" and lab.status_since is not None and lab.status_since > settings.pivot_date:
            out.append((lab, Fact("closed-since", lab.lab, lab.status_since)))
    return out


def reversion(tracker: Tracker) -> Fact | None:
    """The fact that shows the pivot lab reverted, or None."""
    settings = tracker.settings
    pivot = name_key(settings.pivot_lab)
    reopened = sorted(
        (e for e in tracker.events
         if name_key(e.lab) == pivot and e.kind == "Reopened flagship" and e.date > settings.pivot_date),
        key=lambda e: e.date,
    )
    if reopened:
        return Fact("reopened", settings.pivot_lab, reopened[0].date, reopened[0].headline)
    lab = tracker.lab(settings.pivot_lab)
    if lab is not None and lab.flagship_weights == "Open":
        return Fact("open-weights", lab.lab)
    return None


def reopened_after_pivot(tracker: Tracker) -> bool:
    """The pivot lab has a Reopened flagship event after the pivot date (a reversion no later row undoes)."""
    settings = tracker.settings
    pivot = name_key(settings.pivot_lab)
    return any(name_key(e.lab) == pivot and e.kind == "Reopened flagship" and e.date > settings.pivot_date
               for e in tracker.events)


def watched_count(tracker: Tracker) -> int:
    pivot = name_key(tracker.settings.pivot_lab)
    return sum(1 for lab in tracker.labs if lab.watched and name_key(lab.lab) != pivot)


def score(tracker: Tracker) -> tuple[float, float, float]:
    """(score, pays weight, reverts weight) over the signals that count."""
    pivot_quarter = quarter_of(tracker.settings.pivot_date)
    weights = [signal_weight(s) for s in tracker.signals if counts(s, pivot_quarter)]
    pays = _tidy(sum(w for w in weights if w > 0))
    reverts = _tidy(-sum(w for w in weights if w < 0))
    return _tidy(pays - reverts), pays, reverts


def state(reverted: bool, follower_count: int, total: float, margin: float) -> str:
    """SPEC §4: the first state that holds."""
    if reverted:
        return "REVERTED"
    if follower_count >= 1:
        return "SPREADING"
    if total >= margin:
        return "LEANING PAYS"
    if total <= -margin:
        return "LEANING REVERTS"
    return "TOO EARLY"


class SourceLinks:
    """Source cells as links, built once per briefing: thousands of rows cite the same few sources."""

    def __init__(self, tracker: Tracker) -> None:
        # Sources rows by their name as matched (case-insensitive); names are unique (checked).
        self.rows = {name_key(source.source): source for source in tracker.sources}
        self.links: dict[str, Link] = {}

    def link(self, value: str) -> Link:
        found = self.links.get(value)
        if found is None:
            source = self.rows.get(name_key(value))
            found = Link(source.source, safe_url(source.url)) if source is not None else Link(value, safe_url(value))
            self.links[value] = found
        return found


def _source(sources: SourceLinks, value: str | None) -> Link | None:
    """A Source cell as a link: the Sources row it names (linked by its URL), or a link given directly."""
    return sources.link(value) if value else None


def _value_text(signal: Signal) -> str | None:
    if signal.value is None:
        return None
    shown = text(signal.value) if isinstance(signal.value, float) else str(signal.value)
    return f"{shown} {signal.unit}".strip() if signal.unit else shown


def _signal_row(sources: SourceLinks, signal: Signal, pivot_quarter: Quarter) -> SignalRow:
    counted = counts(signal, pivot_quarter)
    return SignalRow(
        quarter=quarter_label(signal.quarter),
        signal=signal.signal,
        lab=signal.lab,
        value=_value_text(signal),
        points_to=signal.points_to,
        strength=signal.strength,
        confidence=signal.confidence,
        weight=_tidy(signal_weight(signal)) if counted else 0.0,
        counted=counted,
        observed=signal.observed,
        source=_source(sources, signal.source),
        number=signal.value if isinstance(signal.value, float) else None,
        unit=signal.unit or None,
    )


def _quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    out = []
    year, number = first
    while (year, number) <= last:
        out.append((year, number))
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return out


def analyse(view: EditionView, findings: list[Finding] | None = None, previous: PreviousEdition | None = None,
            earlier: Sequence[EarlierEdition] = (), sent: PreviousEdition | None = None,
            corrected_on: dt.date | None = None) -> Briefing:
    """The complete briefing for the edition `view` shows (SPEC §4, §6), "what changed" since `previous` included.

    `view` is the workbook as of the edition (report/edition.py's `as_of`): records dated after it are left
    out and counted. `findings` are the check's (for the same edition).
    """
    edition = view.edition
    tracker = view.tracker
    s = tracker.settings
    sources = SourceLinks(tracker)
    pivot_quarter = quarter_of(s.pivot_date)
    days = (edition - s.pivot_date).days
    iso = edition.isocalendar()
    masthead = Masthead(s.title, s.publication, s.editor, edition, iso[0], iso[1], s.pivot_lab, s.pivot_model,
                        s.pivot_date, days)

    follow = followers(tracker)
    follower_labs = {lab.lab for lab, _ in follow}
    reverted_fact = reversion(tracker)
    watched = watched_count(tracker)
    total, pays, reverts = score(tracker)
    verdict_state = state(reverted_fact is not None, len(follow), total, s.call_margin)
    newest = newest_evidence(tracker)
    age = (edition - newest).days if newest is not None else None
    stale = age is not None and age > s.stale_after_days

    facts: list[Fact] = []
    if reverted_fact:
        facts.append(reverted_fact)
    facts.extend(fact for _, fact in follow)
    if not follow:
        facts.append(Fact("none-followed", date=s.pivot_date, count=watched) if watched else Fact("none-watched"))
    if stale and newest is not None:
        facts.append(Fact("stale", date=newest, count=age))
    moving = [sig for sig in tracker.signals if counts(sig, pivot_quarter) and signal_weight(sig) != 0]
    # The reasons name the signals that moved the score most; no format lists more than REASON_SIGNALS of them.
    largest = heapq.nsmallest(REASON_SIGNALS, moving,
                              key=lambda sig: (-abs(signal_weight(sig)), -signal_weight(sig), sig.row))
    reasons = [Reason(sig.signal, _tidy(signal_weight(sig)), sig.points_to, sig.confidence, sig.strength,
                      quarter_label(sig.quarter), _source(sources, sig.source)) for sig in largest]
    counted_count = sum(1 for sig in tracker.signals if counts(sig, pivot_quarter))
    verdict = Verdict(verdict_state, tuple(facts), tuple(reasons), tuple(lab.lab for lab, _ in follow), watched,
                      reverted_fact is not None, total, pays, reverts, s.call_margin, newest, age, stale, len(moving),
                      counted_count, s.stale_after_days,
                      moves=what_would_change(reverted_fact is not None, reopened_after_pivot(tracker), len(follow),
                                              watched, total, s.call_margin))

    # Evidence by quarter.
    all_rows = [_signal_row(sources, sig, pivot_quarter) for sig in tracker.signals]
    counted = [sig for sig in tracker.signals if counts(sig, pivot_quarter)]
    quarters: list[QuarterWeight] = []
    if counted:
        # Quarters since the pivot with no signal show as empty, up to the edition's own.
        last = max(max(sig.quarter for sig in counted), quarter_of(edition))
        by_quarter: dict[Quarter, list[float]] = {}
        for sig in counted:
            by_quarter.setdefault(sig.quarter, []).append(signal_weight(sig))
        for q in _quarters_between(pivot_quarter, last):
            weights = by_quarter.get(q, [])
            q_pays = _tidy(sum(w for w in weights if w > 0))
            q_reverts = _tidy(-sum(w for w in weights if w < 0))
            quarters.append(QuarterWeight(quarter_label(q), q_pays, q_reverts, _tidy(q_pays - q_reverts),
                                          len(weights)))
    latest = max((sig.quarter for sig in tracker.signals), default=None)
    latest_label = quarter_label(latest) if latest else None
    by_weight = sorted(all_rows, key=lambda r: (r.quarter, abs(r.weight)), reverse=True)
    latest_rows = tuple(r for r in by_weight if r.quarter == latest_label)

    # Key figures.
    this_quarter = quarter_of(edition)
    upcoming = sorted((m for m in tracker.milestones if m.status == "Upcoming" and m.due >= edition),
                      key=lambda m: m.due)
    nxt = upcoming[0] if upcoming else None
    figures = KeyFigures(
        followers=len(follow), watched=watched, score=total, pays=pays, reverts=reverts,
        this_quarter=quarter_label(this_quarter),
        signals_this_quarter=sum(1 for sig in tracker.signals if sig.quarter == this_quarter),
        next_milestone=nxt.milestone if nxt else None, next_milestone_due=nxt.due if nxt else None,
        days_to_next_milestone=(nxt.due - edition).days if nxt else None,
    )

    pivot_name = name_key(s.pivot_lab)
    labs = tuple(
        LabRow(lab.lab, lab.country, lab.flagship_model, lab.flagship_scale, lab.flagship_weights,
               lab.flagship_licence, lab.status_since, lab.mid_scale_model, lab.mid_scale_licence, lab.watched,
               name_key(lab.lab) == pivot_name, lab.lab in follower_labs, _source(sources, lab.source))
        for lab in tracker.labs
    )
    timeline = tuple(
        TimelineItem(e.date, e.lab, e.kind, e.headline, e.model, _source(sources, e.source),
                     e.date == s.pivot_date)
        for e in sorted(tracker.events, key=lambda e: (e.date, e.row)) if e.date >= s.pivot_date
    )
    watchlist = tuple(
        WatchItem(m.due, m.milestone, m.why_it_matters, m.status, m.outcome, (m.due - edition).days,
                  m.status == "Upcoming" and m.due < edition,
                  m.status == "Upcoming" and 0 <= (m.due - edition).days <= SOON_DAYS)
        for m in sorted(tracker.milestones, key=lambda m: (m.due, m.row))
    )
    warnings = [f for f in (findings or []) if f.level == "warning"]
    current = snapshot(tracker)
    briefing = Briefing(
        masthead=masthead,
        verdict=verdict,
        figures=figures,
        changes=Changes(previous_edition=None),
        labs=labs,
        quarters=tuple(quarters),
        latest_quarter=latest_label,
        latest_signals=latest_rows,
        signals=tuple(by_weight),
        timeline=timeline,
        watchlist=watchlist,
        health=tuple(HealthItem(_health_kind(f), f.where or "workbook", f.message) for f in warnings),
        sources=tuple(_sources(tracker)),
        recipients=s.recipients,
        sender=s.sender,
        mailing=Mailing(s.list_address, s.reply_to, s.unsubscribe, s.sign_off_required, s.editor,
                        web_address(s.web_address)),
        left_out=view.left_out,
        health_summary=HealthSummary(
            counted_signals=len(counted),
            stale_signals=sum(1 for sig in counted if is_stale(sig, edition, s.stale_after_days)),
            stale_after_days=s.stale_after_days,
            newest_observed=newest,
            missing_sources=sum(1 for f in warnings if _health_kind(f) == "no-source"),
            other_warnings=sum(1 for f in warnings if _health_kind(f) == "warning"),
        ),
        snapshot=current,
    )
    briefing = dataclasses.replace(briefing, changes=compare(previous, current, briefing),
                                   trend=trend(earlier, edition, figures, s.call_margin))
    corrected = compare(sent, current, briefing) if sent is not None else None
    if sent is not None and corrected is not None and not corrected.empty:
        # Rebuilt after it was sent, with something changed: a correction. (Rebuilt unchanged, it is not.)
        briefing = dataclasses.replace(briefing, correction=Correction(corrected_on or edition, sent.built_at,
                                                                       corrected))
    return briefing


TREND_EDITIONS = 12  # the trend shows at most this many earlier editions, then this one


class EarlierEdition(Protocol):
    """An earlier edition as the trend needs it (history.TrendPoint has it)."""

    @property
    def edition(self) -> dt.date: ...
    @property
    def score(self) -> float: ...
    @property
    def followers(self) -> int: ...
    @property
    def watched(self) -> int: ...


def trend(earlier: Sequence[EarlierEdition], edition: dt.date, figures: KeyFigures, margin: float) -> Trend:
    """The trend across editions as of `edition`: the last 12 of `earlier` (the history gives only editions dated
    before this one: History.trend), then this edition."""
    before = sorted(earlier, key=lambda e: e.edition)[-TREND_EDITIONS:]
    points = tuple(TrendPoint(e.edition, float(e.score), int(e.followers), int(e.watched)) for e in before)
    return Trend(points + (TrendPoint(edition, figures.score, figures.followers, figures.watched),), margin)


def web_address(value: str | None) -> str | None:
    """The Web address as a base URL that ends in "/" (links are made by appending to it); None if not http(s)."""
    url = safe_url(value) if value else None
    if not url or not url.startswith(("http://", "https://")):
        return None
    return url if url.endswith("/") else url + "/"


def _health_kind(finding: Finding) -> str:
    """How Data health groups a check warning: stale signals, missing sources, everything else."""
    return {STALE_SIGNAL.code: "stale", NO_SOURCE.code: "no-source"}.get(finding.code, "warning")


def _sources(tracker: Tracker) -> list[SourceRow]:
    cited: Counter[str] = Counter()
    for records in (tracker.labs, tracker.events, tracker.signals):
        for record in records:
            if record.source:
                cited[name_key(record.source)] += 1
    return [
        SourceRow(src.source, src.publisher, Link(src.source, safe_url(src.url)), src.url, src.published,
                  cited[name_key(src.source)])
        for src in tracker.sources
    ]
