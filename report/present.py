"""Pure: Briefing -> Presentation, everything a reader sees, decided once for every format.

The analysis decides the facts (dates as dates, numbers as numbers, the verdict's facts as `Fact`s); this
module decides how they read: every sentence (the headline, the score's gloss, the facts, what changed, the
data-health summary, captions, the xlsx's sheet notes), labels and lab roles, the one house date style,
signed figures, colour keys, the sentence an empty section shows, how many rows each list shows and the
"N more" note that says where the rest are, the email's subject and preheader. The page, the email (HTML
and text) and the xlsx take a `Presentation` alone and only place what it holds; none of them formats a
date, a weight or a sentence of its own, cuts a list or picks a colour (tests/test_layouts_decide_nothing.py).

`present(briefing, limits, workbook_beside)` returns a frozen `Presentation` for the page; `for_email(limits)`
gives the email's (fewer rows, notes saying "in the attached workbook"). Its fields, in SPEC §6 order:

- `sections`: ((id, heading), ...), the order every format follows.
- `subject`, `preheader`: the email's Subject (verdict first, under 80 characters) and the preheader
  (what the subject does not say).
- `masthead` (`MastheadView`): title, publication, editor, `edition` (a `Day`), `week` ("2026-W23"),
  `days_since_pivot` ("42 days") and `days` (42), `pivot_line` (one sentence: who closed what, when),
  `pivot_date` (a `Day`), `dateline` (the email's and text part's one line).
- `verdict` (`VerdictView`): `state` ("TOO EARLY"), `key` ("too-early", for CSS classes), `fill`/`ink`
  (the state's colours, from report/palette.py), `headline` (no figure in it; "no evidence yet" when no
  signal counts), `score_label` ("Score −0.60") and `score_gloss` (the score in plain words: the score is
  said once in the lead), `facts` (sentences, their dates in the house style), `signals` (`ReasonLine`s:
  weight text, direction, text, detail, source), `signals_lead`, `no_signals`, `signals_more`,
  `change_call` (what would change the call, in one sentence: report/moves.py's moves, worded here).
- `figures`: four `FigureView` cards (label, value, note) for the page and the email; `figure_cells`:
  the xlsx's key-figure rows (`FigureCell`: label, defined name, number or `Day`, kind, note).
- `changes` (`ChangesView`): `note` (compared with which edition, or the first-edition sentence), `lead`
  (the verdict, the score's move and the key figures that moved: always shown), `counts` (per sheet:
  "Signals: 14 added, 1 changed."), `rows` (`Rows` of `ChangeLine`, those that matter most first: the
  pivot lab reverting, followers, counted signals by weight, each with its `tag`), `lines` (all of them,
  for the xlsx's What changed sheet).
- `labs` (`LabsView`): `rows` (`LabLine`, every lab), `shown` (up to the limit, the pivot lab and followers
  always), `more`, `columns` (the optional columns some row fills), `empty`.
- `evidence` (`EvidenceView`): `quarters` (`QuarterLine`), `margin` (the ±Call margin), `caption`,
  `empty`; `latest` (`Rows` of the latest quarter's `SignalLine`s, largest weight first), `latest_heading`,
  `all_signals` (every signal, for the xlsx).
- `timeline` (`Rows` of `EventLine`): the shown rows are the latest events up to the limit, oldest first;
  `timeline_chart` holds the events both timeline charts (page and email) draw.
- `watchlist` (`Rows` of `WatchLine`): `due` reads "1 Jun 2026", or "by end of 2026-Q4" for a quarter.
- `health` (`HealthView`): `sentences` (the readers' summary, in every output: how much evidence is stale
  or unsourced and what that means; no cell, no chore), `items` (`Rows` of `HealthLine`, the desk's rows:
  only the xlsx's Data health sheet lists them), `left_out` (what the edition left out, said once).
- `sources` (`Rows` of `SourceLine`): the cited sources, most cited first, with "N rows" each; the note
  counts the ones left out and those on file that no row cites.
- `workbook` (the xlsx edition's file name, linked when it is written beside the page), `closing`,
  `captions`, `notes` (the xlsx's), `inks` (a key's colour, for the email's inline styles).
- `trend` (`TrendView`, issue 21): the trend across editions: `sentence` (in words; the first edition says
  there is none to compare), `points` (`TrendPointLine`: the editions dated before this one, at most 12, then
  this one), `margin`, `caption`, `alt`; `correction` (`CorrectionView`): "Corrected on DATE", its note and
  what changed from the sent version, or None; `web_url`, `archive_url` and `web_link` ("Read on the web"),
  set only with the Web address setting.

`Rows` holds `all` (every row, for the xlsx), `shown` (up to the limit, for the page and the email),
`more` ("3 more in the workbook edition", or None) and `empty` (the sentence when there are none);
`filled(field)` says whether any shown row fills a field (a column empty in every row is not shown).
`Limits` sets how many rows are shown; the email asks for fewer to fit its budget.
Dates are `Day`s: `text` in the house style with non-breaking spaces ("1 Jun 2026"), `iso` for
machine-readable attributes, and `value` (the date) for the xlsx.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Generic, TypeVar, overload

from . import palette
from .briefing import (
    Briefing,
    Changes,
    Fact,
    HealthItem,
    LabRow,
    Link,
    Mailing,
    Move,
    QuarterWeight,
    Reason,
    RowChange,
    SignalRow,
    TimelineItem,
    Trend,
    TrendPoint,
    WatchItem,
)
from .formatting import signed
from .model import QuarterEnd, quarter_label
from .schema import CONFIDENCE_FACTOR, TABLES

T = TypeVar("T")

NBSP = "\u00a0"
ARROW = "\u2192"
SUBJECT_LIMIT = 78  # under 80 characters, the length phones show before cutting

# The sentence each section shows when it has nothing; the same words in every format.
EMPTY: dict[str, str] = {
    "reasons": "No signal has moved the score yet.",
    "changes": "No rows were added, removed or changed.",
    "labs": "No labs on the Labs sheet yet.",
    "evidence": "No signals count yet: none in the pivot's quarter or later.",
    "signals": "No signals on the Signals sheet yet.",
    "timeline": "No events since the pivot yet.",
    "watchlist": "No milestones on the watchlist yet.",
    "health": "No problems: every counted signal is fresh and names a source.",
    "sources": "No sources on the Sources sheet yet.",
}
FIRST_EDITION = "First edition: no earlier briefing to compare."
BLANK = "(blank)"  # how an empty cell reads in a before → after pair
# Where the rows a list leaves out are, as each output says it: the page names the xlsx edition beside it
# (it has no attachment), the email and its text part the attached workbook.
PAGE_WHERE = "in the workbook edition"
EMAIL_WHERE = "in the attached workbook"
NO_EVIDENCE = "There is no evidence yet: no signal counts towards the score."

# The text colour of each key a line carries (direction, weights, attention, why a change matters), for the
# layouts that cannot use the page's CSS classes (the email's inline styles); from the one palette.
INKS: dict[str, str] = {
    "pays": palette.PAYS, "reverts": palette.REVERTS, "neutral": palette.MUTED, "closed": palette.CLOSED,
    "open": palette.OPEN, "overdue": palette.ALERT, "soon": palette.SOON, "follower": palette.PAYS,
    "reversal": palette.REVERTS, "": palette.INK, "done": palette.MUTED,
}

HEALTH_LABELS = {"stale": "Stale signal", "no-source": "No source", "warning": "Check warning"}


@dataclass(frozen=True, slots=True)
class Limits:
    """How many rows the page and the email show of each long list; the xlsx always keeps every row."""

    reasons: int = 10
    changes: int = 15
    labs: int = 20
    signals: int = 15
    timeline: int = 15
    watchlist: int = 20
    health: int = 10
    sources: int = 20


# How many rows each of the email's lists may show, tried in turn until its HTML fits its budget
# (report/render/email.py measures; never more than the page shows).
EMAIL_ROW_LIMITS: tuple[int, ...] = (40, 20, 10, 5, 3)


def email_limits(limit: int) -> Limits:
    """The page's limits, capped at `limit`: the email never shows more rows than the page."""
    page = Limits()
    return Limits(**{f.name: min(getattr(page, f.name), limit) for f in fields(Limits)})


# --- Small values ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Day:
    """A date as readers see it: `text` in the house style, never broken at a space or hyphen."""

    value: dt.date
    text: str
    iso: str

    def __str__(self) -> str:
        return self.text


@functools.lru_cache(maxsize=4096, typed=True)
def house_date(day: dt.date) -> str:
    """1 Jun 2026: the one date style, with non-breaking spaces."""
    return f"{day.day}{NBSP}{day:%b}{NBSP}{day.year}"


def as_day(day: dt.date | None) -> Day | None:
    """The date in the house style, or None."""
    return None if day is None else _day(day)


@functools.lru_cache(maxsize=4096, typed=True)
def _day(day: dt.date) -> Day:
    # A long sheet repeats its dates: each is formatted once and its (frozen) Day shared.
    return Day(day, house_date(day), day.isoformat())


def due_day(day: dt.date) -> Day:
    """A due date: "by end of 2026-Q4" when the workbook gave a quarter, else the house date."""
    if isinstance(day, QuarterEnd):
        return Day(day, f"by end of {quarter_label(day.quarter)}", day.isoformat())
    return Day(day, house_date(day), day.isoformat())


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 lab', '4 labs'."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def days_text(value: int | None) -> str:
    """'in 12 days', 'today', '3 days overdue'."""
    if value is None:
        return "–"
    if value == 0:
        return "today"
    if value > 0:
        return f"in {plural(value, 'day')}"
    return f"{plural(-value, 'day')} overdue"


def direction(weight: float) -> str:
    """'pays', 'reverts' or 'neutral': the word shown beside a signed weight (and its CSS class)."""
    if weight > 0:
        return "pays"
    if weight < 0:
        return "reverts"
    return "neutral"


def weight_text(weight: float, counted: bool = True) -> str:
    """'+0.60 pays', '−1.80 reverts', '0.00', or 'not counted'."""
    if not counted:
        return "not counted"
    word = direction(weight)
    return signed(weight) + ("" if word == "neutral" else f" {word}")


def number(value: float, places: int = 2) -> str:
    return f"{value:.{places}f}"


def _key(word: str) -> str:
    """'Pivot lab' -> 'pivot-lab': for CSS classes."""
    return word.lower().replace(" ", "-")


def _line(text: str) -> str:
    """One line: no newlines or runs of spaces (for subjects and other one-line places)."""
    return " ".join(text.split())


# --- Rows --------------------------------------------------------------------------------------------------


S = TypeVar("S")


class Lines(Sequence[T]):
    """Every row of a long list, each presented when it is read (the xlsx reads them row by row): a
    100,000-row list is not held twice, as the briefing's rows and again as their lines. A line is made
    again each time it is read; it is a pure function of its row, so each reading gives an equal line."""

    __slots__ = ("_line", "_rows")

    def __init__(self, rows: Sequence[S], line: Callable[[S], T]) -> None:
        self._rows: Sequence[Any] = rows
        self._line: Callable[[Any], T] = line

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(map(self._line, self._rows[index]))
        return self._line(self._rows[index])

    def __iter__(self) -> Iterator[T]:
        return map(self._line, self._rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Lines({len(self)} rows)"


@dataclass(frozen=True, slots=True)
class Rows(Generic[T]):
    """A long list: every row for the xlsx, the rows the page and the email show, and the note for the rest."""

    all: Sequence[T]  # a tuple, or for the longest lists Lines made as they are read
    shown: tuple[T, ...]
    more: str | None
    empty: str

    def filled(self, *attrs: str) -> bool:
        """Whether any shown row fills one of these fields: a column empty in every row is not shown."""
        return any(getattr(row, attr) not in (None, "") for row in self.shown for attr in attrs)


def more_note(hidden: int, where: str = EMAIL_WHERE) -> str | None:
    """'3 more in the attached workbook' (or wherever `where` says), or None when nothing is hidden."""
    return f"{hidden:,} more {where}" if hidden > 0 else None


def summary_note(count: int, where: str = EMAIL_WHERE) -> str:
    """A list shown only as its count (the email over its budget): '412 rows in this list, in the attached workbook'."""
    return f"{plural(count, 'row')} in this list, {where}"


def _rows(rows: Sequence[T], shown: tuple[T, ...], empty: str, where: str = PAGE_WHERE) -> Rows[T]:
    return Rows(rows, shown, more_note(len(rows) - len(shown), where), empty)


# --- Sections ----------------------------------------------------------------------------------------------


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


# The lab board's optional columns: (key, heading); the always-shown ones are Lab, Flagship weights, Role.
LAB_COLUMNS: tuple[tuple[str, str], ...] = (
    ("flagship", "Flagship"), ("licence", "Licence"), ("since", "Since"), ("mid_scale", "Mid-scale model"),
    ("source", "Source"),
)


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
class Presentation:
    """What every format shows, in SPEC §6 order (see the module docstring for each field)."""

    sections: tuple[tuple[str, str], ...]
    subject: str
    preheader: str
    masthead: MastheadView
    verdict: VerdictView
    figures: tuple[FigureView, ...]
    figure_cells: tuple[FigureCell, ...]
    changes: ChangesView
    labs: LabsView
    evidence: EvidenceView
    timeline: Rows[EventLine]
    watchlist: Rows[WatchLine]
    health: HealthView
    sources: Rows[SourceLine]
    stem: str  # briefing-2026-06-01
    limits: Limits
    where: str = PAGE_WHERE  # where a cut list's other rows are, as this output says it
    workbook: Link | None = None  # the xlsx edition: linked (relative) when it sits beside the page
    closing: str = ""  # the last line: which workbook this edition comes with
    # The events both timeline charts draw: every event since the pivot (the chart is the whole story, bounded by
    # its lanes and columns; the table under it lists the latest), so a follower's move never drops off.
    timeline_chart: Sequence[EventLine] = ()
    sender: str | None = None  # how the email is addressed (report/eml.py reads these)
    recipients: tuple[str, ...] = ()
    mailing: Mailing = field(default_factory=Mailing)
    notes: SheetNotes | None = None  # the xlsx sheets' notes
    captions: dict[str, str] = field(default_factory=dict)  # the page's table and chart captions, by name
    became: str = "became"  # what a before → after arrow says to a screen reader
    inks: dict[str, str] = field(default_factory=lambda: dict(INKS))  # a key's text colour (the email's inline styles)
    trend: TrendView | None = None  # the trend across editions (issue 21)
    correction: CorrectionView | None = None  # set when this edition corrects one already sent
    web_url: str | None = None  # this edition's page in the web archive, when the Web address is set
    archive_url: str | None = None  # the web archive's index (the email's List-Archive), with the Web address
    web_link: Link | None = None  # "Read on the web", to `web_url`

    def heading(self, section: str) -> str:
        return dict(self.sections)[section]

    def limited(self, limits: Limits, where: str | None = None) -> Presentation:
        """The same presentation showing at most `limits` rows of each long list (the email asks for fewer),
        its "N more" notes saying `where` the rest are (the email: the attached workbook).

        Only the shown rows and their notes change; every row stays as `present` made it."""
        where = where or self.where
        if limits == self.limits and where == self.where:
            return self
        v = self.verdict
        shown = v.all_signals[: limits.reasons]
        c = self.changes
        return replace(
            self,
            verdict=replace(v, signals=shown, signals_more=more_note(v.signals_count - len(shown), where)),
            changes=replace(c, rows=_rows(c.rows.all, tuple(c.rows.all[: limits.changes]), c.rows.empty, where)),
            labs=_labs_shown(self.labs, limits.labs, where),
            evidence=replace(self.evidence, latest=_rows(self.evidence.latest.all,
                                                         tuple(self.evidence.latest.all[: limits.signals]),
                                                         self.evidence.latest.empty, where)),
            timeline=_rows(self.timeline.all, _shown_timeline(self.timeline.all, limits.timeline),
                           self.timeline.empty, where),
            watchlist=_rows(self.watchlist.all, _shown_watchlist(self.watchlist.all, limits.watchlist),
                            self.watchlist.empty, where),
            health=replace(self.health, items=_rows(self.health.items.all,
                                                    tuple(self.health.items.all[: limits.health]),
                                                    self.health.items.empty, where)),
            sources=_sources_rows(self.sources.all, limits.sources, where),
            limits=limits,
            where=where,
            closing=_closing(self.stem, where),
        )

    def for_email(self, limits: Limits) -> Presentation:
        """The email's presentation: at most `limits` rows a list, the rest in the attached workbook."""
        return self.limited(limits, EMAIL_WHERE)


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
    caption: str = ""  # under the chart
    figures_label: str = "The figures of each edition"  # the page's table of the points, folded
    current_label: str = "this edition"


@dataclass(frozen=True, slots=True)
class CorrectionView:
    """"Corrected on 7 Dec 2026", what was corrected (the same lines as What changed), and the subject's prefix."""

    title: str  # Corrected on 7 Dec 2026
    note: str  # This edition was sent on 1 Jun 2026; this version corrects it: ...
    lines: tuple[ChangeLine, ...]
    corrected_on: Day


FIRST_TREND = "First edition: there is no earlier edition to compare."
CORRECTION_PREFIX = "Correction: "


def _trend_sentence(points: Sequence[TrendPoint]) -> str:
    """'The score has risen in 5 of the last 6 editions, from +1.20 to +3.40; followers 0 of 4 throughout.'"""
    if len(points) <= 1:
        return FIRST_TREND
    steps = list(itertools.pairwise(points))
    # Moves as readers see them, to two places: a drift in the third place is no rise.
    rose = sum(1 for a, b in steps if round(b.score, 2) > round(a.score, 2))
    fell = sum(1 for a, b in steps if round(b.score, 2) < round(a.score, 2))
    first, last = points[0], points[-1]
    editions = plural(len(steps), "edition")
    of_last = f"the last {editions}"
    if len(steps) == 1:
        moved = "held at" if rose == fell == 0 else "risen" if rose else "fallen"
        score = (f"The score has held at {signed(last.score)} since the previous edition" if moved == "held at" else
                 f"The score has {moved} since the previous edition, from {signed(first.score)} to "
                 f"{signed(last.score)}")
    elif rose == 0 and fell == 0:
        score = f"The score has held at {signed(last.score)} over {of_last}"
    elif round(last.score, 2) > round(first.score, 2) and rose >= fell:
        score = f"The score has risen in {rose} of {of_last}, from {signed(first.score)} to {signed(last.score)}"
    elif round(last.score, 2) < round(first.score, 2) and fell >= rose:
        score = f"The score has fallen in {fell} of {of_last}, from {signed(first.score)} to {signed(last.score)}"
    else:  # the moves and the overall change disagree: say both
        score = (f"The score has gone from {signed(first.score)} to {signed(last.score)} over {of_last}, up in "
                 f"{rose} and down in {fell}")
    if all(p.followers == last.followers for p in points):
        if first.watched == last.watched:
            follow = f"followers {last.followers} of {last.watched} throughout"
        else:  # the board grew (or shrank): the count held, out of a different number of watched labs
            follow = (f"followers held at {last.followers} while the watched labs went from {first.watched} to "
                      f"{last.watched}")
    else:
        follow = f"followers went from {first.followers} to {last.followers} (of {last.watched} watched labs)"
    return f"{score}; {follow}."


def trend_view(b: Briefing) -> TrendView:
    """The briefing's trend across editions, as every format shows it."""
    t = b.trend
    if not t.points:  # a Briefing made without a trend: this edition alone
        t = Trend((TrendPoint(b.masthead.edition, b.figures.score, b.figures.followers, b.figures.watched),),
                  b.verdict.margin)
    return trend_view_of(t)


def trend_view_of(t: Trend) -> TrendView:
    """A trend's view (the web archive's index draws the latest editions' trend with it)."""
    points = t.points
    lines = tuple(
        TrendPointLine(_day(p.edition), p.score, signed(p.score), p.followers, p.watched,
                       f"{p.followers} of {p.watched}", i == len(points) - 1)
        for i, p in enumerate(points))
    sentence = _trend_sentence(points)
    shown = "; ".join(f"{line.edition.text.replace(NBSP, ' ')}: score {line.score_text}, followers "
                      f"{line.followers_text}" for line in lines)
    alt = (f"Trend across editions, score against the \u00b1{t.margin:.1f} call margin and followers: {shown}. "
           + sentence)
    caption = (f"The score of each edition against the \u00b1{t.margin:.1f} call margin (shaded: the verdict does "
               "not lean), and the followers below. Only editions dated before this one count.")
    return TrendView(sentence, lines, t.margin, f"\u00b1{t.margin:.1f}", len(points) <= 1, alt, caption)


def _correction(b: Briefing) -> CorrectionView | None:
    c = b.correction
    if c is None:
        return None
    changed = _changes(c.changes, Limits())
    sent = dt.date.fromisoformat(c.sent_at[:10]) if c.sent_at[:10].count("-") == 2 else None
    when = f"was sent on {house_date(sent)}" if sent else "was sent before"
    lines = (*changed.lead, *changed.rows.shown)  # bounded like What changed; the xlsx's What changed sheet has all
    if lines:
        note = f"This edition {when}; this version corrects it. What changed from the sent version:"
    else:
        note = f"This edition {when}; this version was rebuilt and changes no record or figure of it."
    return CorrectionView(f"Corrected on {house_date(c.corrected_on)}", note, lines, _day(c.corrected_on))


# --- Building ----------------------------------------------------------------------------------------------


def _state_colours(state: str) -> tuple[str, str]:
    """(fill, text on it) of a verdict state, from the one palette."""
    return palette.STATES[state], palette.ON_DARK


def lab_role(lab: LabRow) -> str:
    """How the verdict sees a lab."""
    if lab.is_pivot:
        return "Pivot lab"
    if lab.is_follower:
        return "Follower"
    return "Watched" if lab.watched else "Not watched"


def _masthead(b: Briefing) -> MastheadView:
    m = b.masthead
    edition = as_day(m.edition)
    pivot = as_day(m.pivot_date)
    assert edition is not None and pivot is not None
    return MastheadView(
        title=m.title, publication=m.publication, editor=m.editor, edition=edition, week=m.week_label,
        days_since_pivot=plural(m.days_since_pivot, "day"), days=m.days_since_pivot,
        pivot_line=f"The pivot: {m.pivot_lab} took {m.pivot_model} to closed weights on {pivot.text}.",
        pivot_date=pivot,
        dateline=(f"Edition {edition.text} · {m.week_label} · {plural(m.days_since_pivot, 'day')} since the pivot"
                  + (f" · Editor {m.editor}" if m.editor else "")),
    )


def _names(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def verdict_line(b: Briefing) -> str:
    """The line `build`, `watch` and the desk print: 'Edition 2026-06-01: TOO EARLY (score −0.60) — headline'."""
    return f"Edition {b.masthead.edition.isoformat()}: {b.verdict.state} (score {signed(b.verdict.score)}) — {headline(b)}"


def headline(b: Briefing) -> str:
    """The verdict in one sentence (SPEC §4), with no figure in it: the lead says the score once, under it.
    With no counted signal it says there is no evidence yet; stale evidence says how old it is."""
    v, m = b.verdict, b.masthead
    days = plural(m.days_since_pivot, "day")
    if v.state == "REVERTED":
        followed = (f"{len(v.followers)} of {v.watched} watched labs had followed" if v.watched
                    else "no other lab was being watched")
        text = (f"{m.pivot_lab} has reverted: the closed-weight experiment with {m.pivot_model} is over, "
                f"{days} after the pivot ({followed}).")
    elif v.state == "SPREADING":
        verb = "has" if len(v.followers) == 1 else "have"
        text = (f"The pivot is spreading: {_names(v.followers)} {verb} followed {m.pivot_lab} into closed "
                f"weights at flagship scale ({len(v.followers)} of {v.watched} watched labs), {days} after the pivot.")
    else:
        if not v.counted:
            lean = "there is no evidence yet to lean either way"
        else:
            lean = {
                "LEANING PAYS": "the evidence leans towards closed weights paying",
                "LEANING REVERTS": "the evidence leans towards the open-weight default reasserting",
                "TOO EARLY": "the evidence is too mixed to call",
            }[v.state]
        since = "on the day of the pivot" if m.days_since_pivot == 0 else f"in the {days} since the pivot"
        if v.watched:
            text = (f"The pivot is being watched, not imitated: 0 of {v.watched} watched labs have followed "
                    f"{m.pivot_lab} into closed weights {since}; {lean}.")
        else:
            text = (f"Nothing is being watched yet: the desk follows no lab other than {m.pivot_lab} as a possible "
                    f"follower, {days} after the pivot; {lean}.")
    if v.stale and v.evidence_age is not None:
        text += (f" The newest evidence is {plural(v.evidence_age, 'day')} old, older than the "
                 f"{v.stale_after_days:g} days this desk calls fresh.")
    return text


def score_gloss(b: Briefing) -> str:
    """The score in plain words: what each side weighs and whether either leads by the margin a call needs."""
    v = b.verdict
    need = f"{v.margin:.1f}"
    if not v.counted:
        return f"Nothing to weigh yet; a call needs a lead of {need} either way."
    weighs = (f"Evidence that closed weights pay weighs {number(v.pays)}; evidence that the open-weight default "
              f"holds weighs {number(v.reverts)}")
    if v.score >= v.margin:
        return f"{weighs}: closed weights lead by at least the {need} a call needs."
    if v.score <= -v.margin:
        return f"{weighs}: the open-weight default leads by at least the {need} a call needs."
    return f"{weighs}: neither leads by the {need} a call needs."


def _sentence(text: str) -> str:
    """The text ending as a sentence: a full stop unless it already ends in one (or ? or !)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


def fact_sentence(fact: Fact) -> str:
    """A fact behind the verdict as readers see it, its date in the house style."""
    day = house_date(fact.date) if fact.date else ""
    if fact.kind in ("reopened", "followed"):
        verb = "reopened" if fact.kind == "reopened" else "closed"
        return _sentence(f"{fact.lab} {verb} its flagship on {day}: {fact.headline}")
    if fact.kind == "open-weights":
        return f"{fact.lab}'s flagship weights are Open."
    if fact.kind == "closed-since":
        return f"{fact.lab}'s flagship weights are Closed since {day}."
    if fact.kind == "none-followed":
        return f"No watched lab has closed its flagship since the pivot on {day} (0 of {fact.count})."
    if fact.kind == "none-watched":
        return "No lab other than the pivot lab is watched as a possible follower, so no follower can be counted yet."
    if fact.kind == "stale":
        return f"The newest counted signal was observed on {day}, {plural(fact.count or 0, 'day')} before this edition."
    raise ValueError(f"a verdict fact of an unknown kind: {fact.kind!r}")


def move_words(move: Move, pivot_lab: str) -> str:
    """One move (report/moves.py) in words: 'one more Confirmed Pays signal of strength 2 would make it LEANING PAYS'."""
    if move.kind == "signal":
        lead = "one more" if move.count == 1 else f"{move.count} more"
        return (f"{lead} {move.confidence} {move.points_to} signal{'s' if move.count != 1 else ''} of strength "
                f"{move.strength} would make it {move.to}")
    if move.kind == "follower":
        return f"a watched lab following {pivot_lab} into closed weights would make it {move.to}"
    if move.kind == "reopen":
        return f"{pivot_lab} reopening its flagship would make it {move.to}"
    if move.kind == "close":
        return f"{pivot_lab} closing its flagship again would make it {move.to}"
    return f"nothing within the rules, since {pivot_lab}'s reopening after the pivot stands"


def change_call(moves: tuple[Move, ...], pivot_lab: str) -> str:
    """'What would change the call: one more … would make it LEANING PAYS; … would make it REVERTED.'"""
    if not moves:
        return ""
    return "What would change the call: " + "; ".join(move_words(m, pivot_lab) for m in moves) + "."


def _reason(r: Reason) -> ReasonLine:
    return ReasonLine(r.weight, weight_text(r.weight), direction(r.weight), r.text,
                      f"{r.points_to}, {r.confidence}, strength {r.strength}, {r.quarter}", r.source)


def _verdict(b: Briefing, limits: Limits) -> VerdictView:
    v = b.verdict
    fill, ink = _state_colours(v.state)
    signals = tuple(_reason(r) for r in v.reasons)
    count = max(v.moving, len(signals))
    return VerdictView(
        state=v.state, key=_key(v.state), fill=fill, ink=ink, headline=headline(b),
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


def _figures(b: Briefing) -> tuple[tuple[FigureView, ...], tuple[FigureCell, ...]]:
    f, v, m = b.figures, b.verdict, b.masthead
    followed = f"watched labs have followed {m.pivot_lab} into closed weights"
    if v.followers:
        followed += ": " + ", ".join(v.followers)
    score_note = f"pays {number(f.pays)} vs reverts {number(f.reverts)}; the call needs \u00b1{v.margin:.1f}"
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


def score_moved(changes: Changes) -> bool:
    """The score moved, as readers see it (to two places)."""
    before, after = changes.score_before, changes.score_after
    return before is not None and after is not None and signed(before) != signed(after)


# Row changes that matter most come first: the pivot lab reverting, a watched lab following, counted signals
# (largest weight first); the rest keep their sheets' order.
_MATTERS = {"reversal": 0, "follower": 1, "signal": 2}
_CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}


_SHEETS = {sheet.name: sheet for sheet in TABLES}
FIGURE_LABELS = {"followers": "Followers", "pays": "Pays weight", "reverts": "Reverts weight",
                 "signals_this_quarter": "Signals this quarter", "next_milestone": "Next milestone"}


def _cell(sheet: str, column: str, value: str) -> str:
    """A cell value as the history holds it, as readers see it: a date column's ISO date in the house style."""
    table = _SHEETS.get(sheet)
    try:
        kind = table.column(column).kind if table is not None else "text"
    except KeyError:
        kind = "text"
    if kind in ("date", "due") and value:
        try:
            return house_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def _row_key(row: RowChange) -> str:
    """The changed row by its key, each part as readers see it: "16 Jul 2026 · Moonshot Kimi · Closed flagship"."""
    table = _SHEETS.get(row.sheet)
    if table is None or not row.parts:
        return row.key
    return " · ".join(_cell(row.sheet, name, part) for name, part in zip(table.key, row.parts, strict=False) if part)


def _figure_value(field: str, values: tuple[object, ...]) -> str:
    """A moved key figure as readers see it: "1 of 13", "80.60", "36 in 2026-Q3", "Q3 disclosures, due 1 Oct 2026"."""
    first, *rest = values
    second = rest[0] if rest else None
    if field == "followers":
        return f"{first or 0} of {second or 0}"
    if field in ("pays", "reverts"):
        return number(float(first)) if isinstance(first, (int, float)) else "0.00"
    if field == "signals_this_quarter":
        return f"{first or 0} in {second}"
    if not first:
        return "none"
    try:
        due = due_day(dt.date.fromisoformat(str(second))).text if second else None
    except ValueError:
        due = str(second)
    return f"{first}, due {due}" if due else str(first)


def _change_line(row: RowChange) -> ChangeLine:
    tag = tag_key = None
    if row.matters == "signal":
        tag, tag_key = weight_text(row.weight), direction(row.weight)
    elif row.matters in ("reversal", "follower"):
        tag, tag_key = row.matters.capitalize(), row.matters

    def shown(column: str, value: str) -> str:
        return _cell(row.sheet, column, value) if value and value != BLANK else BLANK

    moved = tuple((f.field, shown(f.field, f.before), shown(f.field, f.after)) for f in row.fields)
    return ChangeLine(row.change, row.change.capitalize(), f"{row.sheet}: {_row_key(row)}", None, None, moved, tag,
                      tag_key)


def _change_counts(rows: Sequence[RowChange]) -> tuple[str, ...]:
    """Per sheet, in the sheets' order: 'Signals: 14 added, 1 changed.'"""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        sheet = counts.setdefault(row.sheet, {})
        sheet[row.change] = sheet.get(row.change, 0) + 1
    return tuple(
        f"{name}: " + ", ".join(f"{counted[change]:,} {change}" for change in _CHANGE_ORDER if change in counted) + "."
        for name, counted in counts.items()
    )


def _changes(c: Changes, limits: Limits) -> ChangesView:
    empty = EMPTY["changes"]
    if c.first or c.previous_edition is None:
        return ChangesView(FIRST_EDITION, (), (), _rows((), (), empty), True)
    since = f"the edition of {house_date(c.previous_edition)}"
    lead: list[ChangeLine] = []
    if c.verdict_changed:
        lead.append(ChangeLine("verdict", "Verdict", "changed", c.verdict_before, c.verdict_after))
    if score_moved(c):
        assert c.score_before is not None and c.score_after is not None
        lead.append(ChangeLine("score", "Score", f"moved {signed(c.score_after - c.score_before)}",
                               signed(c.score_before), signed(c.score_after)))
    for figure in c.figures:
        lead.append(ChangeLine("figure", "Key figure", FIGURE_LABELS.get(figure.field, figure.field),
                               _figure_value(figure.field, figure.before), _figure_value(figure.field, figure.after)))
    ordered = sorted(range(len(c.rows)), key=lambda i: (
        _MATTERS.get(c.rows[i].matters or "", 3), -abs(c.rows[i].weight), _CHANGE_ORDER.get(c.rows[i].change, 3), i))
    rows = Lines([c.rows[i] for i in ordered], _change_line)
    shown = rows[: limits.changes]
    more = more_note(len(rows) - len(shown), "on the What changed sheet")
    if not lead and not rows:
        return ChangesView(f"Nothing changed since {since}.", (), (), _rows((), (), empty), False)
    return ChangesView(f"Compared with {since}.", tuple(lead), _change_counts(c.rows), _rows(rows, shown, empty),
                       False, more)


def _labs(b: Briefing, limits: Limits) -> LabsView:
    rows = tuple(
        LabLine(lab=lab.lab, country=lab.country, role=lab_role(lab), role_key=_key(lab_role(lab)),
                weights=lab.weights, weights_key=_key(lab.weights), flagship=lab.flagship_model,
                scale=lab.flagship_scale, licence=lab.licence, since=as_day(lab.since),
                mid_scale=lab.mid_scale_model, mid_scale_licence=lab.mid_scale_licence, source=lab.source,
                marked=lab.is_pivot or lab.is_follower)
        for lab in b.labs
    )
    filled = {
        "flagship": any(r.flagship or r.scale for r in rows),
        "licence": any(r.licence for r in rows),
        "since": any(r.since for r in rows),
        "mid_scale": any(r.mid_scale or r.mid_scale_licence for r in rows),
        "source": any(r.source for r in rows),
    }
    view = LabsView(rows, tuple((k, h) for k, h in LAB_COLUMNS if filled[k]), EMPTY["labs"])
    return _labs_shown(view, limits.labs, PAGE_WHERE)


def _labs_shown(labs: LabsView, limit: int, where: str) -> LabsView:
    # The pivot lab and every follower keep their rows, then watched labs; the board keeps the workbook's order.
    rows = labs.rows
    rank = {"pivot-lab": 0, "follower": 1, "watched": 2}
    keep = sorted(range(len(rows)), key=lambda i: (rank.get(rows[i].role_key, 3), i))[:limit]
    shown = tuple(rows[i] for i in sorted(keep))
    return replace(labs, shown=shown, more=more_note(len(rows) - len(shown), where))


def _quarter(q: QuarterWeight) -> QuarterLine:
    return QuarterLine(q.quarter, q.pays, q.reverts, q.net, q.signals, number(q.pays), number(q.reverts),
                       weight_text(q.net), direction(q.net), plural(q.signals, "signal"))


MAX_PLACES = 3  # a Value shows at most this many decimals


def _decimals(value: float) -> int:
    """The decimals an editor typed (1259.9 has 1, 1580.04 has 2), at most MAX_PLACES."""
    text = repr(value)
    if "e" in text or "." not in text:
        return 0
    return min(len(text.partition(".")[2].rstrip("0")), MAX_PLACES)


def value_places(signals: Iterator[SignalRow] | Sequence[SignalRow]) -> dict[str | None, int]:
    """Decimals per unit: every value of one unit shows as many as the most precise of them, so a column of
    tokens/s reads 1,259.90 and 1,580.04, not 1259.9 and 1580.04."""
    places: dict[str | None, int] = {}
    for s in signals:
        if s.number is not None:
            places[s.unit] = max(places.get(s.unit, 0), _decimals(s.number))
    return places


def _signal(s: SignalRow, places: dict[str | None, int] | None = None) -> SignalLine:
    value, number_text, shown_places = s.value, None, 0
    if s.number is not None:
        shown_places = (places or {}).get(s.unit, _decimals(s.number))
        number_text = f"{s.number:,.{shown_places}f}".replace("-", "\u2212")
        value = f"{number_text} {s.unit}" if s.unit else number_text
    return SignalLine(
        quarter=s.quarter, signal=s.signal, lab=s.lab or "Industry", value=value, points_to=s.points_to,
        points_key=_key(s.points_to), strength=s.strength, confidence=s.confidence, weight=s.weight,
        weight_text=weight_text(s.weight, s.counted), direction=direction(s.weight) if s.counted else "neutral",
        counted=s.counted, observed=as_day(s.observed), source=s.source,
        number=s.number, number_text=number_text, places=shown_places, unit=s.unit,
    )


def _evidence(b: Briefing, limits: Limits) -> EvidenceView:
    places = value_places(b.signals)
    line = functools.partial(_signal, places=places)
    latest = tuple(line(s) for s in b.latest_signals)  # largest weight first (analysis)
    margin = b.verdict.margin
    return EvidenceView(
        quarters=tuple(_quarter(q) for q in b.quarters),
        margin=margin,
        margin_text=f"\u00b1{margin:.1f}",
        caption=("Weight of the evidence per quarter since the pivot: pays (closed weights pay) up, reverts "
                 f"(the open-weight default reasserts) down; the verdict leans one way once the score passes "
                 f"\u00b1{margin:.1f}."),
        empty=EMPTY["evidence"],
        latest_heading=f"Signals in {b.latest_quarter}" if b.latest_quarter else None,
        latest=_rows(latest, latest[: limits.signals], EMPTY["signals"]),
        all_signals=Lines(b.signals, line),
        latest_quarter=b.latest_quarter,
    )


def _event_key(kind: str) -> str:
    if kind == "Closed flagship":
        return "closed"
    if kind in ("Reopened flagship", "Open-weight release"):
        return "open"
    return "other"


def _event(e: TimelineItem) -> EventLine:
    day = as_day(e.date)
    assert day is not None
    return EventLine(day, e.lab, e.kind, _event_key(e.kind), e.headline, e.model, e.source, e.is_pivot,
                     "Pivot" if e.is_pivot else None)


def _shown_timeline(rows: Sequence[EventLine], limit: int) -> tuple[EventLine, ...]:
    # The latest events matter most to this edition; the ones shown stay oldest first. The pivot stays.
    shown = rows[-limit:] if limit > 0 else ()
    if len(rows) > len(shown) and rows and rows[0].is_pivot and limit > 1:
        shown = (rows[0], *rows[-(limit - 1):])
    return tuple(shown)


def _timeline(b: Briefing, limits: Limits) -> Rows[EventLine]:
    rows = Lines(b.timeline, _event)
    return _rows(rows, _shown_timeline(rows, limits.timeline), EMPTY["timeline"])


def _watch(w: WatchItem) -> WatchLine:
    if w.status != "Upcoming":
        text = w.status.lower()
    else:
        text = days_text(w.days_left)
    attention = "Overdue" if w.overdue else "Due soon" if w.soon else None
    key = "overdue" if w.overdue else "soon" if w.soon else "done" if w.status != "Upcoming" else ""
    return WatchLine(due_day(w.due), w.milestone, w.why, w.status, w.outcome, w.days_left, text, attention, key)


def _shown_watchlist(rows: Sequence[WatchLine], limit: int) -> tuple[WatchLine, ...]:
    # What is still ahead (and overdue) matters most; done milestones go first when the list is cut.
    if len(rows) <= limit:
        return tuple(rows)
    keep = sorted(range(len(rows)), key=lambda i: (rows[i].key == "done", i))[:limit]
    return tuple(rows[i] for i in sorted(keep))


def _watchlist(b: Briefing, limits: Limits) -> Rows[WatchLine]:
    rows = tuple(_watch(w) for w in b.watchlist)
    return _rows(rows, _shown_watchlist(rows, limits.watchlist), EMPTY["watchlist"])


def health_sentences(b: Briefing) -> tuple[str, ...]:
    """The reader's Data health, the same in every output: how much of the evidence is stale or unsourced and
    what that means for the verdict. No cell, no chore: the rows to fix are `report check`'s and the xlsx's."""
    s, v = b.health_summary, b.verdict
    counted = s.counted_signals if s is not None else v.counted
    if not counted:
        return (NO_EVIDENCE + " Nothing can be stale or unsourced until a signal counts.",)
    if s is None:
        return ()
    out: list[str] = []
    total = plural(counted, "counted signal")
    if s.stale_signals:
        newest = f" (the newest on {house_date(s.newest_observed)})" if s.newest_observed else ""
        were = "was" if s.stale_signals == 1 else "were"
        fresher = counted - s.stale_signals
        meaning = (", so the verdict rests on old evidence only" if not fresher
                   else f": they still count, alongside {plural(fresher, 'fresher signal')}")
        out.append(f"{s.stale_signals:,} of {total} {were} observed more than {s.stale_after_days:g} days "
                   f"ago{newest}{meaning}.")
    else:
        newest = f", the newest on {house_date(s.newest_observed)}" if s.newest_observed else ""
        out.append(f"All {total} are fresh: none was observed more than {s.stale_after_days:g} days ago{newest}.")
    if s.missing_sources:
        them = "it" if s.missing_sources == 1 else "them"
        count = "counts" if s.missing_sources == 1 else "count"
        name = "names" if s.missing_sources == 1 else "name"
        out.append(f"{plural(s.missing_sources, 'signal')} {name} no source, so readers cannot follow {them} up; "
                   f"{'it' if s.missing_sources == 1 else 'they'} {count} towards the score all the same.")
    else:
        out.append("Every signal names its source.")
    if s.other_warnings:
        out.append(f"The desk's check raised {plural(s.other_warnings, 'other warning')} about the workbook; "
                   "the figures above count the workbook as it stands.")
    return tuple(out)


def left_out_sentence(b: Briefing) -> str | None:
    """'2 records dated after this edition were left out.' (and labs counted as they were), or None."""
    left = b.left_out
    if left is None:
        return None
    parts: list[str] = []
    if left.records:
        were = "was" if left.records == 1 else "were"
        parts.append(f"{plural(left.records, 'record')} dated after this edition {were} left out.")
    if left.labs_as_before:
        names = ", ".join(left.labs_as_before)
        parts.append(f"Counted with the weights they had before a later change: {names}.")
    return " ".join(parts) or None


def _health_line(h: HealthItem) -> HealthLine:
    return HealthLine(h.kind, HEALTH_LABELS.get(h.kind, h.kind), h.where, h.message)


def _health(b: Briefing, limits: Limits) -> HealthView:
    items = Lines(b.health, _health_line)
    return HealthView(health_sentences(b) or (EMPTY["health"],),
                      _rows(items, items[: limits.health], EMPTY["health"]), left_out_sentence(b), EMPTY["health"])


def _sources(b: Briefing, limits: Limits) -> Rows[SourceLine]:
    # The sources this edition cites, most cited first; then the ones on file that no row cites.
    order = sorted(range(len(b.sources)), key=lambda i: (-b.sources[i].cited, i))
    rows = tuple(
        SourceLine(s.name, s.link, s.publisher, as_day(s.published), s.cited,
                   plural(s.cited, "row") if s.cited else None, s.url_text,
                   s.url_text if s.url_text and not s.link.url else None,
                   f"link not shown: {s.url_text}" if s.url_text and not s.link.url else None)
        for s in (b.sources[i] for i in order)
    )
    return _sources_rows(rows, limits.sources, PAGE_WHERE)


def _sources_rows(rows: Sequence[SourceLine], limit: int, where: str) -> Rows[SourceLine]:
    """The cited sources up to `limit`; the note counts the cited ones left out and those on file no row cites."""
    cited = [row for row in rows if row.cited]
    shown = tuple(cited[:limit])
    notes = [more_note(len(rows) - len(cited), "on file that no row cites"), more_note(len(cited) - len(shown), where)]
    empty = EMPTY["sources"] if not rows else "No row of this edition cites a source on file."
    return Rows(rows, shown, "; ".join(n for n in notes if n) or None, empty)


def _captions(p: Presentation) -> dict[str, str]:
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


def _closing(stem: str, where: str) -> str:
    """The last line: the workbook this edition comes with."""
    if where == EMAIL_WHERE:
        return f"The workbook behind this edition is attached as {stem}.xlsx."
    return "Every row of every list is in the workbook edition:"


def _notes(p: Presentation) -> SheetNotes:
    factors = ", ".join(f"{name} {factor:g}" for name, factor in CONFIDENCE_FACTOR.items())
    latest = p.evidence.latest_heading
    return SheetNotes(
        labs="Closed: the flagship's weights are not published. Open: they are. The pivot lab and any followers "
             "are in bold.",
        evidence=(f"Weight per quarter since the pivot: strength × confidence ({factors}). Net = pays − reverts. "
                  f"The verdict leans one way once the score passes {p.evidence.margin_text}."),
        signals=("Every signal, latest quarter first" + (f" ({p.evidence.latest_quarter} is the latest)" if latest else "")
                 + ". Weight is the signed contribution to the score; signals before the pivot's quarter do not count."),
        timeline=f"Events on or after the pivot ({p.masthead.pivot_date.text}), oldest first.",
        watchlist="Days left from the edition date; negative means past due. Overdue and due within 14 days stand out.",
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


def _short_title(title: str) -> str:
    """'The bifurcation briefing' -> 'Bifurcation briefing'."""
    words = _line(title)
    if words.lower().startswith("the ") and len(words) > 4:
        words = words[4:]
    return words[:1].upper() + words[1:]


def subject(b: Briefing) -> str:
    """Verdict first, under 80 characters: 'TOO EARLY: 0 of 4 labs follow Alibaba · Bifurcation briefing 1 Jun'.
    A correction starts 'Correction: '."""
    if b.correction is not None:
        return CORRECTION_PREFIX + _subject(b, SUBJECT_LIMIT - len(CORRECTION_PREFIX))
    return _subject(b, SUBJECT_LIMIT)


def _subject(b: Briefing, limit: int) -> str:
    v, m = b.verdict, b.masthead
    pivot = _line(m.pivot_lab)
    if v.state == "REVERTED":
        gist = f"{pivot} reopened its flagship"
    elif v.watched == 0:
        gist = "no lab is watched yet"
    else:
        gist = f"{len(v.followers)} of {v.watched} labs follow {pivot}"
    head = f"{v.state}: {gist}"
    tail = f" \u00b7 {_short_title(m.title)} {m.edition.day} {m.edition:%b}"
    if len(head) + len(tail) <= limit:
        return head + tail
    tail = f" \u00b7 {m.edition.day} {m.edition:%b}"
    if len(head) + len(tail) <= limit:
        return head + tail
    return head[: limit - len(tail) - 1].rstrip() + "\u2026" + tail


def preheader(b: Briefing) -> str:
    """What the subject does not say: the score against the margin, days since the pivot, the next milestone."""
    v, f, m = b.verdict, b.figures, b.masthead
    parts = [f"Score {signed(v.score)} (the call needs \u00b1{v.margin:.1f})",
             f"{plural(m.days_since_pivot, 'day')} since the pivot"]
    if v.followers:
        parts.append("followed by " + ", ".join(v.followers))
    if f.next_milestone and f.next_milestone_due:
        parts.append(f"next: {f.next_milestone} {days_text(f.days_to_next_milestone)}")
    if v.stale and v.newest_evidence:
        parts.append(f"newest evidence {house_date(v.newest_evidence)}")
    return _line("; ".join(parts) + ".").replace(NBSP, " ")


def present(briefing: Briefing, limits: Limits | None = None, workbook_beside: bool = True) -> Presentation:
    """What every format shows, decided once (see the module docstring). The page's notes name the xlsx
    edition, linked when it is written beside the page (`workbook_beside`); `for_email` words them for the email."""
    limits = limits or Limits()
    cards, cells = _figures(briefing)
    timeline = _timeline(briefing, limits)
    xlsx = f"{briefing.stem}.xlsx"
    p = Presentation(
        sections=briefing.sections,
        subject=subject(briefing).replace(NBSP, " "),
        preheader=preheader(briefing),
        masthead=_masthead(briefing),
        verdict=_verdict(briefing, limits),
        figures=cards,
        figure_cells=cells,
        changes=_changes(briefing.changes, limits),
        labs=_labs(briefing, limits),
        evidence=_evidence(briefing, limits),
        timeline=timeline,
        watchlist=_watchlist(briefing, limits),
        health=_health(briefing, limits),
        sources=_sources(briefing, limits),
        stem=briefing.stem,
        limits=limits,
        workbook=Link(xlsx, xlsx if workbook_beside else None),
        closing=_closing(briefing.stem, PAGE_WHERE),
        timeline_chart=timeline.all,
        sender=briefing.sender,
        recipients=briefing.recipients,
        mailing=briefing.mailing,
        trend=trend_view(briefing),
        correction=_correction(briefing),
        web_url=briefing.mailing.page_url(briefing.masthead.edition),
        archive_url=f"{briefing.mailing.web_address}index.html" if briefing.mailing.web_address else None,
        web_link=(Link("Read on the web", briefing.mailing.page_url(briefing.masthead.edition))
                  if briefing.mailing.web_address else None),
    )
    return replace(p, notes=_notes(p), captions=_captions(p))
