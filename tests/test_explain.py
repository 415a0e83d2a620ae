"""`report explain`: the verdict's working traced to cells, held to what `build` wrote.

Every comparison is with the built xlsx read back by openpyxl (its defined names Score, PaysWeight,
RevertsWeight, Followers and Verdict, and the Lab board's roles), never with the code's own functions. The
terms are added as decimals: each is a whole number of tenths, so their sum equals the built score exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import season as generator
from click.testing import CliRunner
from conftest import SAMPLE, Season, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report import sample
from report.build import build
from report.cli import cli
from report.new_workbook import workbook_bytes


def explain_json(workbook: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["explain", str(workbook), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def built(xlsx: Path) -> dict[str, object]:
    """What the built workbook says: its defined names' values and the labs its Lab board calls followers."""
    book = openpyxl.load_workbook(xlsx)
    out: dict[str, object] = {}
    for name in ("Score", "PaysWeight", "RevertsWeight", "Followers", "WatchedLabs", "Verdict"):
        ((sheet, ref),) = list(book.defined_names[name].destinations)
        out[name] = book[sheet][ref.replace("$", "")].value
    labs = book["Labs"]
    header = next(r for r in labs.iter_rows(values_only=True) if r and "Role" in r)
    lab_col, role_col = header.index("Lab"), header.index("Role")
    out["followers"] = sorted(r[lab_col] for r in labs.iter_rows(values_only=True) if r and r[role_col] == "Follower")
    return out


def tenths(value: object) -> Decimal:
    return Decimal(repr(value))


def assert_agrees(explained: dict, xlsx: dict[str, object]) -> None:  # type: ignore[type-arg]
    terms = explained["terms"]
    assert sum(tenths(t["weight"]) for t in terms) == tenths(xlsx["Score"])
    assert sum(tenths(t["weight"]) for t in terms if t["weight"] > 0) == tenths(xlsx["PaysWeight"])
    assert -sum(tenths(t["weight"]) for t in terms if t["weight"] < 0) == tenths(xlsx["RevertsWeight"])
    # Each term is its own product: sign × strength × confidence factor.
    for t in terms:
        assert tenths(t["weight"]) == t["sign"] * t["strength"] * tenths(t["factor"])
    assert explained["score"] == xlsx["Score"]
    assert sorted(f["lab"] for f in explained["followers"]) == xlsx["followers"]
    assert len(explained["followers"]) == xlsx["Followers"]
    assert len(explained["watched"]) == xlsx["WatchedLabs"]
    deciding = explained["rules"][-1]
    assert deciding["holds"] and deciding["state"] == explained["state"] == xlsx["Verdict"]
    assert not any(rule["holds"] for rule in explained["rules"][:-1])


def test_every_season_edition_explains_the_built_score_followers_and_state(season: Season) -> None:
    for week in generator.editions():
        files = season.files(week.number)
        explained = explain_json(season.workbook(week.number))
        assert explained["edition"] == week.edition.isoformat()
        assert_agrees(explained, built(files["xlsx"]))
        # And the generator's own arithmetic, as literal as it comes.
        expected = generator.expected(week.number)
        assert (explained["state"], explained["score"]) == (expected.state, expected.score)
        assert tuple(f["lab"] for f in explained["followers"]) == expected.followers
        assert explained["contradictions"] == []


def test_week_13s_follower_is_traced_to_its_labs_and_events_cells(season: Season) -> None:
    explained = explain_json(season.workbook(13))
    (follower,) = explained["followers"]
    assert follower == {
        "lab": "Moonshot Kimi",
        "why": "Moonshot Kimi closed its flagship on 2026-07-16: Moonshot Kimi moves its flagship to closed weights, "
               "following Alibaba",
        "cells": {"Lab": "Labs!A4", "Watch": "Labs!J4", "Date": "Events!A15", "Kind": "Events!C15"},
    }
    book = openpyxl.load_workbook(season.workbook(13))
    assert book["Events"]["A15"].value == dt.datetime(2026, 7, 16)
    assert book["Events"]["C15"].value == "Closed flagship"
    assert [r["state"] for r in explained["rules"]] == ["REVERTED", "SPREADING"]


SAMPLE_TEXT = """\
Edition 2026-06-01: TOO EARLY, 42 days since the pivot (Alibaba, Qwen 3.6 Max-Preview, 2026-04-20)

Rules, in order; the first that holds decides:
  REVERTED         does not hold: Alibaba has no Reopened flagship event after the pivot (2026-04-20), and its \
Flagship weights is Closed [Labs!E2]
  SPREADING        does not hold: none of the 4 watched labs closed its flagship after the pivot (2026-04-20)
  LEANING PAYS     does not hold: the score \u22120.60 is below the Call margin +2.0
  LEANING REVERTS  does not hold: the score \u22120.60 is above \u22122.0
  TOO EARLY        holds: none of the rules above holds

Followers: none
Watched labs (4): DeepSeek (Labs!J3), Moonshot Kimi (Labs!J4), Ant Group (Labs!J5), Zhipu (Labs!J6)

Score \u22120.60 = pays 1.20 \u2212 reverts 1.80, from 4 terms (sign \u00d7 strength \u00d7 confidence); the call \
needs \u00b12.0:
  Signals!B2    +1.20 = +1 \u00d7 2 \u00d7 Reported 0.6  Chinese-cloud customer traction on Max-Preview reportedly strong
  Signals!B3    \u22120.60 = \u22121 \u00d7 1 \u00d7 Reported 0.6  No other major Chinese lab has followed into closed weights
  Signals!B4    \u22120.60 = \u22121 \u00d7 1 \u00d7 Reported 0.6  Apache-2.0 is winning the permissive-licence race
  Signals!B5    \u22120.60 = \u22121 \u00d7 1 \u00d7 Reported 0.6  Enterprise procurement friction for the open-weight \
stack is near zero
Left out of the score (1):
  Signals!B6   neutral: it points to neither side (weight 0): Qwen 27B stays Apache-2.0 at frontier-competitive \
performance

Days since the pivot: 42
Stale signals: 0 (observed more than 28 days before the edition); signals without a source: 0

What would change the call: one more Reported Reverts signal of strength 3 would make it LEANING REVERTS; a watched \
lab following Alibaba into closed weights would make it SPREADING; Alibaba reopening its flagship would make it \
REVERTED.
"""


def test_the_samples_explanation_reads_line_by_line() -> None:
    result = run_cli("explain", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout == SAMPLE_TEXT


def test_an_edition_leaves_out_what_came_later_and_says_why(season: Season, tmp_path: Path) -> None:
    # Week 30's workbook, asked for week 13's edition: explain agrees with build asked the same.
    done = build(season.workbook(30), tmp_path, dt.date(2026, 7, 20), ("xlsx",), today=dt.date(2026, 12, 7))
    explained = explain_json(season.workbook(30), "--edition", "2026-07-20")
    assert_agrees(explained, built(done.paths[0]))
    later = [o for o in explained["left_out"] if o["why"].startswith("after the edition")]
    # The generator's own records: every signal observed after the edition is left out, and said so.
    _settings, rows = generator.records(generator.week(30).edition)
    assert len(later) == sum(1 for r in rows["Signals"] if r["Observed"] > dt.date(2026, 7, 20)) == 202
    assert later[0] == {"cell": "Signals!B176", "row": 176, "quarter": "2026-Q3",
                        "signal": "Closed-tier churn among Max-Preview pilots (week 14, #1)",
                        "why": "after the edition: observed 2026-07-26"}
    neutral = [o for o in explained["left_out"] if o["why"] == "neutral: it points to neither side (weight 0)"]
    assert neutral and len(neutral) + len(explained["terms"]) + len(later) == len(rows["Signals"])


def test_explain_refuses_an_edition_before_the_pivot_and_a_workbook_with_errors(tmp_path: Path) -> None:
    result = run_cli("explain", str(SAMPLE), "--edition", "2026-04-19")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == ("Error: --edition 2026-04-19 is before the pivot date 2026-04-20: an "
                                             "edition follows the pivot, so choose a date on or after it.")
    rows = {sheet: [dict(r) for r in records] for sheet, records in sample.ROWS.items()}
    rows["Signals"][0]["Points to"] = "maybe"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook_bytes(sample.SETTINGS, rows))
    result = run_cli("explain", str(broken))
    assert result.returncode == 1
    assert "ERROR Signals!F2 (Points to): 'maybe' is not one of Pays, Reverts, Neutral" in result.stderr


# --- Random workbooks --------------------------------------------------------------------------------------

LABS = ("Alibaba", "DeepSeek", "Moonshot Kimi", "Zhipu", "MiniMax")
DAY0 = sample.PIVOT


def days(low: int, high: int) -> st.SearchStrategy[dt.date]:
    return st.integers(low, high).map(lambda n: DAY0 + dt.timedelta(days=n))


lab_rows = st.tuples(*[
    st.fixed_dictionaries({
        "Lab": st.just(name), "Flagship weights": st.sampled_from(["Open", "Closed"]),
        "Watch": st.sampled_from(["Yes", "No", ""]),
        "Status since": st.one_of(st.none(), days(-200, 200)),
    }) for name in LABS])
event_rows = st.lists(st.fixed_dictionaries({
    "Date": days(-60, 200), "Lab": st.sampled_from(LABS),
    "Kind": st.sampled_from(["Closed flagship", "Reopened flagship", "Disclosure", "Other"]),
    "Headline": st.just("Something happened"),
}), max_size=6)
signal_rows = st.lists(st.fixed_dictionaries({
    "Quarter": st.sampled_from(["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]),
    "Signal": st.sampled_from(["Traction", "Downloads", "Churn", "Pricing", "Survey"]),
    "Points to": st.sampled_from(["Pays", "Reverts", "Neutral"]),
    "Strength": st.sampled_from([1, 2, 3, ""]),
    "Confidence": st.sampled_from(["Confirmed", "Reported", "Rumoured", ""]),
    "Observed": st.one_of(st.none(), days(-30, 200)),
    "Source": st.just(sample.SEED),
}), max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labs=lab_rows, events=event_rows, signals=signal_rows, edition=days(0, 220))
def test_random_workbooks_explain_their_built_verdict(tmp_path_factory: pytest.TempPathFactory, labs: tuple,  # type: ignore[type-arg]
                                                      events: list, signals: list, edition: dt.date) -> None:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("random")
    rows = {"Labs": [{k: v for k, v in lab.items() if v not in (None, "")} for lab in labs],
            "Events": events, "Signals": [{k: v for k, v in s.items() if v not in (None, "")} for s in signals],
            "Sources": [{"Source": sample.SEED}]}
    workbook = folder / "random.xlsx"
    workbook.write_bytes(workbook_bytes({**sample.SETTINGS, "Edition date": edition}, rows))
    done = build(workbook, folder / "out", formats=("xlsx",), today=dt.date(2026, 12, 7))
    explained = explain_json(workbook)
    assert_agrees(explained, built(done.paths[0]))


def test_a_follower_by_its_row_and_a_reversion_by_its_event_are_traced_to_their_cells(tmp_path: Path) -> None:
    rows = {sheet: [dict(r) for r in records] for sheet, records in sample.ROWS.items()}
    deepseek = next(r for r in rows["Labs"] if r["Lab"] == "DeepSeek")
    deepseek.update({"Flagship weights": "Closed", "Status since": dt.date(2026, 5, 20)})  # no event: the row alone
    path = tmp_path / "row-follower.xlsx"
    path.write_bytes(workbook_bytes(sample.SETTINGS, rows))
    explained = explain_json(path)
    assert explained["followers"] == [{
        "lab": "DeepSeek", "why": "DeepSeek's flagship weights are Closed since 2026-05-20",
        "cells": {"Lab": "Labs!A3", "Watch": "Labs!J3", "Flagship weights": "Labs!E3", "Status since": "Labs!I3"}}]
    assert explained["rules"][-1] == {"state": "SPREADING", "holds": True,
                                      "why": "1 of 4 watched labs followed: DeepSeek",
                                      "cells": ["Labs!A3", "Labs!J3", "Labs!E3", "Labs!I3"]}

    rows["Events"].append({"Date": dt.date(2026, 5, 25), "Lab": "Alibaba", "Kind": "Reopened flagship",
                           "Headline": "Alibaba reopens the Max-Preview weights", "Source": sample.SEED})
    path.write_bytes(workbook_bytes(sample.SETTINGS, rows))
    explained = explain_json(path)
    assert explained["rules"] == [{
        "state": "REVERTED", "holds": True,
        "why": "Alibaba reopened its flagship on 2026-05-25: Alibaba reopens the Max-Preview weights",
        "cells": ["Events!A4", "Events!C4"]}]
    assert explained["change_call"] == ("What would change the call: nothing within the rules, since Alibaba's "
                                        "reopening after the pivot stands.")
    # The row still says Closed: check says so, and explain repeats it.
    assert [f["code"] for f in explained["contradictions"]] == ["pivot-row-disagrees"]


def test_signals_left_out_say_why(tmp_path: Path) -> None:
    rows = {sheet: [dict(r) for r in records] for sheet, records in sample.ROWS.items()}
    base = {"Points to": "Pays", "Strength": 3, "Confidence": "Confirmed", "Source": sample.SEED}
    rows["Signals"] += [
        {**base, "Quarter": "2026-Q1", "Signal": "Before the pivot", "Observed": dt.date(2026, 3, 2)},
        {**base, "Quarter": "2026-Q3", "Signal": "A later quarter"},
        {**base, "Quarter": "2026-Q2", "Signal": "Observed later", "Observed": dt.date(2026, 6, 5)},
    ]
    path = tmp_path / "left-out.xlsx"
    path.write_bytes(workbook_bytes(sample.SETTINGS, rows))
    explained = explain_json(path)
    assert [(o["cell"], o["why"]) for o in explained["left_out"]] == [
        ("Signals!B6", "neutral: it points to neither side (weight 0)"),
        ("Signals!B7", "before the pivot: its quarter 2026-Q1 is before the pivot's 2026-Q2"),
        ("Signals!B8", "after the edition: its quarter 2026-Q3 begins after 2026-06-01"),
        ("Signals!B9", "after the edition: observed 2026-06-05"),
    ]
    assert explained["score"] == -0.6  # none of them counts
