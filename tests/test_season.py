"""The season generator gives the verdicts its own arithmetic expects, and the tool agrees, edition by edition."""

from __future__ import annotations

import sqlite3

import season as generator
from conftest import Season


def test_the_season_has_26_editions_over_30_weeks_with_a_month_gap() -> None:
    numbers = [w.number for w in generator.editions()]
    assert len(numbers) == 26
    assert [n for n in range(1, 31) if n not in numbers] == [15, 16, 17, 18]


def test_a_watched_lab_follows_in_week_13() -> None:
    assert generator.expected(12).followers == ()
    assert generator.expected(13).followers == ("Moonshot Kimi",)
    assert generator.expected(13).state == "SPREADING"


def test_the_season_grows_to_hundreds_of_signals_and_dozens_of_labs() -> None:
    _settings, rows = generator.records(generator.week(30).edition)
    assert len(rows["Signals"]) >= 300
    assert len(rows["Labs"]) == 25
    assert len(rows["Events"]) >= 20


def test_every_edition_built_in_sequence_records_the_generators_verdict(season: Season) -> None:
    season.build_through(30)
    with sqlite3.connect(season.history) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(editions)")]
        rows = {r[0]: r for r in db.execute("SELECT * FROM editions")}
    assert len(rows) == 26
    # Literal figures from the generator's own arithmetic, spot-checked.
    literal = {1: ("LEANING PAYS", 3.1), 6: ("LEANING REVERTS", -10.2), 10: ("TOO EARLY", -0.4),
               13: ("SPREADING", -5.2), 19: ("SPREADING", 0.6), 30: ("SPREADING", -7.1)}
    for number, (state, score) in literal.items():
        e = generator.expected(number)
        assert (e.state, e.score) == (state, score)
        row = dict(zip(columns, rows[generator.week(number).edition.isoformat()], strict=True))
        assert row["state"] == state
        assert round(row["score"], 6) == score
