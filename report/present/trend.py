"""The trend across editions (issue 21) and the correction note, in words.

`trend_view` says in one sentence how the score and the followers moved over the editions so far, with the
points the charts draw, their captions and every word the charts write (the web archive's index draws the
latest editions' trend with `trend_view_of` and `band_caption`). `correction_view` says "Corrected on DATE" and what changed from the
version already sent, in the same lines as What changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from ..briefing import Briefing, Trend, TrendPoint
from ..formatting import signed
from .rows import Limits
from .views import CorrectionView, TrendPointLine, TrendView
from .what_changed import changes_view
from .words import NBSP, as_day, corrected_on, house_date, margin_text, plural

FIRST_TREND = "First edition: there is no earlier edition to compare."


def band_caption(whose: str, margin: float) -> str:
    """'The score of each edition against the ±2.0 call margin (shaded: ...), and the followers below.'"""
    return (f"The score of {whose} against the {margin_text(margin)} call margin (shaded: the verdict does not "
            "lean), and the followers below.")


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
        TrendPointLine(as_day(p.edition), p.score, signed(p.score), p.followers, p.watched,
                       f"{p.followers} of {p.watched}", i == len(points) - 1,
                       f"{p.edition.day} {p.edition:%b}")
        for i, p in enumerate(points))
    sentence = _trend_sentence(points)
    shown = "; ".join(f"{line.edition.text.replace(NBSP, ' ')}: score {line.score_text}, followers "
                      f"{line.followers_text}" for line in lines)
    alt = (f"Trend across editions, score against the {margin_text(t.margin)} call margin and followers: {shown}. "
           + sentence)
    caption = band_caption("each edition", t.margin) + " Only editions dated before this one count."
    return TrendView(sentence, lines, t.margin, margin_text(t.margin), len(points) <= 1, alt,
                     band=f"Call margin {margin_text(t.margin)}", band_below=f"Call margin \u2212{abs(t.margin):.1f}",
                     score_now=f"score {lines[-1].score_text}" if lines else "", caption=caption)


def correction_view(b: Briefing) -> CorrectionView | None:
    """'Corrected on DATE' and what changed from the sent version, when this edition corrects one; else None."""
    c = b.correction
    if c is None:
        return None
    changed = changes_view(c.changes, Limits())
    sent = dt.date.fromisoformat(c.sent_at[:10]) if c.sent_at[:10].count("-") == 2 else None
    when = f"was sent on {house_date(sent)}" if sent else "was sent before"
    lines = (*changed.lead, *changed.rows.shown)  # bounded like What changed; the xlsx's What changed sheet has all
    if lines:
        note = f"This edition {when}; this version corrects it. What changed from the sent version:"
    else:
        note = f"This edition {when}; this version was rebuilt and changes no record or figure of it."
    return CorrectionView(corrected_on(c.corrected_on), note, lines, as_day(c.corrected_on))
