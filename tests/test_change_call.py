"""What would change the call: for each state, the sentence every output shows, and the evidence it names,
added to the workbook and rebuilt, moves the state to the one it names.

The moves are read from `explain --json` (the same rules the briefing's sentence comes from), applied as an
editor would (rows added on the Signals and Events sheets, the Labs row changed), and the rebuilt xlsx's
`Verdict` is read back with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import SAMPLE, append_row, edit_workbook, flagship_moves
from hypothesis import given
from hypothesis import strategies as st

from report.analysis import state as rule
from report.build import build
from report.cli import cli
from report.moves import SIGNALS, what_would_change

EDITION = dt.datetime(2026, 6, 1)
SEED = "Seed report, 2026-05-27"


def add_signals(book: openpyxl.Workbook, points_to: str, strength: int, confidence: str, count: int = 1,
                name: str = "Added") -> None:
    for n in range(count):
        append_row(book, "Signals", {"Quarter": "2026-Q2", "Signal": f"{name} evidence #{n + 1}",
                                     "Points to": points_to, "Strength": strength, "Confidence": confidence,
                                     "Observed": EDITION, "Source": SEED})


def reopened_by_row(book: openpyxl.Workbook) -> None:
    # The pivot lab's row says Open since 1 May, with no event: REVERTED on the row alone.
    from conftest import set_cell

    set_cell(book, "Labs", "Lab", "Alibaba", "Flagship weights", "Open")
    set_cell(book, "Labs", "Lab", "Alibaba", "Status since", dt.datetime(2026, 5, 1))


STATES: dict[str, tuple[Callable[[openpyxl.Workbook], None] | None, str, str]] = {
    # name -> (edit to the sample, the state, the sentence every output shows)
    "too-early": (None, "TOO EARLY",
                  ("What would change the call: one more Reported Reverts signal of strength 3 would make it LEANING "
                  "REVERTS; a watched lab following Alibaba into closed weights would make it SPREADING; Alibaba "
                  "reopening its flagship would make it REVERTED.")),
    "leaning-pays": (lambda b: add_signals(b, "Pays", 3, "Confirmed"), "LEANING PAYS",
                     ("What would change the call: one more Reported Reverts signal of strength 1 would make it TOO "
                     "EARLY; a watched lab following Alibaba into closed weights would make it SPREADING; Alibaba "
                     "reopening its flagship would make it REVERTED.")),
    "leaning-reverts": (lambda b: add_signals(b, "Reverts", 2, "Confirmed"), "LEANING REVERTS",
                        ("What would change the call: one more Rumoured Pays signal of strength 3 would make it TOO "
                        "EARLY; a watched lab following Alibaba into closed weights would make it SPREADING; Alibaba "
                        "reopening its flagship would make it REVERTED.")),
    "far-reverts": (lambda b: add_signals(b, "Reverts", 3, "Confirmed", 4), "LEANING REVERTS",
                    ("What would change the call: 4 more Confirmed Pays signals of strength 3 would make it TOO EARLY; "
                    "a watched lab following Alibaba into closed weights would make it SPREADING; Alibaba reopening "
                    "its flagship would make it REVERTED.")),
    "spreading": (lambda b: flagship_moves(b, "DeepSeek", "Closed", dt.datetime(2026, 5, 20), "DeepSeek closes"),
                  "SPREADING", "What would change the call: Alibaba reopening its flagship would make it REVERTED."),
    "reverted-by-row": (reopened_by_row, "REVERTED",
                        "What would change the call: Alibaba closing its flagship again would make it TOO EARLY."),
    "reverted": (lambda b: flagship_moves(b, "Alibaba", "Open", dt.datetime(2026, 5, 25), "Alibaba reopens"),
                 "REVERTED", ("What would change the call: nothing within the rules, since Alibaba's reopening after "
                             "the pivot stands.")),
}


def workbook_for(name: str, folder: Path) -> Path:
    path = folder / f"{name}.xlsx"
    shutil.copyfile(SAMPLE, path)
    change = STATES[name][0]
    if change is not None:
        edit_workbook(path, change)
    return path


def verdict_of(xlsx: Path) -> tuple[str, str]:
    """The built Briefing sheet's Verdict and ChangeCall cells."""
    book = openpyxl.load_workbook(xlsx)
    out = []
    for name in ("Verdict", "ChangeCall"):
        ((sheet, ref),) = list(book.defined_names[name].destinations)
        out.append(book[sheet][ref.replace("$", "")].value)
    return out[0], out[1]


def words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def apply(move: dict, book: openpyxl.Workbook, explained: dict) -> None:  # type: ignore[type-arg]
    """Add the evidence a move names, as an editor would."""
    if move["kind"] == "signal":
        add_signals(book, move["points_to"], move["strength"], move["confidence"], move["count"], "Named")
    elif move["kind"] == "follower":
        followers = {f["lab"] for f in explained["followers"]}
        lab = next(w["lab"] for w in explained["watched"] if w["lab"] not in followers)
        flagship_moves(book, lab, "Closed", EDITION, f"{lab} closes its flagship")
    elif move["kind"] in ("reopen", "close"):
        weights = "Open" if move["kind"] == "reopen" else "Closed"
        flagship_moves(book, explained["pivot_lab"], weights, EDITION, "The pivot lab moves again")
    else:
        raise AssertionError(move)


@pytest.mark.parametrize("name", sorted(STATES))
def test_the_named_evidence_moves_the_state(name: str, tmp_path: Path) -> None:
    _change, state, sentence = STATES[name]
    workbook = workbook_for(name, tmp_path)
    done = build(workbook, tmp_path / "out", formats=("xlsx", "html", "eml"))
    xlsx, page, eml = done.paths
    # The sentence, the same in every output's verdict section.
    assert verdict_of(xlsx) == (state, sentence)
    assert sentence in words(page.read_text(encoding="utf-8"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert sentence in words(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
    assert sentence in words(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    result = CliRunner().invoke(cli, ["explain", str(workbook), "--json"])
    explained = json.loads(result.output)
    assert explained["change_call"] == sentence
    for n, move in enumerate(explained["moves"]):
        moved = tmp_path / f"{name}-{n}.xlsx"
        shutil.copyfile(workbook, moved)
        if move["kind"] == "none":
            # Nothing moves it: neither a follower nor the strongest signals, either way.
            for points_to in ("Pays", "Reverts"):
                shutil.copyfile(workbook, moved)

                def strongest(book: openpyxl.Workbook, p: str = points_to) -> None:
                    add_signals(book, p, 3, "Confirmed", 5)
                    apply({"kind": "follower"}, book, explained)

                edit_workbook(moved, strongest)
                rebuilt = build(moved, tmp_path / f"out-{n}-{points_to}", formats=("xlsx",))
                assert verdict_of(rebuilt.paths[0])[0] == state
            continue
        edit_workbook(moved, lambda b, m=move: apply(m, b, explained))  # type: ignore[misc]
        rebuilt = build(moved, tmp_path / f"out-{n}", formats=("xlsx",))
        assert verdict_of(rebuilt.paths[0])[0] == move["to"] != state, move


# --- The rule behind the sentence, on random verdicts ------------------------------------------------------

@given(tenths=st.integers(-300, 300), margin=st.sampled_from([0.5, 1.0, 2.0, 3.5, 10.0]),
       followers=st.integers(0, 2), watched=st.integers(0, 4), reverted=st.booleans(), by_event=st.booleans())
def test_each_move_is_the_smallest_evidence_that_moves_the_state(tenths: int, margin: float, followers: int,
                                                                 watched: int, reverted: bool, by_event: bool) -> None:
    score = tenths / 10
    followers = min(followers, watched)
    now = rule(reverted, followers, score, margin)
    moves = what_would_change(reverted, reverted and by_event, followers, watched, score, margin)
    assert moves, "every verdict says what would change it"
    for move in moves:
        if move.kind == "none":
            assert now == "REVERTED" and by_event
            continue
        assert move.to != now
        if move.kind == "signal":
            sign = 1 if move.points_to == "Pays" else -1
            weight = {(s, c): w for w, s, c in SIGNALS}[(move.strength, move.confidence)]
            after = round(score + sign * move.count * weight, 9)
            assert rule(False, 0, after, margin) == move.to
            # No smaller evidence would do: one signal fewer, or (for one signal) any lighter one.
            if move.count > 1:
                assert rule(False, 0, round(score + sign * (move.count - 1) * 3.0, 9), margin) == now
            else:
                lighter = [w for w, _, _ in SIGNALS if w < weight]
                assert all(rule(False, 0, round(score + s * w, 9), margin) == now
                           for w in lighter for s in (1, -1))


def test_a_huge_call_margin_is_worked_out_not_counted_up_to() -> None:
    """A Call margin of a million (an editor's typo the checker allows): the move is named at once."""
    from report.briefing import Move
    from report.moves import what_would_change

    # 1,000,000 / 3.0 (a Confirmed strength-3 signal) is 333,333.3: 333,334 of them reach the margin.
    moves = what_would_change(False, False, 0, 4, 0.0, 1_000_000.0)
    assert moves[0] == Move("signal", "LEANING PAYS", "Pays", 3, "Confirmed", 333_334)
    # From a score of exactly −1,000,000 (LEANING REVERTS), one Rumoured strength-1 Pays signal lifts it.
    moves = what_would_change(False, False, 0, 0, -1_000_000.0, 1_000_000.0)
    assert moves[0] == Move("signal", "TOO EARLY", "Pays", 1, "Rumoured", 1)
