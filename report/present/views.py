"""The frozen views a `Presentation` is made of: one per section of SPEC §6, and the lines of its lists.

Each holds what a section shows, already worded: dates as `Day`s, weights as text beside their numbers, the
keys the page's CSS classes and the email's inks use, every word a chart writes. The section modules
(verdict.py, what_changed.py, evidence.py, timeline.py, health.py, trend.py, charts.py) make them; the
renderers only read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..briefing import Link
from .rows import Rows
from .words import ARROW, THIS_EDITION, Day


@dataclass(frozen=True, slots=True)
class MastheadView:
    title: str
    publication: str | None
    editor: str | None
    edition: Day
    week: str  # 2026-W23
    days_since_pivot: str  # 42 days
    days: int  # 42
    pivot_line: str
    pivot_date: Day
    dateline: str = ""  # "Edition 1 Jun 2026 · 2026-W23 · 42 days since the pivot · Editor A. Name"


@dataclass(frozen=True, slots=True)
class ReasonLine:
    """A signal that moved the score: its signed weight, the word it points to, and where it comes from."""

    weight: float
    weight_text: str  # +0.60 pays
    direction: str  # pays, reverts or neutral
    text: str
    detail: str | None
    source: Link | None


@dataclass(frozen=True, slots=True)
class VerdictView:
    state: str
    key: str  # too-early
    fill: str  # the state's colour (report/palette.py)
    ink: str  # text on that colour
    headline: str  # the verdict in one sentence, no figure: the score is said once, below it
    score_label: str  # Score −0.60
    score_gloss: str  # the score in plain words, against the margin
    facts: tuple[str, ...]
    signals: tuple[ReasonLine, ...]  # the largest, up to Limits.reasons
    signals_lead: str
    no_signals: str
    signals_count: int = 0  # every signal that moved the score
    signals_more: str | None = None  # "12 more in the workbook edition"
    all_signals: tuple[ReasonLine, ...] = ()  # every reason line the analysis kept (the most any format lists)
    signals_more_sheet: str | None = None  # the xlsx's: "12 more on the Signals sheet"
    evidence: bool = True  # some signal counts: False is "no evidence yet"
    change_call: str = ""  # "What would change the call: one more … would make it LEANING PAYS; …" (change_call)


@dataclass(frozen=True, slots=True)
class FigureView:
    """A key-figure card: the label, the value in large type, a note."""

    key: str
    label: str
    value: str
    note: str


@dataclass(frozen=True, slots=True)
class FigureCell:
    """A key figure as the xlsx holds it: a real number or date, under a defined name."""

    label: str
    name: str
    value: float | Day | None
    kind: str  # int, score, weight or date (a Day)
    note: str | None


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """One line of 'what changed': label (Verdict, Score, Key figure, Added...), what, before → after."""

    kind: str  # verdict, score, figure, added, changed or removed
    label: str
    what: str
    before: str | None
    after: str | None
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, before, after) of a changed row
    tag: str | None = None  # why it matters: "Follower", "Reversal", "+1.80 pays" (a counted signal)
    tag_key: str | None = None  # follower, reversal, pays or reverts (CSS)

    @property
    def before_after(self) -> str | None:
        """'TOO EARLY → SPREADING', or the fields' changes one per line."""
        if self.before is not None and self.after is not None:
            return f"{self.before} {ARROW} {self.after}"
        if self.fields:
            return "\n".join(f"{name}: {before} {ARROW} {after}" for name, before, after in self.fields)
        return None


@dataclass(frozen=True, slots=True)
class ChangesView:
    """The note says what is compared: the first-edition sentence, "Nothing changed since the edition of
    25 May 2026.", or "Compared with the edition of 25 May 2026." above the lines.

    `lead` (the verdict, the score's move and the key figures that moved) is always shown in full; `counts`
    says per sheet how many rows were added, changed and removed; `rows` are the row changes, those that
    matter most first (the pivot lab reverting, followers, counted signals by weight), bounded like every
    long list. The xlsx keeps every line on its What changed sheet (`lines`)."""

    note: str
    lead: tuple[ChangeLine, ...]
    counts: tuple[str, ...]  # "Signals: 14 added, 1 changed."
    rows: Rows[ChangeLine]
    first: bool
    more_sheet: str | None = None  # the xlsx Briefing sheet's: "40 more on the What changed sheet"

    @property
    def lines(self) -> tuple[ChangeLine, ...]:
        """Every line: the lead, then every row change."""
        return (*self.lead, *self.rows.all)


@dataclass(frozen=True, slots=True)
class LabLine:
    lab: str
    country: str | None
    role: str  # Pivot lab, Follower, Watched, Not watched
    role_key: str
    weights: str  # Open or Closed
    weights_key: str
    flagship: str | None
    scale: str | None
    licence: str | None
    since: Day | None
    mid_scale: str | None
    mid_scale_licence: str | None
    source: Link | None
    marked: bool  # the pivot lab or a follower: stands out


@dataclass(frozen=True, slots=True)
class LabsView:
    rows: tuple[LabLine, ...]  # every lab, in the workbook's order (the xlsx)
    columns: tuple[tuple[str, str], ...]  # the optional columns at least one row fills
    empty: str
    shown: tuple[LabLine, ...] = ()  # up to Limits.labs: the pivot lab and followers always, then watched labs
    more: str | None = None

    def shows(self, key: str) -> bool:
        return any(key == k for k, _ in self.columns)


@dataclass(frozen=True, slots=True)
class QuarterLine:
    quarter: str
    pays: float
    reverts: float
    net: float
    signals: int
    pays_text: str  # 1.20
    reverts_text: str
    net_text: str  # −0.60 reverts
    net_direction: str
    signals_text: str  # 3 signals


@dataclass(frozen=True, slots=True)
class SignalLine:
    quarter: str
    signal: str
    lab: str  # "Industry" when the row names no lab
    value: str | None
    points_to: str
    points_key: str
    strength: int
    confidence: str
    weight: float
    weight_text: str  # +0.60 pays / not counted
    direction: str
    counted: bool
    observed: Day | None
    source: Link | None
    number: float | None = None  # the Value when it is a number; `value` is then number_text and the unit
    number_text: str | None = None  # 1,580.04: the decimals every value of its unit shows
    places: int = 0
    unit: str | None = None


class QuarterFigures(Protocol):
    """What the evidence chart draws of a quarter (briefing.QuarterWeight and QuarterLine have it)."""

    @property
    def quarter(self) -> str: ...
    @property
    def pays(self) -> float: ...
    @property
    def reverts(self) -> float: ...
    @property
    def net(self) -> float: ...


@dataclass(frozen=True, slots=True)
class EvidenceChart:
    """The evidence chart, as the page's SVG, the email's PNG of it and the xlsx's native chart draw it: every
    quarter since the pivot (the scale and the score so far cover them all), of which the last `shown` are
    drawn, the ±margin band, and every word the charts write."""

    quarters: tuple[QuarterFigures, ...]
    margin: float  # the call margin, never negative
    shown: int  # the last this many quarters are drawn (the alt text says so when there are more)
    title: str  # the SVG's title: Evidence by quarter since the pivot
    alt: str  # the chart in words: each quarter drawn, the score so far and the margin it is held to
    pays: str  # Pays: the legend's and the xlsx's series
    reverts: str  # Reverts
    net: str  # Net: the legend's, the row of net figures under the quarters, the xlsx's series
    score: str  # Score so far −0.60: the legend's
    band: str  # Call margin ±2.0: the legend's, the xlsx's upper margin line
    band_below: str  # Call margin −2.0: the xlsx's lower margin line (its legend entry hidden)
    sheet_title: str  # the xlsx chart's title: Evidence by quarter: pays up, reverts down, net marked


@dataclass(frozen=True, slots=True)
class EvidenceView:
    quarters: tuple[QuarterLine, ...]
    margin: float
    margin_text: str  # ±2.0
    caption: str
    empty: str
    latest_heading: str | None  # "Signals in 2026-Q2"
    latest: Rows[SignalLine]
    all_signals: Sequence[SignalLine]  # Lines: made as the xlsx reads them
    chart: EvidenceChart  # the quarters as the charts draw them, and their words
    latest_quarter: str | None = None  # 2026-Q2
    table_caption: str = "Weight per quarter (strength × confidence)"
    latest_caption: str = "The latest quarter's signals, largest weight first"


@dataclass(frozen=True, slots=True)
class EventLine:
    date: Day
    lab: str
    kind: str
    kind_key: str  # closed, open or other: the marker's colour
    headline: str
    model: str | None
    source: Link | None
    is_pivot: bool
    tag: str | None  # "Pivot"


class TimelineEvent(Protocol):
    """What the timeline chart draws of an event (briefing.TimelineItem has it)."""

    @property
    def date(self) -> dt.date: ...
    @property
    def lab(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def is_pivot(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class TimelineChart:
    """The timeline chart, as the page's SVG and the email's PNG of it draw it: every event since the pivot (not
    only the rows the table under it lists), the pivot's and this edition's days, and every word it writes."""

    events: Sequence[TimelineEvent]
    pivot: dt.date
    edition: dt.date
    title: str  # the SVG's title: Timeline since the pivot
    alt: str  # the chart in words: the first events, then how many more
    pivot_label: str  # "pivot", at the pivot's dashed line
    edition_label: str  # "this edition", at the edition's
    others: str  # "Other labs": the lane the quietest labs share when there are too many to draw
    lanes: dict[str, str]  # lab -> its lane's name with its role, for the labs that never share a lane
    pivot_lab: str | None  # of those, the lab whose lane is kept first


@dataclass(frozen=True, slots=True)
class WatchLine:
    due: Day
    milestone: str
    why: str | None
    status: str
    outcome: str | None
    days_left: int
    days_text: str  # in 12 days / 3 days overdue / happened
    attention: str | None  # Overdue, Due soon
    key: str  # overdue, soon, done or "" (CSS)


@dataclass(frozen=True, slots=True)
class HealthLine:
    kind: str
    label: str  # Stale signal, No source, Check warning
    where: str
    message: str


@dataclass(frozen=True, slots=True)
class HealthView:
    """Readers get `sentences`, one summary in every output; the per-row list (`items`, with cells and what
    to do) is the desk's: only the xlsx's Data health sheet lists it, under the summary."""

    sentences: tuple[str, ...]  # for readers: how much evidence is stale or unsourced, and what it means
    items: Rows[HealthLine]  # the itemised list (the xlsx's Data health sheet)
    left_out: str | None  # "2 records dated after this edition were left out."
    empty: str


@dataclass(frozen=True, slots=True)
class SourceLine:
    name: str
    link: Link  # the name, linked when its URL is safe
    publisher: str | None
    published: Day | None
    cited: int
    cited_text: str | None  # "3 rows", None when no row cites it
    url_text: str | None  # the URL as written
    unlinked_url: str | None  # the URL as written when it is not shown as a link (not http, https or mailto)
    unlinked_note: str | None = None  # "link not shown: javascript:…"


@dataclass(frozen=True, slots=True)
class SheetNotes:
    """The notes the xlsx's sheets carry under their headings, and what its contents list says of each sheet."""

    labs: str
    evidence: str
    signals: str
    timeline: str
    watchlist: str
    sources: str
    changes: str
    contents: dict[str, str]  # section id (or "signals") -> what its sheet holds
    subject: str = ""  # the file's properties: its subject and keywords
    keywords: str = ""


@dataclass(frozen=True, slots=True)
class TrendPointLine:
    """An edition on the trend chart and in its table."""

    edition: Day
    score: float
    score_text: str  # +1.20
    followers: int
    watched: int
    followers_text: str  # 1 of 8
    current: bool  # this edition
    short: str = ""  # 15 Jun: the edition on the xlsx chart's axis


@dataclass(frozen=True, slots=True)
class TrendView:
    """The trend across editions: the sentence in words, the points (oldest first, this edition last), the
    ±call margin as a band; `first` when there is no earlier edition to compare."""

    sentence: str
    points: tuple[TrendPointLine, ...]
    margin: float
    margin_text: str  # ±2.0
    first: bool
    alt: str  # the chart in words, for the email's image and the SVG's description
    band: str  # Call margin ±2.0: the chart's legend, the xlsx's upper margin line
    band_below: str  # Call margin −2.0: the xlsx's lower margin line (its legend entry hidden)
    score_now: str  # score +1.20: beside this edition's dot
    caption: str = ""  # under the chart
    figures_label: str = "The figures of each edition"  # the page's table of the points, folded
    current_label: str = THIS_EDITION
    title: str = "Trend across editions"  # the SVG's title
    sheet_title: str = "Trend across editions: the score and the followers"  # the xlsx chart's
    score_label: str = "Score"  # the legend's; the xlsx's series and value axis
    followers_label: str = "Followers"  # the legend's; the xlsx's series and second axis
    followers_axis: str = "followers"  # beside the SVG's followers panel


@dataclass(frozen=True, slots=True)
class CorrectionView:
    """"Corrected on 7 Dec 2026", what was corrected (the same lines as What changed), and the subject's prefix."""

    title: str  # Corrected on 7 Dec 2026
    note: str  # This edition was sent on 1 Jun 2026; this version corrects it: ...
    lines: tuple[ChangeLine, ...]
    corrected_on: Day

