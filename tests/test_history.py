"""Editions history (SQLite) and "What changed since the last edition" (SPEC §5 build/history, §6 section 4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import openpyxl
import pytest
from conftest import SAMPLE, append_row, edit_workbook, run_cli, set_cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from report import schema
from report.analysis import analyse
from report.briefing import Briefing, Changes, FieldChange, FigureMove, RowChange
from report.changes import compare, snapshot
from report.check import check_file
from report.edition import as_of
from report.errors import HistoryError
from report.history import History, PreviousEdition
from report.history.store import APPLICATION_ID
from report.model import Event, Lab, Milestone, Signal, Source, Tracker

FIRST = dt.date(2026, 6, 1)
SECOND = dt.date(2026, 6, 8)
SEED = "Seed report, 2026-05-27"
NOT_OURS = "is not a report history database: move it away or give --history another path."
LOCKED = "is locked by another build: wait for it to finish and try again."


# -- helpers ------------------------------------------------------------------------------------------------


def tracker_of(path: Path, today: dt.date = FIRST) -> Tracker:
    result = check_file(path, today=today)
    assert result.tracker is not None, [f.line() for f in result.findings]
    return result.tracker


def briefing_of(tracker: Tracker, edition: dt.date) -> Briefing:
    return analyse(as_of(tracker, edition))


def as_previous(tracker: Tracker, edition: dt.date = FIRST) -> PreviousEdition:
    """What the history would hand back for `tracker` built as `edition`, without a database."""
    briefing = briefing_of(tracker, edition)
    return PreviousEdition(edition, briefing.verdict.state, briefing.verdict.score, briefing.figures.as_dict(),
                           snapshot(tracker), len(briefing.signals), "2026-06-01T09:00:00+00:00")


def changes_after(path: Path, change: Callable[[openpyxl.Workbook], None]) -> Changes:
    """Changes from the workbook at `path` (edition FIRST) to the same workbook edited by `change` (SECOND)."""
    before = tracker_of(path)
    edit_workbook(path, change)
    after = tracker_of(path, SECOND)
    return compare(as_previous(before), snapshot(after), briefing_of(after, SECOND))


def delete_row(book: openpyxl.Workbook, sheet: str, key_column: str, key: str) -> None:
    """Delete the row of `sheet` whose `key_column` equals `key`."""
    ws = book[sheet]
    headers = {str(c.value).rstrip("*").strip(): c.column for c in ws[1] if c.value}
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=headers[key_column]).value == key:
            ws.delete_rows(row)
            return
    raise KeyError(key)


def follow_deepseek(book: openpyxl.Workbook) -> None:
    """DeepSeek follows Alibaba into closed weights (the issue's scenario)."""
    set_cell(book, "Labs", "Lab", "DeepSeek", "Flagship weights", "Closed")
    set_cell(book, "Labs", "Lab", "DeepSeek", "Status since", dt.datetime(2026, 5, 30))
    append_row(book, "Events", {"Date": dt.datetime(2026, 5, 30), "Lab": "DeepSeek", "Kind": "Closed flagship",
                                "Headline": "DeepSeek moves its flagship to closed weights", "Source": SEED})
    append_row(book, "Signals", {"Quarter": "2026-Q2", "Signal": "DeepSeek follows Alibaba into closed weights",
                                 "Lab": "DeepSeek", "Points to": "Pays", "Strength": 2, "Confidence": "Reported",
                                 "Observed": dt.datetime(2026, 5, 30), "Source": SEED})


def record(history: History, path: Path, edition: dt.date, digest: str = "0" * 64) -> Briefing:
    tracker = tracker_of(path, edition)
    briefing = briefing_of(tracker, edition)
    history.record(briefing, digest, "test")
    return briefing


# -- compare: every sheet -----------------------------------------------------------------------------------


def _labs(book: openpyxl.Workbook) -> None:
    append_row(book, "Labs", {"Lab": "Mistral", "Flagship weights": "Open", "Watch": "No"})
    delete_row(book, "Labs", "Lab", "Zhipu")
    set_cell(book, "Labs", "Lab", "Moonshot Kimi", "Flagship licence", "MIT")


def _events(book: openpyxl.Workbook) -> None:
    append_row(book, "Events", {"Date": dt.datetime(2026, 5, 29), "Lab": "Ant Group", "Kind": "Disclosure",
                                "Headline": "Ant Group publishes its model licence terms", "Source": SEED})
    delete_row(book, "Events", "Kind", "Other")
    set_cell(book, "Events", "Kind", "Closed flagship", "Notes", "The pivot.")


def _signals(book: openpyxl.Workbook) -> None:
    append_row(book, "Signals", {"Quarter": "2026-Q3", "Signal": "Moonshot Kimi keeps its flagship open",
                                 "Lab": "Moonshot Kimi",
                                 "Points to": "Reverts", "Source": SEED})
    delete_row(book, "Signals", "Signal", "Apache-2.0 is winning the permissive-licence race")
    set_cell(book, "Signals", "Signal", "Chinese-cloud customer traction on Max-Preview reportedly strong",
             "Strength", 3)


def _milestones(book: openpyxl.Workbook) -> None:
    append_row(book, "Milestones", {"Due": "2026-Q3", "Milestone": "DeepSeek's next flagship release"})
    delete_row(book, "Milestones", "Milestone", "Another Chinese lab closes its flagship, if the bifurcation pays")
    set_cell(book, "Milestones", "Milestone", "Alibaba Cloud's Q3 2026 AI revenue disclosures", "Status", "Happened")


def _sources(book: openpyxl.Workbook) -> None:
    append_row(book, "Sources", {"Source": "Desk notes", "Publisher": "The desk", "URL": "https://example.com/notes"})
    delete_row(book, "Sources", "Source", "O-Mega — Top 10 Open Source LLMs 2026 DeepSeek Revolution")
    set_cell(book, "Sources", "Source", SEED, "Publisher", "Industry reporting")


SHEET_EDITS: list[tuple[str, Callable[[openpyxl.Workbook], None], list[RowChange]]] = [
    ("Labs", _labs, [
        RowChange("Labs", "Mistral", "added"),
        RowChange("Labs", "Moonshot Kimi", "changed", (FieldChange("Flagship licence", "(blank)", "MIT"),)),
        RowChange("Labs", "Zhipu", "removed"),
    ]),
    ("Events", _events, [
        RowChange("Events", "2026-04-20 · Alibaba · Closed flagship · Alibaba moves Qwen 3.6 Max-Preview to closed "
                  "weights", "changed", (FieldChange("Notes", "Trillion-parameter tier; Qwen 27B stays Apache-2.0.",
                                                     "The pivot."),)),
        RowChange("Events", "2026-05-27 · Alibaba · Other · Six weeks on, no other major Chinese lab has followed the "
                  "closed-weight move", "removed"),
        RowChange("Events", "2026-05-29 · Ant Group · Disclosure · Ant Group publishes its model licence terms",
                  "added"),
    ]),
    ("Signals", _signals, [
        RowChange("Signals", "2026-Q2 · Apache-2.0 is winning the permissive-licence race", "removed"),
        RowChange("Signals", "2026-Q2 · Chinese-cloud customer traction on Max-Preview reportedly strong · Alibaba",
                  # A counted signal: how much it weighs now says how much the change matters.
                  "changed", (FieldChange("Strength", "2", "3"),), matters="signal", weight=pytest.approx(1.8)),
        RowChange("Signals", "2026-Q3 · Moonshot Kimi keeps its flagship open · Moonshot Kimi", "added"),
    ]),
    ("Milestones", _milestones, [
        RowChange("Milestones", "2026-09-30 · DeepSeek's next flagship release", "added"),
        RowChange("Milestones", "2026-12-31 · Alibaba Cloud's Q3 2026 AI revenue disclosures", "changed",
                  (FieldChange("Status", "Upcoming", "Happened"),)),
        RowChange("Milestones", "2026-12-31 · Another Chinese lab closes its flagship, if the bifurcation pays",
                  "removed"),
    ]),
    ("Sources", _sources, [
        RowChange("Sources", "Desk notes", "added"),
        RowChange("Sources", "O-Mega — Top 10 Open Source LLMs 2026 DeepSeek Revolution", "removed"),
        RowChange("Sources", SEED, "changed", (FieldChange("Publisher", "Alibaba / Qwen / industry reporting",
                                                           "Industry reporting"),)),
    ]),
]


@pytest.mark.parametrize(("sheet", "change", "expected"), SHEET_EDITS, ids=[s for s, _, _ in SHEET_EDITS])
def test_added_removed_and_changed_rows_on_every_sheet(sample_copy: Path, sheet: str,
                                                       change: Callable[[openpyxl.Workbook], None],
                                                       expected: list[RowChange]) -> None:
    changes = changes_after(sample_copy, change)
    assert changes.previous_edition == FIRST
    assert [r for r in changes.rows if r.sheet == sheet] == expected
    assert {r.sheet for r in changes.rows} == {sheet}
    assert [r.change for r in [r for r in changes.rows if r.change == "added"]] == ["added"]
    assert not changes.first and not changes.empty


def test_rows_follow_the_sheet_order_of_the_schema(sample_copy: Path) -> None:
    def everything(book: openpyxl.Workbook) -> None:
        for _, change, _ in reversed(SHEET_EDITS):
            change(book)

    changes = changes_after(sample_copy, everything)
    expected = [row for _, _, rows in SHEET_EDITS for row in rows]
    assert list(changes.rows) == expected
    assert [s.name for s in schema.TABLES] == [s for s, _, _ in SHEET_EDITS]


def test_a_renamed_key_is_a_removed_row_and_an_added_row(sample_copy: Path) -> None:
    def rename(book: openpyxl.Workbook) -> None:
        set_cell(book, "Labs", "Lab", "Zhipu", "Lab", "Zhipu AI")
        set_cell(book, "Events", "Kind", "Other", "Headline", "Seven weeks on, still no follower")

    changes = changes_after(sample_copy, rename)
    assert [(r.sheet, r.key, r.change) for r in changes.rows] == [
        ("Labs", "Zhipu", "removed"),
        ("Labs", "Zhipu AI", "added"),
        ("Events", "2026-05-27 · Alibaba · Other · Seven weeks on, still no follower", "added"),
        ("Events", ("2026-05-27 · Alibaba · Other · Six weeks on, no other major Chinese lab has followed the "
                    "closed-weight move"), "removed"),
    ]
    assert all(not r.fields for r in changes.rows)


def test_keys_match_ignoring_case_and_spacing(sample_copy: Path) -> None:
    before = tracker_of(sample_copy)
    labs = tuple(dataclasses.replace(lab, lab=f"  {lab.lab.upper()}  ".replace(" ", "  ")) for lab in before.labs)
    after = dataclasses.replace(before, labs=labs)
    changes = compare(as_previous(before), snapshot(after), briefing_of(before, SECOND))
    assert changes.rows == ()


def test_moving_rows_around_changes_nothing(sample_copy: Path) -> None:
    tracker = tracker_of(sample_copy)
    shuffled = dataclasses.replace(tracker, labs=tracker.labs[::-1], signals=tracker.signals[::-1],
                                   sources=tracker.sources[::-1])
    assert snapshot(shuffled) == snapshot(tracker)


def test_the_first_edition_has_no_previous_edition(sample_copy: Path) -> None:
    tracker = tracker_of(sample_copy)
    changes = compare(None, snapshot(tracker), briefing_of(tracker, FIRST))
    assert changes == Changes(previous_edition=None)
    assert changes.first and changes.empty and not changes.verdict_changed


def test_the_verdict_change_and_the_key_figures_that_moved(sample_copy: Path) -> None:
    changes = changes_after(sample_copy, follow_deepseek)
    assert (changes.verdict_before, changes.verdict_after) == ("TOO EARLY", "SPREADING")
    assert changes.verdict_changed
    assert changes.score_before == pytest.approx(-0.6)
    assert changes.score_after == pytest.approx(0.6)
    # Facts, not words: the values each moved figure reads (report/present/what_changed.py words them).
    assert changes.figures == (
        FigureMove("followers", (0, 4), (1, 4)),
        FigureMove("pays", (1.2,), (2.4,)),
        FigureMove("signals_this_quarter", (5, "2026-Q2"), (6, "2026-Q2")),
    )
    assert [(r.sheet, r.change) for r in changes.rows] == [("Labs", "changed"), ("Events", "added"),
                                                          ("Signals", "added")]
    assert changes.rows[0] == RowChange("Labs", "DeepSeek", "changed", (
        FieldChange("Flagship weights", "Open", "Closed"),
        FieldChange("Status since", "(blank)", "2026-05-30"),
    ), matters="follower")


def test_an_unchanged_workbook_a_week_later_shows_no_change(sample_copy: Path) -> None:
    tracker = tracker_of(sample_copy)
    changes = compare(as_previous(tracker), snapshot(tracker), briefing_of(tracker, SECOND))
    assert changes.previous_edition == FIRST
    assert changes.empty and not changes.verdict_changed
    assert (changes.verdict_before, changes.verdict_after) == ("TOO EARLY", "TOO EARLY")


def test_settings_changes_are_listed_but_not_the_edition_date(sample_copy: Path) -> None:
    def settings_edit(book: openpyxl.Workbook) -> None:
        set_cell(book, "Settings", "Setting", "Call margin", "Value", 3)
        set_cell(book, "Settings", "Setting", "Edition date", "Value", dt.datetime(2026, 6, 8))

    changes = changes_after(sample_copy, settings_edit)
    assert changes.rows == (RowChange("Settings", "Call margin", "changed", (FieldChange("Call margin", "2", "3"),)),)


def test_repeated_keys_are_matched_one_for_one(sample_copy: Path) -> None:
    tracker = tracker_of(sample_copy)
    twice = dataclasses.replace(tracker, events=tracker.events + tracker.events[:1])
    changes = compare(as_previous(twice), snapshot(tracker), briefing_of(tracker, SECOND))
    assert [(r.sheet, r.change) for r in changes.rows] == [("Events", "removed")]
    changes = compare(as_previous(tracker), snapshot(twice), briefing_of(twice, SECOND))
    assert [(r.sheet, r.change) for r in changes.rows] == [("Events", "added")]


def format_one(snap: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as the first format kept it (and old histories still hold it): a dict per row."""
    return {**snap, "format": 1, "sheets": {name: [dict(zip(sheet["columns"], row, strict=True))
                                                   for row in sheet["rows"]] for name, sheet in snap["sheets"].items()}}


def test_a_field_an_older_snapshot_did_not_keep_is_not_a_change(sample_copy: Path) -> None:
    tracker = tracker_of(sample_copy)
    previous = dataclasses.replace(as_previous(tracker), snapshot=format_one(snapshot(tracker)))
    for row in previous.snapshot["sheets"]["Labs"]:
        del row["notes"]
    del previous.snapshot["sheets"]["Sources"]
    changes = compare(previous, snapshot(tracker), briefing_of(tracker, SECOND))
    # Every source is new to a snapshot without the sheet; no Labs row changed.
    assert {(r.sheet, r.change) for r in changes.rows} == {("Sources", "added")}


def test_a_first_format_snapshot_compares_with_the_compact_one(sample_copy: Path) -> None:
    before = tracker_of(sample_copy)
    labs = list(before.labs)
    labs[1] = dataclasses.replace(labs[1], flagship_weights="Closed")
    after = dataclasses.replace(before, labs=tuple(labs))
    old = dataclasses.replace(as_previous(before), snapshot=format_one(snapshot(before)))
    changes = compare(old, snapshot(after), briefing_of(after, SECOND))
    assert [(r.sheet, r.key, r.change, r.fields) for r in changes.rows] == [
        ("Labs", labs[1].lab, "changed", (FieldChange("Flagship weights", "Open", "Closed"),))]
    assert compare(old, snapshot(before), briefing_of(before, SECOND)).rows == ()


# -- compare: properties ------------------------------------------------------------------------------------

NAMES = st.text(alphabet="abAB ", min_size=1, max_size=3).filter(lambda s: s.strip() != "")
DATES = st.dates(dt.date(2026, 4, 1), dt.date(2026, 4, 4))
MAYBE = st.none() | st.sampled_from(["x", "y", "Y "])


def _norm(value: object) -> str:
    return " ".join(str(value if value is not None else "").split()).casefold()


labs = st.builds(Lab, row=st.integers(2, 9), lab=NAMES, country=MAYBE, flagship_model=MAYBE, flagship_scale=MAYBE,
                 flagship_weights=st.sampled_from(schema.WEIGHTS), flagship_licence=MAYBE, mid_scale_model=MAYBE,
                 mid_scale_licence=MAYBE, status_since=st.none() | DATES, watch=st.sampled_from(schema.YES_NO),
                 source=MAYBE, notes=MAYBE)
events = st.builds(Event, row=st.integers(2, 9), date=DATES, lab=NAMES, kind=st.sampled_from(schema.EVENT_KINDS),
                   headline=NAMES, model=MAYBE, source=MAYBE, notes=MAYBE)
signals = st.builds(Signal, row=st.integers(2, 9), quarter=st.tuples(st.just(2026), st.integers(1, 2)),
                    signal=NAMES, lab=st.none() | NAMES, value=st.none() | st.sampled_from([1.0, 2.5, "many"]),
                    unit=MAYBE, points_to=st.sampled_from(schema.POINTS_TO), strength=st.integers(1, 3),
                    confidence=st.sampled_from(schema.CONFIDENCES), observed=st.none() | DATES, source=MAYBE,
                    notes=MAYBE)
milestones = st.builds(Milestone, row=st.integers(2, 9), due=DATES, milestone=NAMES, why_it_matters=MAYBE,
                       status=st.sampled_from(schema.MILESTONE_STATUSES), outcome=MAYBE)
sources = st.builds(Source, row=st.integers(2, 9), source=NAMES, publisher=MAYBE, url=MAYBE,
                    published=st.none() | DATES)
RECORDS: dict[str, st.SearchStrategy[Any]] = {
    "Labs": labs, "Events": events, "Signals": signals, "Milestones": milestones, "Sources": sources}


def _key(sheet: str, record: Any) -> tuple[str, ...]:
    table = schema.sheet_named(sheet)
    return tuple(_norm(record.snapshot()[table.column(name).attr]) for name in table.key)


@st.composite
def trackers(draw: st.DrawFn) -> Tracker:
    """A tracker with random records whose natural keys are unique per sheet (ignoring case and spacing)."""

    def rows(sheet: str) -> tuple[Any, ...]:
        return tuple(draw(st.lists(RECORDS[sheet], max_size=5, unique_by=partial(_key, sheet))))

    return Tracker(settings=SAMPLE_TRACKER.settings, labs=rows("Labs"), events=rows("Events"),
                   signals=rows("Signals"), milestones=rows("Milestones"), sources=rows("Sources"))


SAMPLE_TRACKER = tracker_of(SAMPLE)
SAMPLE_BRIEFING = briefing_of(SAMPLE_TRACKER, FIRST)


def _previous(tracker: Tracker) -> PreviousEdition:
    # The same verdict and figures as SAMPLE_BRIEFING: only the rows can differ.
    return PreviousEdition(FIRST, SAMPLE_BRIEFING.verdict.state, SAMPLE_BRIEFING.verdict.score,
                           SAMPLE_BRIEFING.figures.as_dict(), snapshot(tracker), 0, "")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trackers())
def test_a_snapshot_compared_with_itself_is_empty(tracker: Tracker) -> None:
    changes = compare(_previous(tracker), snapshot(tracker), SAMPLE_BRIEFING)
    assert changes.rows == () and changes.empty


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trackers(), trackers())
def test_added_and_removed_rows_are_the_key_set_differences(a: Tracker, b: Tracker) -> None:
    changes = compare(_previous(a), snapshot(b), SAMPLE_BRIEFING)
    for sheet, records in a.tables().items():
        keys_a = {_key(sheet, r) for r in records}
        keys_b = {_key(sheet, r) for r in b.tables()[sheet]}
        rows = [r for r in changes.rows if r.sheet == sheet]
        assert sum(r.change == "added" for r in rows) == len(keys_b - keys_a)
        assert sum(r.change == "removed" for r in rows) == len(keys_a - keys_b)
        changed = [r for r in rows if r.change == "changed"]
        assert len(changed) <= len(keys_a & keys_b)
        assert all(r.fields and all(f.before != f.after for f in r.fields) for r in changed)
    back = compare(_previous(b), snapshot(a), SAMPLE_BRIEFING)
    assert len([r for r in back.rows if r.change == "added"]) == len([r for r in changes.rows if r.change == "removed"])
    assert len([r for r in back.rows if r.change == "removed"]) == len([r for r in changes.rows if r.change == "added"])
    assert len([r for r in back.rows if r.change == "changed"]) == len([r for r in changes.rows if r.change == "changed"])


# -- History ------------------------------------------------------------------------------------------------


def test_a_new_history_is_created_and_reopened(tmp_path: Path) -> None:
    path = tmp_path / "out" / "history.sqlite"
    with History(path) as history:
        assert history.editions() == [] and history.sends() == []
        assert history.previous(FIRST) is None
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    db.close()
    with History(path, create=False) as history:
        assert history.editions() == []


def test_an_edition_is_recorded_with_what_it_said(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History(path) as history:
        briefing = record(history, SAMPLE, FIRST, "a" * 64)
        [row] = history.editions()
        previous = history.previous(SECOND)
    assert (row.edition, row.state, row.score, row.signals, row.workbook_sha256) == (
        FIRST, "TOO EARLY", pytest.approx(-0.6), 5, "a" * 64)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row.built_at)
    assert previous is not None
    assert (previous.edition, previous.state, previous.score) == (FIRST, "TOO EARLY", pytest.approx(-0.6))
    assert previous.figures == briefing.figures.as_dict()
    assert previous.snapshot == snapshot(tracker_of(SAMPLE))


def test_rebuilding_an_edition_replaces_it_and_keeps_its_sends(tmp_path: Path, sample_copy: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History(path) as history:
        record(history, sample_copy, FIRST, "a" * 64)
        history.record_send(FIRST, "<one@example.com>", 2, "2026-06-01T10:00:00+00:00")
        edit_workbook(sample_copy, follow_deepseek)
        record(history, sample_copy, FIRST, "b" * 64)
        editions = history.editions()
        sends = history.sends()
    assert [(e.edition, e.state, e.workbook_sha256) for e in editions] == [(FIRST, "SPREADING", "b" * 64)]
    assert [(s.edition, s.message_id, s.recipients, s.sent_at) for s in sends] == [
        (FIRST, "<one@example.com>", 2, "2026-06-01T10:00:00+00:00")]


def test_previous_picks_by_edition_date_not_by_build_time(tmp_path: Path, sample_copy: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History(path) as history:
        edit_workbook(sample_copy, follow_deepseek)
        record(history, sample_copy, SECOND)
        record(history, SAMPLE, FIRST)  # built after the later edition
        assert [e.edition for e in history.editions()] == [FIRST, SECOND]
        assert history.previous(FIRST) is None
        before_second = history.previous(SECOND)
        after_second = history.previous(SECOND + dt.timedelta(days=7))
    assert before_second is not None and before_second.edition == FIRST and before_second.state == "TOO EARLY"
    assert after_second is not None and after_second.edition == SECOND and after_second.state == "SPREADING"


def test_sends_are_listed_in_order(tmp_path: Path) -> None:
    with History(tmp_path / "history.sqlite") as history:
        history.record_send(SECOND, "<b@example.com>", 1, "2026-06-08T09:00:00+00:00")
        history.record_send(FIRST, "<a@example.com>", 3, "2026-06-01T09:00:00+00:00")
        assert [(s.edition, s.message_id) for s in history.sends()] == [
            (FIRST, "<a@example.com>"), (SECOND, "<b@example.com>")]


def test_a_missing_history_is_not_created_when_it_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with pytest.raises(HistoryError, match="There is no history database at"):
        History(path, create=False)
    assert not path.exists()


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO customers (name) VALUES ('Ada')")
    db.commit()
    db.close()


def _foreign_with_meta(path: Path) -> None:
    # Another program's database may well have a table called meta.
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('application', 'something else')")
    db.commit()
    db.close()


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(5000))


def _truncated(path: Path) -> None:
    with History(path) as history:
        for week in range(6):
            record(history, SAMPLE, FIRST + dt.timedelta(days=7 * week))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def _empty_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("VACUUM")
    db.execute("PRAGMA user_version = 3")
    db.close()


def _foreign_wal(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()


def _foreign_with_our_application_id(path: Path) -> None:
    # Our id in the header but not our tables: still not ours.
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("CREATE TABLE notes (body TEXT)")
    db.commit()
    db.close()


def _text_file(path: Path) -> None:
    path.write_text("edition,state\n2026-06-01,TOO EARLY\n")


@pytest.mark.parametrize("make", [_random_bytes, _truncated, _foreign, _foreign_with_meta, _foreign_wal,
                                  _foreign_with_our_application_id, _empty_sqlite, _text_file],
                         ids=["random-bytes", "truncated", "foreign", "foreign-with-meta", "foreign-wal",
                              "foreign-with-our-id", "empty-sqlite", "text"])
def test_a_file_that_is_not_a_usable_history_is_refused_and_left_as_it_was(tmp_path: Path,
                                                                           make: Callable[[Path], None]) -> None:
    path = tmp_path / "history.sqlite"
    make(path)
    data = path.read_bytes()
    for create in (True, False):
        with pytest.raises(HistoryError) as raised:
            History(path, create=create, timeout=0.5)
        message = str(raised.value)
        assert message.startswith(str(path)), message
        assert "move it away or give --history another path." in message
        assert "\n" not in message
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite"]


def test_a_foreign_database_is_called_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    _foreign(path)
    with pytest.raises(HistoryError, match=re.escape(f"{path} {NOT_OURS}")):
        History(path)


def test_a_history_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    History(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    data = path.read_bytes()
    with pytest.raises(HistoryError, match="newer version of report"):
        History(path)
    assert path.read_bytes() == data


def test_a_folder_is_not_a_history(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="is a folder"):
        History(tmp_path)


def test_an_empty_file_becomes_a_new_history(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    path.touch()
    with History(path) as history:
        record(history, SAMPLE, FIRST)
        assert len(history.editions()) == 1


def _hold_exclusive(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_a_locked_history_waits_then_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    History(path).close()
    holder = _hold_exclusive(path)
    try:
        with pytest.raises(HistoryError, match=re.escape(f"{path} {LOCKED}")):
            History(path, timeout=0.3)
    finally:
        holder.rollback()
        holder.close()
    with History(path, timeout=0.3) as history:
        assert history.editions() == []


def test_a_history_locked_while_recording_fails_clearly_and_records_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with History(path, timeout=0.2) as history:
        holder = _hold_exclusive(path)
        try:
            with pytest.raises(HistoryError, match=re.escape(LOCKED)):
                record(history, SAMPLE, FIRST)
        finally:
            holder.rollback()
            holder.close()
        assert history.editions() == []
        record(history, SAMPLE, FIRST)
        assert len(history.editions()) == 1


def _interrupted_write(source: Path, target: Path) -> None:
    """Copy `source` and its journal while a big write is half done: the copy has a hot journal."""
    db = sqlite3.connect(source, isolation_level=None)
    db.execute("PRAGMA cache_size = 1")  # spill the half-done write into the file itself
    db.execute("BEGIN")
    db.execute("CREATE TABLE IF NOT EXISTS filler (x TEXT)")
    db.executemany("INSERT INTO filler VALUES (?)", [("x" * 200,)] * 3000)
    shutil.copyfile(source, target)
    shutil.copyfile(source.with_name(source.name + "-journal"), target.with_name(target.name + "-journal"))
    db.execute("ROLLBACK")
    db.close()


def test_a_history_whose_last_write_was_interrupted_is_recovered(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite"
    with History(source) as history:
        record(history, SAMPLE, FIRST)
    path = tmp_path / "history.sqlite"
    _interrupted_write(source, path)
    with History(path) as history:
        assert [e.edition for e in history.editions()] == [FIRST]
        record(history, SAMPLE, SECOND)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'filler'").fetchall() == []
    db.close()


def test_a_foreign_database_with_an_interrupted_write_is_left_as_it_was(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite"
    _foreign(source)
    path = tmp_path / "history.sqlite"
    _interrupted_write(source, path)
    journal = path.with_name(path.name + "-journal")
    data, journal_data = path.read_bytes(), journal.read_bytes()
    with pytest.raises(HistoryError, match=re.escape(NOT_OURS)):
        History(path)
    assert path.read_bytes() == data and journal.read_bytes() == journal_data


# -- the scenario, end to end -----------------------------------------------------------------------


class _SectionText(HTMLParser):
    """The text inside the element with id="changes"."""

    VOID: ClassVar[frozenset[str]] = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.found = False
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == "changes":
            self.depth, self.found = 1, True

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        assert parser.found, 'the page has no element with id="changes"'
        return " ".join(" ".join(parser.parts).split())


def test_what_changed_between_two_weekly_builds(tmp_path: Path, sample_copy: Path) -> None:
    from report.build import build

    out = tmp_path / "out"
    first = run_cli("build", str(sample_copy), "-o", str(out), "--edition", "2026-06-01")
    assert first.returncode == 0, first.stderr
    assert "TOO EARLY" in first.stdout

    edit_workbook(sample_copy, follow_deepseek)
    second = run_cli("build", str(sample_copy), "-o", str(out), "--edition", "2026-06-08")
    assert second.returncode == 0, second.stderr
    assert "SPREADING" in second.stdout

    section = _SectionText.of((out / "briefing-2026-06-08.html").read_text(encoding="utf-8"))
    for text in ("DeepSeek follows Alibaba into closed weights", "Flagship weights", "Open", "Closed",
                 "TOO EARLY", "SPREADING"):
        assert text in section, (text, section)

    # Building the same edition again (in process, to read its Briefing) replaces it.
    changes = build(sample_copy, out, SECOND).briefing.changes
    assert changes.previous_edition == FIRST
    assert (changes.verdict_before, changes.verdict_after) == ("TOO EARLY", "SPREADING")
    assert RowChange("Signals", "2026-Q2 · DeepSeek follows Alibaba into closed weights · DeepSeek",
                     "added", matters="signal", weight=pytest.approx(1.2)) in changes.rows
    deepseek = next(r for r in changes.rows if (r.sheet, r.key) == ("Labs", "DeepSeek"))
    assert FieldChange("Flagship weights", "Open", "Closed") in deepseek.fields

    listing = run_cli("history", "--history", str(out / "history.sqlite"))
    assert listing.returncode == 0, listing.stderr
    lines = [line for line in listing.stdout.splitlines() if re.match(r"\d{4}-\d\d-\d\d ", line)]
    assert [line.split()[0] for line in lines] == ["2026-06-01", "2026-06-08"]
    assert "TOO EARLY" in lines[0] and "SPREADING" in lines[1]


def test_history_on_a_foreign_file_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    _foreign(path)
    data = path.read_bytes()
    result = run_cli("history", "--history", str(path))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"Error: {path} {NOT_OURS}"
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == data


# -- robustness (issue 12): rows edited by hand, SQLite's own files, a history left empty ----------------------


def hand_edit(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(statement)


# The archive and the trend read every edition's figures: a row edited by hand is a sentence, not a crash.
@pytest.mark.parametrize("statement", [
    "UPDATE editions SET figures = '[1, 2]'",
    "UPDATE editions SET figures = '{\"followers\": \"two\"}'",
    "UPDATE editions SET figures = '{\"followers\": -1}'",
])
def test_the_archive_and_the_trend_name_a_row_they_cannot_read(sample_copy: Path, tmp_path: Path,
                                                                statement: str) -> None:
    out = tmp_path / "out"
    first = run_cli("build", str(sample_copy), "-o", str(out), "--edition", FIRST.isoformat(), "--format", "html")
    assert first.returncode == 0, first.stderr
    history = out / "history.sqlite"
    hand_edit(history, statement)
    archived = run_cli("archive", str(tmp_path / "site"), "--history", str(history))
    built = run_cli("build", str(sample_copy), "-o", str(out), "--edition", SECOND.isoformat(), "--format", "html")
    for result in (archived, built):
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"Error: {history} has a row in its editions table that cannot be read "
                                        "(id 1: "), result.stderr
        assert result.stderr.rstrip().endswith("restore the file from a backup, or give --history another path.")


# The next build reads the latest earlier edition: a row it must read and cannot is refused (exit 2), never
# guessed at; a row it does not need (no date to order it by) leaves the build alone.
# `history` lists dates, verdicts and scores only (the figures are read by the next build).
@pytest.mark.parametrize(("statement", "history_code", "build_code"), [
    ("UPDATE editions SET edition = '2026-00-00'", 2, 2),
    ("UPDATE editions SET score = 'lots'", 2, 2),
    ("UPDATE editions SET figures = '[1, 2]'", 0, 2),
    ("UPDATE editions SET edition = NULL", 2, 0),
])
def test_a_history_row_that_does_not_parse_is_a_sentence_naming_the_file(
        sample_copy: Path, tmp_path: Path, statement: str, history_code: int, build_code: int) -> None:
    out = tmp_path / "out"
    first = run_cli("build", str(sample_copy), "-o", str(out), "--edition", FIRST.isoformat(), "--format", "html")
    assert first.returncode == 0, first.stderr
    history = out / "history.sqlite"
    hand_edit(history, statement)
    listed = run_cli("history", "--history", str(history))
    built = run_cli("build", str(sample_copy), "-o", str(out), "--edition", SECOND.isoformat(), "--format", "html")
    assert (listed.returncode, built.returncode) == (history_code, build_code), listed.stderr + built.stderr
    for result in (r for r in (listed, built) if r.returncode):
        assert "unexpected problem" not in result.stderr and "Traceback" not in result.stderr
        line = result.stderr.splitlines()[0]
        assert line.startswith(f"Error: {history} has a row in its editions table that cannot be read"), line
        assert line.endswith("restore the file from a backup, or give --history another path.")


def test_a_folder_named_like_the_sqlite_journal_is_called_what_it_is(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", str(sample_copy), "-o", str(out), "--edition", FIRST.isoformat(),
                   "--format", "html").returncode == 0
    (out / "history.sqlite-journal").mkdir()
    for args in (("history", "--history", str(out / "history.sqlite")),
                 ("build", str(sample_copy), "-o", str(out), "--edition", SECOND.isoformat(), "--format", "html")):
        result = run_cli(*args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.splitlines()[0] == (
            f"Error: {out / 'history.sqlite-journal'} is a folder, where SQLite keeps the journal of "
            "history.sqlite: move that folder away and try again.")
        assert "damaged" not in result.stderr


def test_an_empty_history_does_not_block_the_next_build(sample_copy: Path, tmp_path: Path) -> None:
    """What a disk-full build used to leave behind: "is empty: build an edition first", for ever."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "history.sqlite").touch()
    result = run_cli("build", str(sample_copy), "-o", str(out), "--edition", FIRST.isoformat(), "--format", "html")
    assert result.returncode == 0, result.stderr
    with History(out / "history.sqlite", create=False) as history:
        assert [row.edition for row in history.editions()] == [FIRST]


# -- every row read is checked (issue 20 §2): a damaged one is named by its table and id ----------------------


@pytest.fixture(scope="module")
def approved_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built (email only) and approved once: a row in each of editions and approvals."""
    from report.build import build
    from report.send import approve

    out = tmp_path_factory.mktemp("approved")
    build(SAMPLE, out, FIRST, ("eml",))
    approve(out / f"briefing-{FIRST.isoformat()}.eml", "A. Editor")
    with sqlite3.connect(out / "history.sqlite") as db:
        db.execute("INSERT INTO sends (edition, sent_at, recipients, message_id) VALUES (?, ?, ?, ?)",
                   (FIRST.isoformat(), "2026-06-01T08:00:00+00:00", 2, "<x@example.com>"))
    return out


@pytest.mark.parametrize(("statement", "table"), [
    ("UPDATE approvals SET approved_at = 'not-a-date'", "approvals"),
    ("UPDATE approvals SET edition = 'not-a-date'", "approvals"),
    ("UPDATE approvals SET sha256 = 'abc'", "approvals"),
    ("UPDATE approvals SET approved_by = x'00ff'", "approvals"),
    ("UPDATE sends SET sent_at = 'yesterday'", "sends"),
    ("UPDATE sends SET recipients = -3", "sends"),
    ("UPDATE editions SET built_at = 'not-a-date'", "editions"),
    ("UPDATE editions SET sign_off_required = 7", "editions"),
])
def test_every_damaged_row_is_named_by_its_table_and_id(approved_history: Path, tmp_path: Path, statement: str,
                                                        table: str) -> None:
    from click.testing import CliRunner

    from report.cli import cli

    out = Path(shutil.copytree(approved_history, tmp_path / "out"))
    history = out / "history.sqlite"
    hand_edit(history, statement)
    eml = out / f"briefing-{FIRST.isoformat()}.eml"
    listed = ["history", "--history", str(history)]
    sent = ["send", str(eml), "--dry-run", "--smtp", "127.0.0.1:9"]
    # `history` reads every row but an edition's sign-off; a send reads the edition's sign-off, and its approvals
    # when it needs sign-off.
    commands = {"approvals": [listed, sent], "sends": [listed], "editions": [listed]}[table]
    if table == "approvals":
        hand_edit(history, "UPDATE editions SET sign_off_required = 1")
    if "sign_off_required" in statement:
        commands = [sent]
    if "SET edition" in statement:
        commands = [listed]  # a send asks for its own edition's approvals: this row is not among them
    for args in commands:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "unexpected problem" not in result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f"Error: {history} has a row in its {table} table that cannot be read (id 1: "), line
        assert line.endswith("restore the file from a backup, or give --history another path."), line
