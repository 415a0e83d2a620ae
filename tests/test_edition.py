"""Editions as of their date (SPEC §4 "As of the edition date"): what a reader of an old edition may see.

The property test at the end compares the analysis with an independent reading of SPEC §4, written
here from the spec's words and sharing no code with report/analysis.py or report/edition.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import append_row, edit_workbook, run_cli, set_cell
from hypothesis import given, settings
from hypothesis import strategies as st

from report.analysis import analyse
from report.edition import as_of
from report.model import Event, Lab, Settings, Signal, Source, Tracker

PIVOT = dt.date(2026, 4, 20)
JUNE = "2026-06-01"


def _build(workbook: Path, out: Path, edition: str, *more: str):  # type: ignore[no-untyped-def]
    return run_cli("build", str(workbook), "-o", str(out), "--edition", edition, "--format", "html", *more)


def _verdict_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("Edition "))


def _later_follower(book: openpyxl.Workbook) -> None:
    append_row(book, "Events", {"Date": dt.datetime(2026, 9, 1), "Lab": "DeepSeek", "Kind": "Closed flagship",
                                "Headline": "DeepSeek closes its flagship"})


def test_a_follower_that_closes_after_the_edition_is_not_counted_in_it(sample_copy: Path, tmp_path: Path) -> None:
    edit_workbook(sample_copy, _later_follower)
    june = _build(sample_copy, tmp_path / "june", JUNE)
    assert june.returncode == 0, june.stderr
    assert "TOO EARLY" in _verdict_line(june.stdout)
    assert "0 of 4 watched labs" in _verdict_line(june.stdout)
    page = (tmp_path / "june" / "briefing-2026-06-01.html").read_text()
    assert "DeepSeek closes its flagship" not in page, "a later event must not reach an earlier edition"
    assert ("WARNING: 1 record dated after this edition (2026-06-01) was left out (Events row 4); "
            "they count from a later edition on") in june.stderr
    september = _build(sample_copy, tmp_path / "sept", "2026-09-02")
    assert september.returncode == 0, september.stderr
    assert "SPREADING" in _verdict_line(september.stdout)
    assert "DeepSeek" in _verdict_line(september.stdout)


def test_a_pivot_lab_that_reopens_after_the_edition_had_not_reverted(sample_copy: Path, tmp_path: Path) -> None:
    edit_workbook(sample_copy, lambda book: append_row(book, "Events", {
        "Date": dt.datetime(2026, 9, 1), "Lab": "Alibaba", "Kind": "Reopened flagship",
        "Headline": "Alibaba reopens Max-Preview"}))
    assert "TOO EARLY" in _verdict_line(_build(sample_copy, tmp_path / "a", JUNE).stdout)
    later = _build(sample_copy, tmp_path / "b", "2026-09-01")
    assert "REVERTED" in _verdict_line(later.stdout)
    assert "(0 of 4 watched labs had followed)" in _verdict_line(later.stdout)


def test_a_status_since_after_the_edition_counts_the_weights_held_before(sample_copy: Path, tmp_path: Path) -> None:
    def closes_in_september(book: openpyxl.Workbook) -> None:
        set_cell(book, "Labs", "Lab", "DeepSeek", "Flagship weights", "Closed")
        set_cell(book, "Labs", "Lab", "DeepSeek", "Status since", dt.datetime(2026, 9, 1))

    edit_workbook(sample_copy, closes_in_september)
    june = _build(sample_copy, tmp_path / "june", JUNE)
    assert "TOO EARLY" in _verdict_line(june.stdout), "a lab that closed in September is no follower in June"
    assert re.search(r"WARNING Labs!\w+\d+ \(Status since\): DeepSeek's Status since 2026-09-01 is after this "
                     r"edition: the edition counts its flagship as Open", june.stderr), june.stderr
    september = _build(sample_copy, tmp_path / "sept", "2026-09-01")
    assert "SPREADING" in _verdict_line(september.stdout)


def test_a_pivot_lab_closed_again_after_the_edition_was_open_then(sample_copy: Path, tmp_path: Path) -> None:
    # Alibaba's row says Closed since October: it reopened, then closed again. In September it was Open.
    edit_workbook(sample_copy, lambda book: set_cell(book, "Labs", "Lab", "Alibaba", "Status since",
                                                     dt.datetime(2026, 10, 1)))
    assert "REVERTED" in _verdict_line(_build(sample_copy, tmp_path / "s", "2026-09-15").stdout)
    assert "TOO EARLY" in _verdict_line(_build(sample_copy, tmp_path / "o", "2026-10-02").stdout)


def test_signals_observed_or_quartered_after_the_edition_are_left_out(sample_copy: Path, tmp_path: Path) -> None:
    def later_signals(book: openpyxl.Workbook) -> None:
        for quarter, observed in (("2026-Q3", None), ("2026-Q2", dt.datetime(2026, 6, 20))):
            append_row(book, "Signals", {"Quarter": quarter, "Signal": "Strong paid traction", "Points to": "Pays",
                                         "Strength": 3, "Confidence": "Confirmed", "Observed": observed,
                                         "Source": "Seed report, 2026-05-27"})

    edit_workbook(sample_copy, later_signals)
    june = _build(sample_copy, tmp_path / "june", JUNE)
    assert "TOO EARLY" in _verdict_line(june.stdout), "two Confirmed strength-3 signals would make it +5.4"
    assert _recorded_score(tmp_path / "june") == -0.6
    assert "2 records dated after this edition (2026-06-01) were left out (Signals rows 7, 8)" in june.stderr
    page = (tmp_path / "june" / "briefing-2026-06-01.html").read_text()
    assert "Strong paid traction" not in page
    july = _build(sample_copy, tmp_path / "july", "2026-07-01")
    assert "LEANING PAYS" in _verdict_line(july.stdout)
    assert _recorded_score(tmp_path / "july") == 5.4


def _recorded_score(out: Path) -> float:
    """The score the history recorded for the one edition built into `out`."""
    from report import api

    [row] = api.history(out / "history.sqlite").editions
    return round(row.score, 6)


def test_an_edition_on_the_pivot_date_is_day_zero(sample_path: Path, tmp_path: Path) -> None:
    result = _build(sample_path, tmp_path, "2026-04-20")
    assert result.returncode == 0, result.stderr
    line = _verdict_line(result.stdout)
    assert "on the day of the pivot" in line
    assert "-" not in line.split("—", 1)[1].split("score")[0], "no negative day counts"


def test_an_edition_before_the_pivot_is_refused_with_one_sentence(sample_path: Path, tmp_path: Path) -> None:
    for command in (["build", str(sample_path), "-o", str(tmp_path), "--edition", "1999-01-01"],
                    ["check", str(sample_path), "--edition", "2026-04-19"]):
        result = run_cli(*command)
        assert result.returncode == 2
        first = result.stderr.splitlines()[0]
        assert "is before the pivot date 2026-04-20" in first and "choose a date on or after it" in first
        assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir()), "nothing is written"


def test_an_edition_date_setting_before_the_pivot_is_an_error_at_its_cell(sample_copy: Path, tmp_path: Path) -> None:
    edit_workbook(sample_copy, lambda book: set_cell(book, "Settings", "Setting", "Edition date", "Value",
                                                     dt.datetime(2026, 3, 1)))
    result = run_cli("check", str(sample_copy), "--json")
    assert result.returncode == 1
    [finding] = [f for f in json.loads(result.stdout) if f["level"] == "error"]
    assert (finding["code"], finding["sheet"], finding["column"]) == ("edition-before-pivot", "Settings",
                                                                       "Edition date")
    assert re.fullmatch(r"B\d+", finding["cell"])
    built = run_cli("build", str(sample_copy), "-o", str(tmp_path / "out"))
    assert built.returncode == 1
    assert not (tmp_path / "out").exists()


def test_an_edition_after_today_is_allowed_with_a_warning(sample_path: Path, tmp_path: Path) -> None:
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    result = _build(sample_path, tmp_path, future)
    assert result.returncode == 0, result.stderr
    assert f"WARNING: the edition {future} is after today" in result.stderr


def test_stale_evidence_is_said_in_the_headline(sample_path: Path, tmp_path: Path) -> None:
    # The sample's signals were observed on 2026-05-27; by 2026-07-01 that is 35 days, over its 28.
    line = _verdict_line(_build(sample_path, tmp_path, "2026-07-01").stdout)
    assert "The newest evidence is 35 days old" in line
    assert "newest evidence" not in _verdict_line(_build(sample_path, tmp_path / "j", JUNE).stdout)


def test_no_watched_lab_says_nothing_is_watched_yet(sample_copy: Path, tmp_path: Path) -> None:
    def nobody_watched(book: openpyxl.Workbook) -> None:
        for name in ("DeepSeek", "Moonshot Kimi", "Ant Group", "Zhipu"):
            set_cell(book, "Labs", "Lab", name, "Watch", "No")

    edit_workbook(sample_copy, nobody_watched)
    line = _verdict_line(_build(sample_copy, tmp_path, JUNE).stdout)
    assert "Nothing is being watched yet" in line
    assert "0 of 0" not in line


def _finding_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("WARNING", "ERROR"))]


@pytest.mark.parametrize("edition", [JUNE, "2026-09-30"])
def test_check_and_build_report_the_same_findings(sample_copy: Path, tmp_path: Path, edition: str) -> None:
    edit_workbook(sample_copy, _later_follower)
    checked = run_cli("check", str(sample_copy), "--edition", edition)
    built = _build(sample_copy, tmp_path, edition)
    assert checked.returncode == 0 and built.returncode == 0, built.stderr
    lines = _finding_lines(checked.stdout)
    assert lines, "this workbook has edition findings (a later event, or stale signals)"
    assert _finding_lines(built.stderr) == lines
    if edition != JUNE:
        assert sum("(Observed): " in line and "was observed" in line for line in lines) == 5


def test_an_old_edition_rebuilt_from_a_later_workbook_is_the_same(sample_copy: Path, tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"

    def rows(edition: str) -> tuple[object, ...]:
        with sqlite3.connect(history) as db:
            row = db.execute("SELECT state, score, figures, snapshot FROM editions WHERE edition = ?",
                             (edition,)).fetchone()
        return tuple(row)

    edit_workbook(sample_copy, lambda book: append_row(book, "Events", {
        "Date": dt.datetime(2026, 6, 5), "Lab": "Zhipu", "Kind": "Open-weight release",
        "Headline": "Zhipu releases an open-weight model"}))
    assert _build(sample_copy, tmp_path / "a", JUNE, "--history", str(history)).returncode == 0
    first = _build(sample_copy, tmp_path / "b", "2026-06-08", "--history", str(history))
    assert first.returncode == 0, first.stderr
    recorded = rows("2026-06-08")
    page = (tmp_path / "b" / "briefing-2026-06-08.html").read_text()

    def later_news(book: openpyxl.Workbook) -> None:
        _later_follower(book)
        append_row(book, "Signals", {"Quarter": "2026-Q3", "Signal": "Q3 revenue beats", "Points to": "Pays",
                                     "Strength": 3, "Confidence": "Confirmed", "Source": "Seed report, 2026-05-27"})
        set_cell(book, "Labs", "Lab", "Moonshot Kimi", "Flagship weights", "Closed")
        set_cell(book, "Labs", "Lab", "Moonshot Kimi", "Status since", dt.datetime(2026, 10, 1))

    edit_workbook(sample_copy, later_news)
    again = _build(sample_copy, tmp_path / "c", "2026-06-08", "--history", str(history))
    assert again.returncode == 0, again.stderr
    assert _verdict_line(again.stdout) == _verdict_line(first.stdout)
    assert rows("2026-06-08") == recorded, "verdict, score, figures and snapshot as when first built"
    rebuilt = (tmp_path / "c" / "briefing-2026-06-08.html").read_text()
    assert "Zhipu releases an open-weight model" in rebuilt  # what changed since 1 June, as before
    assert "Q3 revenue beats" not in rebuilt and "DeepSeek closes its flagship" not in rebuilt
    assert _changes_section(rebuilt) == _changes_section(page)


def _changes_section(page: str) -> str:
    match = re.search(r'<section[^>]*id="changes".*?</section>', page, re.DOTALL)
    assert match, "the page has a What changed section"
    return match.group(0)


# -- an independent reading of SPEC §4 ------------------------------------------------------------

LABS = ("Alibaba", "DeepSeek", "Moonshot", "Zhipu")
FACTOR = {"Confirmed": 1.0, "Reported": 0.6, "Rumoured": 0.3}
SIGN = {"Pays": 1, "Reverts": -1, "Neutral": 0}
days_around = st.integers(-120, 400).map(lambda n: PIVOT + dt.timedelta(days=n))
quarters = st.tuples(st.integers(2025, 2027), st.integers(1, 4))


def spec_reading(labs: list[Lab], events: list[Event], signals: list[Signal], edition: dt.date,
                 margin: float) -> tuple[str, float, list[str], int]:
    """(state, score, followers, days since the pivot), straight from the words of SPEC §4."""

    def weights_then(lab: Lab) -> tuple[str, dt.date | None]:
        if lab.status_since is not None and lab.status_since > edition:
            return ("Closed" if lab.flagship_weights == "Open" else "Open"), None
        return lab.flagship_weights, lab.status_since

    known_events = [e for e in events if e.date <= edition]
    follower_names = []
    for lab in labs:
        if lab.lab == "Alibaba" or lab.watch != "Yes":
            continue
        weights, since = weights_then(lab)
        closing = any(e.lab == lab.lab and e.kind == "Closed flagship" and e.date > PIVOT for e in known_events)
        if closing or (weights == "Closed" and since is not None and since > PIVOT):
            follower_names.append(lab.lab)
    pivot_lab = next(lab for lab in labs if lab.lab == "Alibaba")
    reverted = weights_then(pivot_lab)[0] == "Open" or any(
        e.lab == "Alibaba" and e.kind == "Reopened flagship" and e.date > PIVOT for e in known_events)
    total = 0.0
    for s in signals:
        year, number = s.quarter
        begins = dt.date(year, 3 * number - 2, 1)
        if begins > edition or (s.observed is not None and s.observed > edition):
            continue
        if s.quarter >= (2026, 2):  # the pivot's quarter or later
            total += SIGN[s.points_to] * s.strength * FACTOR[s.confidence]
    if reverted:
        verdict = "REVERTED"
    elif follower_names:
        verdict = "SPREADING"
    elif total >= margin - 1e-9:
        verdict = "LEANING PAYS"
    elif total <= -margin + 1e-9:
        verdict = "LEANING REVERTS"
    else:
        verdict = "TOO EARLY"
    return verdict, total, follower_names, (edition - PIVOT).days


lab_rows = st.tuples(st.sampled_from(["Open", "Closed"]), st.one_of(st.none(), days_around),
                     st.sampled_from(["Yes", "No"]))
event_rows = st.tuples(days_around, st.sampled_from(LABS),
                       st.sampled_from(["Closed flagship", "Reopened flagship", "Open-weight release", "Other"]))
signal_rows = st.tuples(quarters, st.sampled_from(list(SIGN)), st.integers(1, 3), st.sampled_from(list(FACTOR)),
                        st.one_of(st.none(), days_around))


@settings(max_examples=300, deadline=None)
@given(st.lists(lab_rows, min_size=4, max_size=4), st.lists(event_rows, max_size=8),
       st.lists(signal_rows, max_size=12), st.integers(0, 500).map(lambda n: PIVOT + dt.timedelta(days=n)),
       st.sampled_from([1.0, 2.0, 3.5]))
def test_the_analysis_agrees_with_an_independent_reading_of_the_spec(
        lab_specs: list[tuple[str, dt.date | None, str]], event_specs: list[tuple[dt.date, str, str]],
        signal_specs: list[tuple[tuple[int, int], str, int, str, dt.date | None]], edition: dt.date,
        margin: float) -> None:
    labs = [Lab(i + 2, name, None, None, None, weights, None, None, None, since, watch, None, None)
            for i, (name, (weights, since, watch)) in enumerate(zip(LABS, lab_specs, strict=True))]
    events = [Event(i + 2, day, lab, kind, f"Event {i}", None, "Seed", None)
              for i, (day, lab, kind) in enumerate(event_specs)]
    signals = [Signal(i + 2, quarter, f"Signal {i}", None, None, None, points, strength, confidence, observed,
                      "Seed", None)
               for i, (quarter, points, strength, confidence, observed) in enumerate(signal_specs)]
    tracker = Tracker(Settings("T", None, None, "Alibaba", "Qwen", PIVOT, 28.0, margin, (), None, None),
                      tuple(labs), tuple(events), tuple(signals), (), (Source(2, "Seed", None, None, None),))
    briefing = analyse(as_of(tracker, edition))
    verdict, total, followers, days = spec_reading(labs, events, signals, edition, margin)
    assert briefing.verdict.state == verdict
    assert briefing.verdict.score == pytest.approx(total, abs=1e-9)
    assert list(briefing.verdict.followers) == followers
    assert briefing.masthead.days_since_pivot == days
    assert all(item.date <= edition for item in briefing.timeline)
    assert all(row.observed is None or row.observed <= edition for row in briefing.signals)
