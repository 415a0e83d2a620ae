"""Pure: Briefing -> Presentation, everything a reader sees, decided once for every format.

The analysis decides the facts; this module decides how they read: labels and lab roles, the one house
date style, signed figures, state colours, the sentence an empty section shows, the "what changed" lines,
how many rows the page and the email show (and the "N more in the attached workbook" note), the data-health
sentences, the email's subject and preheader. The page, the email (HTML and text) and the xlsx only place
what a `Presentation` holds; none of them formats a date, a weight or a sentence of its own.

`present(briefing, limits)` returns a frozen `Presentation` with these fields, in SPEC §6 order:

- `sections`: ((id, heading), ...), the order every format follows.
- `subject`, `preheader`: the email's Subject (verdict first, under 80 characters) and the preheader
  (what the subject does not say).
- `masthead` (`MastheadView`): title, publication, editor, `edition` (a `Day`), `week` ("2026-W23"),
  `days_since_pivot` ("42 days") and `days` (42), `pivot_line` (one sentence: who closed what, when),
  `pivot_date` (a `Day`).
- `verdict` (`VerdictView`): `state` ("TOO EARLY"), `key` ("too-early", for CSS classes), `fill`/`ink`
  (the state's colours, from report/palette.py), `headline`, `score_label`
  ("Score −0.60"), `score_note` ("pays 1.20 vs reverts 1.80; the call needs ±2.0"), `facts` (sentences,
  their dates in the house style),
  `signals` (`ReasonLine`s: weight text, direction, text, detail, source), `signals_lead`, `no_signals`.
- `figures`: four `FigureView` cards (label, value, note) for the page and the email; `figure_cells`:
  the xlsx's key-figure rows (`FigureCell`: label, defined name, number or `Day`, kind, note).
- `changes` (`ChangesView`): `note` (compared with which edition, or the first-edition sentence), `lines`
  (`ChangeLine`: label, what, before, after, the rows' field changes); the score move is always a line
  when the score moved, whether or not the verdict changed.
- `labs` (`LabsView`): `rows` (`LabLine`), `columns` (the optional columns some row fills: a column empty
  in every row is not shown), `empty`.
- `evidence` (`EvidenceView`): `quarters` (`QuarterLine`), `margin` (the ±Call margin), `caption`,
  `empty`; `latest` (`Rows` of the latest quarter's `SignalLine`s, largest weight first), `latest_heading`,
  `all_signals` (every signal, for the xlsx).
- `timeline` (`Rows` of `EventLine`): the shown rows are the latest events up to the limit, oldest first.
- `watchlist` (`Rows` of `WatchLine`): `due` reads "1 Jun 2026", or "by end of 2026-Q4" for a quarter.
- `health` (`HealthView`): `sentences` (one or two for readers), `items` (`Rows` of `HealthLine`, the
  itemised list: the xlsx keeps all), `left_out` (the sentence saying what the edition left out, once).
- `sources` (`Rows` of `SourceLine`): the name links to the URL when it is safe; `cited` says nothing
  when no row cites it.

`Rows` holds `all` (every row, for the xlsx), `shown` (up to the limit, for the page and the email),
`more` ("3 more in the attached workbook", or None) and `empty` (the sentence when there are none);
`filled(field)` says whether any shown row fills a field (a column empty in every row is not shown).
`Limits` sets how many rows are shown; the email asks for fewer to fit its budget.
Dates are `Day`s: `text` in the house style with non-breaking spaces ("1 Jun 2026"), `iso` for
machine-readable attributes, and `value` (the date) for the xlsx.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, overload

from . import palette
from .briefing import (
    Briefing,
    Changes,
    HealthItem,
    LabRow,
    Link,
    QuarterWeight,
    SignalRow,
    TimelineItem,
    Trend,
    TrendPoint,
    WatchItem,
)
from .formatting import signed
from .model import QuarterEnd, quarter_label

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
    "health": "No problems: every counted signal is fresh and every row has a source.",
    "sources": "No sources on the Sources sheet yet.",
}
FIRST_EDITION = Changes.FIRST_EDITION
MORE_WHERE = "in the attached workbook"

HEALTH_LABELS = {"stale": "Stale signal", "no-source": "No source", "warning": "Check warning"}


@dataclass(frozen=True, slots=True)
class Limits:
    """How many rows the page and the email show of each long list; the xlsx always keeps every row."""

    reasons: int = 10
    signals: int = 15
    timeline: int = 15
    watchlist: int = 20
    health: int = 10
    sources: int = 40


# --- Small values ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Day:
    """A date as readers see it: `text` in the house style, never broken at a space or hyphen."""

    value: dt.date
    text: str
    iso: str

    def __str__(self) -> str:
        return self.text


def short_date(day: dt.date) -> str:
    """1 Jun (no year): for the subject line and chart ticks."""
    return f"{day.day}{NBSP}{day:%b}"


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


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def dates_in_words(sentence: str) -> str:
    """The analysis's sentences name dates as 2026-04-20; readers see the house style (20 Apr 2026)."""
    def house(match: re.Match[str]) -> str:
        try:
            return house_date(dt.date(int(match[1]), int(match[2]), int(match[3])))
        except ValueError:
            return match[0]

    return _ISO_DATE.sub(house, sentence)


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

    @property
    def hidden(self) -> int:
        return len(self.all) - len(self.shown)

    def filled(self, *attrs: str) -> bool:
        """Whether any shown row fills one of these fields: a column empty in every row is not shown."""
        return any(getattr(row, attr) not in (None, "") for row in self.shown for attr in attrs)


def more_note(hidden: int) -> str | None:
    """'3 more in the attached workbook', or None when nothing is hidden."""
    return f"{hidden:,} more {MORE_WHERE}" if hidden > 0 else None


def _rows(rows: Sequence[T], shown: tuple[T, ...], empty: str) -> Rows[T]:
    return Rows(rows, shown, more_note(len(rows) - len(shown)), empty)


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
    headline: str
    score_label: str  # Score −0.60
    score_note: str  # pays 1.20 vs reverts 1.80; the call needs ±2.0
    facts: tuple[str, ...]
    signals: tuple[ReasonLine, ...]  # the largest, up to Limits.reasons
    signals_lead: str
    no_signals: str
    signals_count: int = 0  # every signal that moved the score
    signals_more: str | None = None  # "12 more in the attached workbook"
    all_signals: tuple[ReasonLine, ...] = ()  # every reason line the analysis kept (the most any format lists)


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
    25 May 2026.", or "Compared with the edition of 25 May 2026." above the lines."""

    note: str
    lines: tuple[ChangeLine, ...]
    first: bool


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
    rows: tuple[LabLine, ...]
    columns: tuple[tuple[str, str], ...]  # the optional columns at least one row fills
    empty: str

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
    sentences: tuple[str, ...]  # for readers: one or two
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
    trend: TrendView | None = None  # the trend across editions (issue 21)
    correction: CorrectionView | None = None  # set when this edition corrects one already sent
    web_url: str | None = None  # this edition's page in the web archive, when the Web address is set

    def heading(self, section: str) -> str:
        return dict(self.sections)[section]

    def limited(self, limits: Limits) -> Presentation:
        """The same presentation showing at most `limits` rows of each long list (the email asks for fewer).

        Only the shown rows and their "N more" notes change; every row stays as `present` made it."""
        if limits == self.limits:
            return self
        v = self.verdict
        shown = v.all_signals[: limits.reasons]
        return replace(
            self,
            verdict=replace(v, signals=shown, signals_more=more_note(v.signals_count - len(shown))),
            evidence=replace(self.evidence, latest=_rows(self.evidence.latest.all,
                                                         tuple(self.evidence.latest.all[: limits.signals]),
                                                         self.evidence.latest.empty)),
            timeline=_rows(self.timeline.all, _shown_timeline(self.timeline.all, limits.timeline),
                           self.timeline.empty),
            watchlist=_rows(self.watchlist.all, _shown_watchlist(self.watchlist.all, limits.watchlist),
                            self.watchlist.empty),
            health=replace(self.health, items=_rows(self.health.items.all,
                                                    tuple(self.health.items.all[: limits.health]),
                                                    self.health.items.empty)),
            sources=_rows(self.sources.all, tuple(self.sources.all[: limits.sources]), self.sources.empty),
            limits=limits,
        )


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
    if first.followers == last.followers and all(p.followers == last.followers for p in points):
        follow = f"followers {last.followers} of {last.watched} throughout"
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


def trend_view_of(t: Trend, edition: dt.date | None = None) -> TrendView:
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
    return TrendView(sentence, lines, t.margin, f"\u00b1{t.margin:.1f}", len(points) <= 1, alt)


def _correction(b: Briefing) -> CorrectionView | None:
    c = b.correction
    if c is None:
        return None
    changed = _changes(c.changes)
    sent = dt.date.fromisoformat(c.sent_at[:10]) if c.sent_at[:10].count("-") == 2 else None
    when = f"was sent on {house_date(sent)}" if sent else "was sent before"
    if changed.lines:
        note = f"This edition {when}; this version corrects it. What changed from the sent version:"
    else:
        note = f"This edition {when}; this version was rebuilt and changes no record or figure of it."
    return CorrectionView(f"Corrected on {house_date(c.corrected_on)}", note, changed.lines, _day(c.corrected_on))


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
    )


def _verdict(b: Briefing, limits: Limits) -> VerdictView:
    v = b.verdict
    fill, ink = _state_colours(v.state)
    signals = tuple(
        ReasonLine(r.weight or 0.0, weight_text(r.weight or 0.0), direction(r.weight or 0.0), r.text, r.detail,
                   r.source)
        for r in v.reasons if r.kind == "signal"
    )
    return VerdictView(
        state=v.state, key=_key(v.state), fill=fill, ink=ink, headline=v.headline,
        score_label=f"Score {signed(v.score)}",
        score_note=f"pays {number(v.pays)} vs reverts {number(v.reverts)}; the call needs \u00b1{v.margin:.1f}",
        facts=tuple(dates_in_words(r.text) for r in v.reasons if r.kind == "fact"),
        signals=signals[: limits.reasons],
        signals_lead="The signals that moved the score, largest first:",
        no_signals=EMPTY["reasons"],
        signals_count=max(v.moving, len(signals)),
        signals_more=more_note(max(v.moving, len(signals)) - min(len(signals), limits.reasons)),
        all_signals=signals,
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


def _changes(c: Changes) -> ChangesView:
    if c.first or c.previous_edition is None:
        return ChangesView(FIRST_EDITION, (), True)
    since = f"the edition of {house_date(c.previous_edition)}"
    lines: list[ChangeLine] = []
    if c.verdict_changed:
        lines.append(ChangeLine("verdict", "Verdict", "changed", c.verdict_before, c.verdict_after))
    if score_moved(c):
        assert c.score_before is not None and c.score_after is not None
        lines.append(ChangeLine("score", "Score", f"moved {signed(c.score_after - c.score_before)}",
                                signed(c.score_before), signed(c.score_after)))
    for figure in c.figures:
        lines.append(ChangeLine("figure", "Key figure", figure.field, figure.before, figure.after))
    order = {"added": 0, "changed": 1, "removed": 2}
    for row in sorted(c.rows, key=lambda r: order.get(r.change, 3)):  # stable: sheets keep their order
        lines.append(ChangeLine(row.change, row.change.capitalize(), f"{row.sheet}: {row.key}", None, None,
                                tuple((f.field, f.before or "(blank)", f.after or "(blank)") for f in row.fields)))
    if not lines:
        return ChangesView(f"Nothing changed since {since}.", (), False)
    return ChangesView(f"Compared with {since}.", tuple(lines), False)


def _labs(b: Briefing) -> LabsView:
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
    return LabsView(rows, tuple((k, h) for k, h in LAB_COLUMNS if filled[k]), EMPTY["labs"])


def _quarter(q: QuarterWeight) -> QuarterLine:
    return QuarterLine(q.quarter, q.pays, q.reverts, q.net, q.signals, number(q.pays), number(q.reverts),
                       weight_text(q.net), direction(q.net), plural(q.signals, "signal"))


def _signal(s: SignalRow) -> SignalLine:
    return SignalLine(
        quarter=s.quarter, signal=s.signal, lab=s.lab or "Industry", value=s.value, points_to=s.points_to,
        points_key=_key(s.points_to), strength=s.strength, confidence=s.confidence, weight=s.weight,
        weight_text=weight_text(s.weight, s.counted), direction=direction(s.weight) if s.counted else "neutral",
        counted=s.counted, observed=as_day(s.observed), source=s.source,
    )


def _evidence(b: Briefing, limits: Limits) -> EvidenceView:
    latest = tuple(_signal(s) for s in b.latest_signals)  # largest weight first (analysis)
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
        all_signals=Lines(b.signals, _signal),
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
    """One or two sentences a reader can use; nothing when the analysis gives no summary."""
    s = b.health_summary
    if s is None:
        return ()
    out: list[str] = []
    if s.stale_signals:
        newest = f"; the newest on {house_date(s.newest_observed)}" if s.newest_observed else ""
        were = "was" if s.stale_signals == 1 else "were"
        out.append(f"{s.stale_signals} of {plural(s.counted_signals, 'counted signal')} {were} observed more "
                   f"than {s.stale_after_days:g} days ago{newest}.")
    chores = []
    if s.missing_sources:
        chores.append(f"{plural(s.missing_sources, 'signal')} without a source")
    if s.other_warnings:
        chores.append(plural(s.other_warnings, "other warning"))
    if chores:
        out.append(f"The desk has {' and '.join(chores)} to see to; the attached workbook lists them.")
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
    return HealthView(health_sentences(b), _rows(items, items[: limits.health], EMPTY["health"]),
                      left_out_sentence(b), EMPTY["health"])


def _sources(b: Briefing, limits: Limits) -> Rows[SourceLine]:
    rows = tuple(
        SourceLine(s.name, s.link, s.publisher, as_day(s.published), s.cited,
                   plural(s.cited, "row") if s.cited else None, s.url_text,
                   s.url_text if s.url_text and not s.link.url else None)
        for s in b.sources
    )
    return _rows(rows, rows[: limits.sources], EMPTY["sources"])


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


def present(briefing: Briefing, limits: Limits | None = None) -> Presentation:
    """What every format shows, decided once (see the module docstring)."""
    limits = limits or Limits()
    cards, cells = _figures(briefing)
    return Presentation(
        sections=briefing.sections,
        subject=subject(briefing).replace(NBSP, " "),
        preheader=preheader(briefing),
        masthead=_masthead(briefing),
        verdict=_verdict(briefing, limits),
        figures=cards,
        figure_cells=cells,
        changes=_changes(briefing.changes),
        labs=_labs(briefing),
        evidence=_evidence(briefing, limits),
        timeline=_timeline(briefing, limits),
        watchlist=_watchlist(briefing, limits),
        health=_health(briefing, limits),
        sources=_sources(briefing, limits),
        stem=briefing.stem,
        limits=limits,
        trend=trend_view(briefing),
        correction=_correction(briefing),
        web_url=briefing.mailing.page_url(briefing.masthead.edition),
    )
