"""The analysed briefing: everything every renderer shows, in SPEC §6 order.

Renderers take a `Briefing` and only format it; they never compute a figure of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATES = ("REVERTED", "SPREADING", "LEANING PAYS", "LEANING REVERTS", "TOO EARLY")

# The sections, in the order every format shows them: (id, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("masthead", "Masthead"),
    ("verdict", "Verdict"),
    ("key-figures", "Key figures"),
    ("trend", "Trend across editions"),
    ("changes", "What changed since the last edition"),
    ("labs", "Lab board"),
    ("evidence", "Evidence by quarter"),
    ("timeline", "Timeline since the pivot"),
    ("watchlist", "Watchlist"),
    ("health", "Data health"),
    ("sources", "Sources"),
)


@dataclass(frozen=True, slots=True)
class Link:
    """Text shown to the reader and, only when it is http, https or mailto, the address it links to."""

    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Masthead:
    title: str
    publication: str | None
    editor: str | None
    edition: dt.date
    iso_year: int
    iso_week: int
    pivot_lab: str
    pivot_model: str
    pivot_date: dt.date
    days_since_pivot: int

    @property
    def week_label(self) -> str:
        """2026-W23."""
        return f"{self.iso_year}-W{self.iso_week:02d}"


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact behind the verdict, as data (report/present/words.py words it for readers).

    kind: "reopened" (the pivot lab reopened its flagship: lab, date, headline), "open-weights" (the pivot
    lab's row says Open: lab), "followed" (a watched lab closed its flagship: lab, date, headline),
    "closed-since" (a watched lab's row says Closed since a date after the pivot: lab, date), "none-followed"
    (no watched lab followed: count = watched labs, date = the pivot), "none-watched" (no lab is watched),
    "stale" (the newest counted signal is old: date = its Observed, count = its age in days).
    """

    kind: str
    lab: str | None = None
    date: dt.date | None = None
    headline: str | None = None
    count: int | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    """A counted signal that moved the score, with its signed weight and what it is."""

    text: str  # the signal
    weight: float  # signed: + pays, − reverts
    points_to: str
    confidence: str
    strength: int
    quarter: str  # 2026-Q2
    source: Link | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """The smallest evidence that would move the verdict, and the state it would make (report/moves.py)."""

    kind: str  # signal, follower, reopen, close, or none (nothing within the rules moves it)
    to: str | None  # the state it would make; None for kind "none"
    points_to: str | None = None  # a signal's Pays or Reverts
    strength: int | None = None
    confidence: str | None = None
    count: int = 1  # how many such signals


@dataclass(frozen=True, slots=True)
class Verdict:
    state: str  # one of STATES
    facts: tuple[Fact, ...]
    reasons: tuple[Reason, ...]  # the signals that moved the score most, largest first
    followers: tuple[str, ...]
    watched: int  # N: watched labs other than the pivot lab
    reverted: bool
    score: float
    pays: float  # weight pointing to pays (positive)
    reverts: float  # weight pointing to reverts (positive)
    margin: float
    newest_evidence: dt.date | None = None  # the newest Observed date among the counted signals
    evidence_age: int | None = None  # days from newest_evidence to the edition
    stale: bool = False  # the newest counted evidence is older than Stale after days
    moving: int = 0  # counted signals that moved the score (`reasons` names the largest, up to 40)
    counted: int = 0  # signals that count towards the score (0: there is no evidence yet)
    stale_after_days: float = 28.0
    moves: tuple[Move, ...] = ()  # what would change the call, smallest first (report/moves.py)


@dataclass(frozen=True, slots=True)
class KeyFigures:
    followers: int
    watched: int
    score: float
    pays: float
    reverts: float
    this_quarter: str  # 2026-Q2, the edition's quarter
    signals_this_quarter: int
    next_milestone: str | None
    next_milestone_due: dt.date | None
    days_to_next_milestone: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "followers": self.followers,
            "watched": self.watched,
            "score": self.score,
            "pays": self.pays,
            "reverts": self.reverts,
            "this_quarter": self.this_quarter,
            "signals_this_quarter": self.signals_this_quarter,
            "next_milestone": self.next_milestone,
            "next_milestone_due": self.next_milestone_due.isoformat() if self.next_milestone_due else None,
            "days_to_next_milestone": self.days_to_next_milestone,
        }


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # the column header, "Flagship weights"
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class RowChange:
    """A row added, removed or changed on one sheet, named by its natural key."""

    sheet: str
    key: str  # "DeepSeek"; "2026-06-03 · DeepSeek · Closed flagship · ..."
    change: str  # "added", "removed" or "changed"
    fields: tuple[FieldChange, ...] = ()
    matters: str | None = None  # "reversal", "follower" or "signal" (a counted signal that moves the score)
    weight: float = 0.0  # a counted signal's signed weight
    # The key's values, one per key column ("" when blank): report/present/what_changed.py words them. `key` says
    # the same.
    parts: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class FigureMove:
    """A key figure that moved since the last edition, as the history holds it (report/present/what_changed.py
    words it).

    `field` is a KeyFigures name (followers, pays, reverts, signals_this_quarter, next_milestone); `before`
    and `after` are the values it reads, in order: (followers, watched), (pays,), (reverts,),
    (signals_this_quarter, this_quarter), (next_milestone, next_milestone_due as ISO text or None)."""

    field: str
    before: tuple[object, ...]
    after: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since the latest edition dated before this one."""

    previous_edition: dt.date | None  # None: the first edition
    rows: tuple[RowChange, ...] = ()
    verdict_before: str | None = None
    verdict_after: str | None = None
    score_before: float | None = None
    score_after: float | None = None
    figures: tuple[FigureMove, ...] = ()  # key figures that moved

    @property
    def first(self) -> bool:
        return self.previous_edition is None

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before is not None and self.verdict_before != self.verdict_after

    @property
    def empty(self) -> bool:
        return not self.rows and not self.verdict_changed and not self.figures


@dataclass(frozen=True, slots=True)
class LabRow:
    lab: str
    country: str | None
    flagship_model: str | None
    flagship_scale: str | None
    weights: str  # Open or Closed
    licence: str | None
    since: dt.date | None
    mid_scale_model: str | None
    mid_scale_licence: str | None
    watched: bool
    is_pivot: bool
    is_follower: bool
    source: Link | None


@dataclass(frozen=True, slots=True)
class QuarterWeight:
    quarter: str  # 2026-Q2
    pays: float
    reverts: float  # positive
    net: float
    signals: int


@dataclass(frozen=True, slots=True)
class SignalRow:
    quarter: str
    signal: str
    lab: str | None  # None: the industry
    value: str | None  # shown as written, with its unit
    points_to: str
    strength: int
    confidence: str
    weight: float  # signed contribution to the score (0 when it does not count)
    counted: bool  # its quarter is the pivot's or later
    observed: dt.date | None
    source: Link | None
    number: float | None = None  # the Value when it is a number (then `value` is its text with the unit)
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class TimelineItem:
    date: dt.date
    lab: str
    kind: str
    headline: str
    model: str | None
    source: Link | None
    is_pivot: bool  # on the pivot date: the pivot itself


@dataclass(frozen=True, slots=True)
class WatchItem:
    due: dt.date
    milestone: str
    why: str | None
    status: str
    outcome: str | None
    days_left: int
    overdue: bool  # upcoming and past due
    soon: bool  # upcoming and due within 14 days


@dataclass(frozen=True, slots=True)
class HealthItem:
    kind: str  # "stale", "no-source" or "warning"
    where: str  # "Signals!A3" or "Signals row 3"
    message: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    """What an edition leaves out because it is dated after the edition (SPEC §4 "As of the edition date")."""

    events: int = 0  # Events rows dated after the edition
    signals: int = 0  # Signals rows whose quarter begins, or whose Observed is, after the edition
    labs_as_before: tuple[str, ...] = ()  # labs counted with the weights they had before their Status since

    @property
    def records(self) -> int:
        """How many rows were left out."""
        return self.events + self.signals


@dataclass(frozen=True, slots=True)
class HealthSummary:
    """The data-health figures a reader can use; the itemised list is `Briefing.health`."""

    counted_signals: int  # signals that count towards the score in this edition
    stale_signals: int  # of those, observed more than stale_after_days before the edition
    stale_after_days: float
    newest_observed: dt.date | None  # the newest Observed date among the counted signals
    missing_sources: int  # signals with no source (the checker asks a source of signals only)
    other_warnings: int  # every other warning the check found


@dataclass(frozen=True, slots=True)
class SourceRow:
    name: str
    publisher: str | None
    link: Link  # the name, linked when the URL is safe
    url_text: str | None  # the URL as written
    published: dt.date | None
    cited: int  # how many rows name it


@dataclass(frozen=True, slots=True)
class Mailing:
    """How the email is addressed and signed off: the Settings' sending rows, checked."""

    list_address: str | None = None
    reply_to: str | None = None
    unsubscribe: str | None = None  # a mailto: link
    sign_off_required: bool = False
    editor: str | None = None  # who is asked to approve, when sign-off is required
    web_address: str | None = None  # the web archive's base URL (the Web address setting), ending in "/"

    def page_url(self, edition: dt.date) -> str | None:
        """The edition's page in the web archive (report/archive.py lays it out), or None without a Web address."""
        return f"{self.web_address}editions/{edition.isoformat()}.html" if self.web_address else None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One edition on the trend: its date, score and followers (of how many watched labs)."""

    edition: dt.date
    score: float
    followers: int
    watched: int


@dataclass(frozen=True, slots=True)
class Trend:
    """The score and followers of the editions so far: at most the last 12 before this one (from the history,
    dated before it), then this one. `points[-1]` is this edition."""

    points: tuple[TrendPoint, ...] = ()
    margin: float = 2.0

    @property
    def first(self) -> bool:
        """No earlier edition to compare."""
        return len(self.points) <= 1


@dataclass(frozen=True, slots=True)
class Correction:
    """This edition was sent, then rebuilt: what changed from the version readers got (the same keyed comparison
    as "What changed")."""

    corrected_on: dt.date
    sent_at: str  # when the corrected version was sent (ISO timestamp, UTC)
    changes: Changes


@dataclass(frozen=True, slots=True)
class Briefing:
    """One edition, analysed: the single input of every renderer."""

    masthead: Masthead
    verdict: Verdict
    figures: KeyFigures
    changes: Changes
    labs: tuple[LabRow, ...]
    quarters: tuple[QuarterWeight, ...]
    latest_quarter: str | None
    latest_signals: tuple[SignalRow, ...]
    signals: tuple[SignalRow, ...]  # all of them, latest quarter first
    timeline: tuple[TimelineItem, ...]
    watchlist: tuple[WatchItem, ...]
    health: tuple[HealthItem, ...]
    sources: tuple[SourceRow, ...]
    recipients: tuple[str, ...] = ()
    sender: str | None = None
    mailing: Mailing = field(default_factory=Mailing)
    left_out: LeftOut = field(default_factory=LeftOut)
    health_summary: HealthSummary | None = None
    # Every record as of the edition, as plain data: what the history keeps for the next "what changed".
    snapshot: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    sections: tuple[tuple[str, str], ...] = field(default=SECTIONS)
    trend: Trend = field(default_factory=Trend)
    correction: Correction | None = None

    @property
    def stem(self) -> str:
        """briefing-2026-06-01: the outputs' file name without extension."""
        return f"briefing-{self.masthead.edition.isoformat()}"
