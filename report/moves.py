"""What would change the call: the smallest evidence that moves the verdict's state (issue 23).

Pure: the verdict's facts (reverted, followers, score, margin) in, `Move`s out, each worked out by the rules
themselves (report/analysis.py `state`), never from any text. A move names the state it would make
(report/present/words.py words it for readers); a test adds that evidence to a workbook, rebuilds, and sees
the state move.
"""

from __future__ import annotations

import math

from . import schema
from .briefing import Move

# Every signal an editor can enter, as (weight, strength, confidence), the smallest first; among equal
# weights the lower strength (a Reported 1 before a Rumoured 2).
SIGNALS = tuple(sorted(((strength * factor, strength, confidence)
                        for confidence, factor in schema.CONFIDENCE_FACTOR.items() for strength in (1, 2, 3)),
                       key=lambda c: (c[0], c[1])))
STRONGEST = SIGNALS[-1]


def what_would_change(reverted: bool, reverted_by_event: bool, followers: int, watched: int, score: float,
                      margin: float) -> tuple[Move, ...]:
    """The moves that would change the state, smallest evidence first (SPEC §4's rules, applied once more).

    A reopening after the pivot is final under the rules, so REVERTED by an event has no move ("none");
    REVERTED by the Labs row alone moves when the pivot lab closes again."""
    from .analysis import state  # analysis imports this module

    now = state(reverted, followers, score, margin)
    if reverted:
        if reverted_by_event:
            return (Move("none", None),)
        return (Move("close", state(False, followers, score, margin)),)
    out: list[Move] = []
    if not followers:
        signal = _signal_move(now, score, margin)
        if signal is not None:
            out.append(signal)
        if watched:
            out.append(Move("follower", "SPREADING"))
    out.append(Move("reopen", "REVERTED"))
    return tuple(out)


def _signal_move(now: str, score: float, margin: float) -> Move | None:
    """The fewest, then smallest, signals of one direction that take the score across a margin."""
    from .analysis import _tidy, state

    best: tuple[float, int, Move] | None = None
    for points_to, sign in (("Pays", 1), ("Reverts", -1)):
        found: tuple[float, int, Move] | None = None
        # One signal, the smallest that is enough.
        for weight, strength, confidence in SIGNALS:
            after = state(False, 0, _tidy(score + sign * weight), margin)
            if after != now:
                found = (weight, 1, Move("signal", after, points_to, strength, confidence, 1))
                break
        if found is None:
            # Else as few of the strongest as cross the next margin that way, worked out rather than counted
            # up to (a margin of a million must not take a million tries); the neighbours absorb rounding.
            weight, strength, confidence = STRONGEST
            edges = [e for e in (-margin, margin) if (e - score) * sign >= 0]
            if edges:
                distance = min(abs(e - score) for e in edges)
                guess = max(1, math.ceil(distance / weight))
                for count in (max(1, guess - 1), guess, guess + 1):
                    after = state(False, 0, _tidy(score + sign * count * weight), margin)
                    if after != now:
                        found = (count * weight, count, Move("signal", after, points_to, strength, confidence,
                                                             count))
                        break
        if found is not None and (best is None or found[:2] < best[:2]):
            best = found
    return best[2] if best is not None else None
