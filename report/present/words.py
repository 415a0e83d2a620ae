"""How things read: the house date, counts, signed weights, the call margin, lab roles, and the verdict's sentences.

Small values and wording helpers every section of the presentation shares (`Day`, `house_date`, `plural`,
`days_text`, `weight_text` ...), the lab board's roles (`LAB_ROLES`: each role's words and key, declared once
for the board, the timeline chart, the xlsx and the templates), the sentence each empty section shows
(`EMPTY`), and the verdict in words:
the headline, the score's gloss, the facts behind it, what would change the call, the email's subject and
preheader, and the one line `build`, `watch` and the desk print (`verdict_line`). Pure functions of their
arguments; nothing here knows about rows or limits (report/present/rows.py).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

from ..briefing import Briefing, Fact, Move
from ..formatting import signed
from ..model import QuarterEnd, quarter_label

NBSP = "\u00a0"
ARROW = "\u2192"
PHONE_SUBJECT = 80  # characters a phone shows of a subject, roughly, before cutting (preflight warns past it)
SUBJECT_LIMIT = PHONE_SUBJECT - 2  # ours stay under it
CORRECTION_PREFIX = "Correction: "

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
NO_EVIDENCE = "There is no evidence yet: no signal counts towards the score."
THIS_EDITION = "this edition"  # the trend's current point, the timeline chart's dashed line


@dataclass(frozen=True, slots=True)
class Role:
    """A lab's role on the lab board: its words, its key (CSS classes, the board's order) and whether it stands out."""

    label: str  # Pivot lab
    key: str  # pivot-lab
    marked: bool  # the pivot lab and followers stand out: bold and in the closed hue, a lane of their own


class LabRoles(NamedTuple):
    """Every role, in the order a cut lab board keeps them (the templates read it as `lab_roles`)."""

    pivot: Role
    follower: Role
    watched: Role
    not_watched: Role


LAB_ROLES = LabRoles(Role("Pivot lab", "pivot-lab", True), Role("Follower", "follower", True),
                     Role("Watched", "watched", False), Role("Not watched", "not-watched", False))


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


def corrected_on(day: dt.date) -> str:
    """'Corrected on 7 Dec 2026': the same words in the briefing, the archive's index and its feed."""
    return f"Corrected on {house_date(day)}"


@overload
def as_day(day: dt.date) -> Day: ...
@overload
def as_day(day: None) -> None: ...
@overload
def as_day(day: dt.date | None) -> Day | None: ...
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


def margin_text(margin: float) -> str:
    """'±2.0': the call margin, as every sentence and label says it."""
    return f"\u00b1{margin:.1f}"


def leans_once(margin: float) -> str:
    """When the verdict leans, as the evidence chart's caption and the Evidence sheet's note both say it."""
    return f"the verdict leans one way once the score passes {margin_text(margin)}"


def key(word: str) -> str:
    """'Pays' -> 'pays', 'Open' -> 'open': for CSS classes."""
    return word.lower().replace(" ", "-")


def one_line(text: str) -> str:
    """One line: no newlines or runs of spaces (for subjects and other one-line places)."""
    return " ".join(text.split())


def capitalised(text: str) -> str:
    """The text with its first letter in capitals: a clause that starts a sentence."""
    return text[:1].upper() + text[1:]


def _names(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _sentence(text: str) -> str:
    """The text ending as a sentence: a full stop unless it already ends in one (or ? or !)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


# --- The verdict in words ----------------------------------------------------------------------------------


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
    if v.score >= v.margin or v.score <= -v.margin:
        side = "closed weights lead" if v.score >= v.margin else "the open-weight default leads"
        return f"{weighs}: {side} by at least the {need} a call needs."
    return f"{weighs}: neither leads by the {need} a call needs."


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


# --- The email's subject and preheader ---------------------------------------------------------------------


def _short_title(title: str) -> str:
    """'The bifurcation briefing' -> 'Bifurcation briefing'."""
    words = one_line(title)
    if words.lower().startswith("the ") and len(words) > 4:
        words = words[4:]
    return capitalised(words)


def subject(b: Briefing) -> str:
    """Verdict first, under 80 characters: 'TOO EARLY: 0 of 4 labs follow Alibaba · Bifurcation briefing 1 Jun'.
    A correction starts 'Correction: '."""
    if b.correction is not None:
        return CORRECTION_PREFIX + _subject(b, SUBJECT_LIMIT - len(CORRECTION_PREFIX))
    return _subject(b, SUBJECT_LIMIT)


def _subject(b: Briefing, limit: int) -> str:
    v, m = b.verdict, b.masthead
    pivot = one_line(m.pivot_lab)
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
    parts = [f"Score {signed(v.score)} (the call needs {margin_text(v.margin)})",
             f"{plural(m.days_since_pivot, 'day')} since the pivot"]
    if v.followers:
        parts.append("followed by " + ", ".join(v.followers))
    if f.next_milestone and f.next_milestone_due:
        parts.append(f"next: {f.next_milestone} {days_text(f.days_to_next_milestone)}")
    if v.stale and v.newest_evidence:
        parts.append(f"newest evidence {house_date(v.newest_evidence)}")
    return one_line("; ".join(parts) + ".").replace(NBSP, " ")
