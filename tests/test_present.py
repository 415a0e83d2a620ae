"""The presentation step: every display decision, made once (dates, quarter dues, limits, sentences, subject)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import EDITION
from hypothesis import given
from hypothesis import strategies as st

from report.briefing import (
    Briefing,
    Changes,
    Fact,
    FieldChange,
    FigureMove,
    HealthItem,
    HealthSummary,
    LeftOut,
    Link,
    RowChange,
    TimelineItem,
    WatchItem,
)
from report.model import QuarterEnd
from report.present import Limits, present
from report.present.rows import more_note
from report.present.words import as_day, days_text, due_day, fact_sentence, house_date, weight_text
from report.values import parse_due

NBSP = "\u00a0"


# Dates


def test_house_date_holds_together() -> None:
    assert house_date(dt.date(2026, 6, 1)) == f"1{NBSP}Jun{NBSP}2026"
    assert house_date(dt.date(2026, 12, 31)) == f"31{NBSP}Dec{NBSP}2026"
    day = as_day(dt.date(2026, 4, 20))
    assert day is not None and day.iso == "2026-04-20" and str(day) == f"20{NBSP}Apr{NBSP}2026"
    assert as_day(None) is None


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
def test_no_date_can_break_at_a_space_or_hyphen(day: dt.date) -> None:
    text = house_date(day)
    assert " " not in text and "-" not in text
    assert dt.datetime.strptime(text.replace(NBSP, " "), "%d %b %Y").date() == day


def test_a_quarter_due_reads_as_a_quarter() -> None:
    due = parse_due("2026-Q4")
    assert isinstance(due, QuarterEnd) and due == dt.date(2026, 12, 31)
    assert due_day(due).text == "by end of 2026-Q4"
    assert due_day(due).iso == "2026-12-31"
    assert parse_due("Q3 2026") == dt.date(2026, 9, 30) and due_day(parse_due("Q3 2026")).text == "by end of 2026-Q3"
    # A day the editor typed stays a day, even the last of a quarter.
    typed = parse_due("2026-12-31")
    assert not isinstance(typed, QuarterEnd)
    assert due_day(typed).text == f"31{NBSP}Dec{NBSP}2026"
    assert due_day(dt.date(2026, 12, 31)).text == f"31{NBSP}Dec{NBSP}2026"


def test_sample_quarter_dues_on_every_surface(sample_briefing: Briefing) -> None:
    p = present(sample_briefing)
    assert [w.due.text for w in p.watchlist.all] == ["by end of 2026-Q4"] * 2
    assert p.figures[3].note == "Alibaba Cloud's Q3 2026 AI revenue disclosures, by end of 2026-Q4"
    assert p.figures[3].value == "in 213 days"


def test_the_verdict_facts_are_worded_here_with_house_dates(sample_briefing: Briefing) -> None:
    facts = present(sample_briefing).verdict.facts
    assert facts == (f"No watched lab has closed its flagship since the pivot on 20{NBSP}Apr{NBSP}2026 (0 of 4).",)
    day = dt.date(2026, 7, 16)
    assert [fact_sentence(f) for f in (
        Fact("followed", "Moonshot Kimi", day, "Moonshot Kimi closes its flagship"),
        Fact("reopened", "Alibaba", day, "Alibaba reopens Max-Preview."),
        Fact("closed-since", "Zhipu", day), Fact("open-weights", "Alibaba"), Fact("none-watched"),
        Fact("stale", date=day, count=40))] == [
        f"Moonshot Kimi closed its flagship on 16{NBSP}Jul{NBSP}2026: Moonshot Kimi closes its flagship.",
        f"Alibaba reopened its flagship on 16{NBSP}Jul{NBSP}2026: Alibaba reopens Max-Preview.",
        f"Zhipu's flagship weights are Closed since 16{NBSP}Jul{NBSP}2026.",
        "Alibaba's flagship weights are Open.",
        "No lab other than the pivot lab is watched as a possible follower, so no follower can be counted yet.",
        f"The newest counted signal was observed on 16{NBSP}Jul{NBSP}2026, 40 days before this edition.",
    ]


def test_days_and_weights_in_words() -> None:
    assert [days_text(n) for n in (0, 1, 12, -1, -3, None)] == [
        "today", "in 1 day", "in 12 days", "1 day overdue", "3 days overdue", "–"]
    assert weight_text(1.2) == "+1.20 pays"
    assert weight_text(-0.6) == "\u22120.60 reverts"
    assert weight_text(0.0) == "0.00"
    assert weight_text(0.6, counted=False) == "not counted"


# Row limits and their notes


def _events(count: int) -> tuple[TimelineItem, ...]:
    start = dt.date(2026, 4, 20)
    return tuple(TimelineItem(start + dt.timedelta(days=n), "Lab", "Other", f"Event {n}", None, None, n == 0)
                 for n in range(count))


def test_limits_cut_the_page_and_email_lists_with_a_note(sample_briefing: Briefing) -> None:
    signals = tuple(dataclasses.replace(sample_briefing.latest_signals[0], signal=f"Signal {n}", weight=1.0 - n / 100)
                    for n in range(30))
    briefing = dataclasses.replace(sample_briefing, latest_signals=signals, timeline=_events(25))
    p = present(briefing, Limits(signals=10, timeline=5))
    assert len(p.evidence.latest.all) == 30 and len(p.evidence.latest.shown) == 10
    assert [s.signal for s in p.evidence.latest.shown] == [f"Signal {n}" for n in range(10)]  # largest first
    # The page has no attachment: its notes name the workbook edition; the email's the attached workbook.
    assert p.evidence.latest.more == "20 more in the workbook edition"
    assert p.for_email(Limits(signals=10, timeline=5)).evidence.latest.more == "20 more in the attached workbook"
    # The timeline keeps the pivot and the latest events, oldest first.
    assert [e.headline for e in p.timeline.shown] == ["Event 0", "Event 21", "Event 22", "Event 23", "Event 24"]
    assert p.timeline.more == "20 more in the workbook edition"
    assert len(p.timeline.all) == 25  # the xlsx keeps every row
    # Under the limit: everything, and no note.
    small = present(sample_briefing)
    assert small.evidence.latest.shown == small.evidence.latest.all and small.evidence.latest.more is None
    assert more_note(0) is None and more_note(1) == "1 more in the attached workbook"
    assert more_note(1234) == "1,234 more in the attached workbook"


def test_watchlist_cut_keeps_what_is_ahead(sample_briefing: Briefing) -> None:
    done = tuple(WatchItem(dt.date(2026, 5, n), f"Done {n}", None, "Happened", None, n - 32, False, False)
                 for n in range(1, 6))
    ahead = (WatchItem(dt.date(2026, 5, 30), "Late", None, "Upcoming", None, -2, True, False),
             WatchItem(dt.date(2026, 6, 5), "Soon", None, "Upcoming", None, 4, False, True))
    p = present(dataclasses.replace(sample_briefing, watchlist=done + ahead), Limits(watchlist=3))
    assert [w.milestone for w in p.watchlist.shown] == ["Done 1", "Late", "Soon"]
    assert [w.key for w in p.watchlist.shown] == ["done", "overdue", "soon"]
    assert [w.attention for w in p.watchlist.shown] == [None, "Overdue", "Due soon"]
    assert p.watchlist.more == "4 more in the workbook edition"


def test_health_items_limited_for_the_xlsx_all(sample_briefing: Briefing) -> None:
    items = tuple(HealthItem("no-source", f"Labs row {n}", "x") for n in range(15))
    p = present(dataclasses.replace(sample_briefing, health=items), Limits(health=4))
    assert len(p.health.items.all) == 15 and len(p.health.items.shown) == 4
    assert p.health.items.more == "11 more in the workbook edition"
    assert p.health.items.shown[0].label == "No source"


# Empty sections: one sentence each


def test_every_empty_section_has_one_sentence(sample_briefing: Briefing) -> None:
    empty = dataclasses.replace(sample_briefing, labs=(), quarters=(), latest_quarter=None, latest_signals=(),
                                signals=(), timeline=(), watchlist=(), sources=(), health=())
    p = present(empty)
    said = {
        "reasons": p.verdict.no_signals, "changes": p.changes.rows.empty, "labs": p.labs.empty,
        "evidence": p.evidence.empty, "signals": p.evidence.latest.empty, "timeline": p.timeline.empty,
        "watchlist": p.watchlist.empty, "health": p.health.empty, "sources": p.sources.empty,
    }
    assert said == {
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
    assert len(set(said.values())) == len(said)  # no two sections share a sentence
    assert p.labs.rows == () and p.labs.columns == () and p.evidence.latest_heading is None


def test_lab_columns_empty_in_every_row_are_hidden(sample_briefing: Briefing) -> None:
    p = present(sample_briefing)
    # The sample names no flagship licence: that column goes; the others have at least one value.
    assert [key for key, _ in p.labs.columns] == ["flagship", "since", "mid_scale", "source"]
    bare = dataclasses.replace(sample_briefing, labs=tuple(
        dataclasses.replace(lab, flagship_model=None, flagship_scale=None, since=None, mid_scale_model=None,
                            mid_scale_licence=None, licence=None, source=None) for lab in sample_briefing.labs))
    assert present(bare).labs.columns == ()
    assert [lab.role for lab in p.labs.rows] == ["Pivot lab", "Watched", "Watched", "Watched", "Watched"]


def test_the_notes_quote_the_rules_in_force(sample_briefing: Briefing) -> None:
    # The soon-due window (analysis.SOON_DAYS) and the call margin, as the xlsx's notes and the caption say them.
    p = present(sample_briefing)
    assert p.notes is not None
    assert p.notes.watchlist == ("Days left from the edition date; negative means past due. Overdue and due within "
                                 "14 days stand out.")
    assert p.notes.evidence.endswith("Net = pays \u2212 reverts. The verdict leans one way once the score passes "
                                     "\u00b12.0.")
    assert p.evidence.caption.endswith("down; the verdict leans one way once the score passes \u00b12.0.")
    assert p.trend is not None and p.trend.caption == (
        "The score of each edition against the \u00b12.0 call margin (shaded: the verdict does not lean), and the "
        "followers below. Only editions dated before this one count.")


# What changed


def _changes(**kwargs: object) -> Changes:
    return Changes(previous_edition=dt.date(2026, 5, 25), **kwargs)  # type: ignore[arg-type]


def test_first_edition_and_nothing_changed(sample_briefing: Briefing) -> None:
    assert present(sample_briefing).changes.note == "First edition: no earlier briefing to compare."
    same = dataclasses.replace(sample_briefing, changes=_changes(verdict_before="TOO EARLY", verdict_after="TOO EARLY",
                                                                 score_before=-0.6, score_after=-0.6))
    view = present(same).changes
    assert view.note == f"Nothing changed since the edition of 25{NBSP}May{NBSP}2026." and view.lines == ()


@pytest.mark.parametrize("before, after, verdict_changed", [
    (-1.2, -0.6, False), (-0.6, 1.2, True), (0.0, 2.4, True), (3.0, 2.994, False),
])
def test_the_score_move_is_always_a_line_when_it_moved(sample_briefing: Briefing, before: float, after: float,
                                                       verdict_changed: bool) -> None:
    changes = _changes(verdict_before="TOO EARLY", verdict_after="SPREADING" if verdict_changed else "TOO EARLY",
                       score_before=before, score_after=after)
    lines = present(dataclasses.replace(sample_briefing, changes=changes)).changes.lines
    score = [line for line in lines if line.kind == "score"]
    assert len(score) == 1
    assert score[0].before_after == {
        -1.2: "\u22121.20 \u2192 \u22120.60", -0.6: "\u22120.60 \u2192 +1.20", 0.0: "0.00 \u2192 +2.40",
        3.0: "+3.00 \u2192 +2.99"}[before]
    assert [line.kind for line in lines][:1] == (["verdict"] if verdict_changed else ["score"])


def test_a_score_that_did_not_move_to_two_places_is_no_line(sample_briefing: Briefing) -> None:
    changes = _changes(verdict_before="TOO EARLY", verdict_after="TOO EARLY", score_before=-0.6,
                       score_after=-0.6000000001)
    assert present(dataclasses.replace(sample_briefing, changes=changes)).changes.lines == ()


def test_change_lines_label_what_before_after(sample_briefing: Briefing) -> None:
    changes = _changes(
        rows=(RowChange("Signals", "2026-Q2 · Old", "removed"),
              RowChange("Labs", "DeepSeek", "changed", (FieldChange("Flagship weights", "Open", "Closed"),
                                                        FieldChange("Status since", "", "2026-05-10"))),
              RowChange("Events", "2026-05-10 · DeepSeek", "added")),
        verdict_before="TOO EARLY", verdict_after="SPREADING", score_before=-0.6, score_after=-0.6,
        figures=(FigureMove("followers", (0, 4), (1, 4)),
                 FigureMove("next_milestone", ("Q3", "2026-09-30"), (None, None))))
    view = present(dataclasses.replace(sample_briefing, changes=changes)).changes
    assert view.note == f"Compared with the edition of 25{NBSP}May{NBSP}2026."
    assert [(line.label, line.what, line.before_after) for line in view.lines] == [
        ("Verdict", "changed", "TOO EARLY \u2192 SPREADING"),
        ("Key figure", "Followers", "0 of 4 \u2192 1 of 4"),
        ("Key figure", "Next milestone", f"Q3, due 30{NBSP}Sep{NBSP}2026 \u2192 none"),
        ("Added", "Events: 2026-05-10 · DeepSeek", None),
        ("Changed", "Labs: DeepSeek",
         f"Flagship weights: Open \u2192 Closed\nStatus since: (blank) \u2192 10{NBSP}May{NBSP}2026"),
        ("Removed", "Signals: 2026-Q2 · Old", None),
    ]


# Data health and what was left out


def test_health_sentences_for_readers(sample_briefing: Briefing) -> None:
    # One summary for readers in every output: how much evidence is stale or unsourced, and what that means;
    # no cell and nothing for the desk to do.
    assert present(sample_briefing).health.sentences == (
        f"All 5 counted signals are fresh: none was observed more than 28 days ago, the newest on 27{NBSP}May{NBSP}2026.",
        "Every signal names its source.")
    summary = HealthSummary(counted_signals=5, stale_signals=3, stale_after_days=28.0,
                            newest_observed=dt.date(2026, 5, 27), missing_sources=2, other_warnings=1)
    p = present(dataclasses.replace(sample_briefing, health_summary=summary))
    assert p.health.sentences == (
        (f"3 of 5 counted signals were observed more than 28 days ago (the newest on 27{NBSP}May{NBSP}2026): they "
        "still count, alongside 2 fresher signals."),
        "2 signals name no source, so readers cannot follow them up; they count towards the score all the same.",
        ("The desk's check raised 1 other warning about the workbook; the figures above count the workbook as it "
        "stands."),
    )
    one = HealthSummary(1, 1, 14.0, None, 0, 0)
    assert present(dataclasses.replace(sample_briefing, health_summary=one)).health.sentences == (
        "1 of 1 counted signal was observed more than 14 days ago, so the verdict rests on old evidence only.",
        "Every signal names its source.")
    none = HealthSummary(0, 0, 28.0, None, 0, 0)
    assert present(dataclasses.replace(sample_briefing, health_summary=none)).health.sentences == (
        ("There is no evidence yet: no signal counts towards the score. Nothing can be stale or unsourced until a "
        "signal counts."),)


def test_left_out_said_once(sample_briefing: Briefing) -> None:
    assert present(sample_briefing).health.left_out is None
    p = present(dataclasses.replace(sample_briefing, left_out=LeftOut(events=1, signals=1)))
    assert p.health.left_out == "2 records dated after this edition were left out."
    one = present(dataclasses.replace(sample_briefing, left_out=LeftOut(signals=1, labs_as_before=("Zhipu",))))
    assert one.health.left_out == ("1 record dated after this edition was left out. "
                                   "Counted with the weights they had before a later change: Zhipu.")


# The email's subject and preheader


def test_subject_verdict_first_and_short(sample_briefing: Briefing) -> None:
    p = present(sample_briefing)
    assert p.subject == "TOO EARLY: 0 of 4 labs follow Alibaba · Bifurcation briefing 1 Jun"
    assert p.preheader.startswith("Score \u22120.60 (the call needs \u00b12.0); 42 days since the pivot")
    assert "TOO EARLY" not in p.preheader  # it adds what the subject does not say
    spreading = dataclasses.replace(sample_briefing, verdict=dataclasses.replace(
        sample_briefing.verdict, state="SPREADING", followers=("DeepSeek",)))
    assert present(spreading).subject.startswith("SPREADING: 1 of 4 labs follow Alibaba")
    assert "followed by DeepSeek" in present(spreading).preheader
    reverted = dataclasses.replace(sample_briefing, verdict=dataclasses.replace(sample_briefing.verdict,
                                                                                  state="REVERTED"))
    assert present(reverted).subject.startswith("REVERTED: Alibaba reopened its flagship")
    nobody = dataclasses.replace(sample_briefing, verdict=dataclasses.replace(sample_briefing.verdict, watched=0))
    assert "0 of 0" not in present(nobody).subject and "no lab is watched yet" in present(nobody).subject


@given(st.text(min_size=1, max_size=200), st.text(min_size=1, max_size=120))
def test_subject_always_under_80_on_one_line(title: str, lab: str) -> None:
    from conftest import SAMPLE

    from report.analysis import analyse
    from report.check import check_file
    from report.edition import as_of

    global _SAMPLE
    if _SAMPLE is None:
        result = check_file(SAMPLE, today=EDITION)
        assert result.tracker is not None
        _SAMPLE = analyse(as_of(result.tracker, EDITION), result.findings)
    briefing = dataclasses.replace(_SAMPLE, masthead=dataclasses.replace(_SAMPLE.masthead, title=title, pivot_lab=lab))
    subject = present(briefing).subject
    assert len(subject) < 80
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("TOO EARLY: ")
    assert subject.endswith("1 Jun")


_SAMPLE: Briefing | None = None


def test_the_page_names_its_workbook_and_the_email_its_attachment(sample_briefing: Briefing) -> None:
    """A web page has no attachment: its notes name the workbook edition, a link only when it sits beside it."""
    page = present(sample_briefing)
    assert page.workbook == Link("briefing-2026-06-01.xlsx", "briefing-2026-06-01.xlsx")
    assert page.closing == "Every row of every list is in the workbook edition:"
    alone = present(sample_briefing, workbook_beside=False)  # report build --format html
    assert alone.workbook == Link("briefing-2026-06-01.xlsx", None)
    mail = page.for_email(Limits())
    assert mail.closing == "The workbook behind this edition is attached as briefing-2026-06-01.xlsx."
    assert mail.sources.more == "3 more on file that no row cites"
    assert [s.name for s in mail.sources.shown] == ["Seed report, 2026-05-27"]
