"""The verdict rules of SPEC §4 and the briefing's figures, on trackers built in code."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from report.analysis import analyse, safe_url, state
from report.briefing import Fact
from report.edition import as_of
from report.model import Event, Lab, Milestone, Settings, Signal, Source, Tracker
from report.present.words import headline

PIVOT = dt.date(2026, 4, 20)
EDITION = dt.date(2026, 6, 1)


def lab(name: str, weights: str = "Open", watch: str = "Yes", since: dt.date | None = None, row: int = 2) -> Lab:
    return Lab(row, name, "China", None, None, weights, None, None, None, since, watch, None, None)


def event(day: dt.date, lab_name: str, kind: str, headline: str = "Something happened", row: int = 2) -> Event:
    return Event(row, day, lab_name, kind, headline, None, None, None)


def signal(points: str, strength: int = 1, confidence: str = "Reported", quarter: tuple[int, int] = (2026, 2),
           name: str = "A signal", observed: dt.date | None = None, row: int = 2) -> Signal:
    return Signal(row, quarter, name, None, None, None, points, strength, confidence, observed, "Seed", None)


def tracker(labs: list[Lab] | None = None, events: list[Event] | None = None, signals: list[Signal] | None = None,
            milestones: list[Milestone] | None = None, margin: float = 2.0) -> Tracker:
    settings = Settings("The bifurcation briefing", None, None, "Alibaba", "Qwen 3.6 Max-Preview", PIVOT, 28.0,
                        margin, (), None, None)
    if labs is None:
        labs = [lab("Alibaba", "Closed", "No", PIVOT), lab("DeepSeek"), lab("Moonshot Kimi"), lab("Ant Group"),
                lab("Zhipu")]
    return Tracker(settings, tuple(labs), tuple(events or ()), tuple(signals or ()), tuple(milestones or ()),
                   (Source(2, "Seed", None, None, None),))


def test_sample_verdict_is_too_early_with_the_arithmetic_shown(sample_briefing) -> None:  # type: ignore[no-untyped-def]
    # The sample's counted signals (2026-Q2, all Reported = 0.6):
    # Pays 2 × 0.6 = 1.2; Reverts 3 × (1 × 0.6) = 1.8; Neutral counts 0. Score 1.2 − 1.8 = −0.6.
    verdict = sample_briefing.verdict
    assert verdict.pays == pytest.approx(1.2)
    assert verdict.reverts == pytest.approx(1.8)
    assert verdict.score == pytest.approx(-0.6)
    assert abs(verdict.score) < verdict.margin == 2.0
    assert verdict.state == "TOO EARLY"
    assert "0 of 4 watched labs" in headline(sample_briefing)
    assert "42 days" in headline(sample_briefing)
    assert "watched, not imitated" in headline(sample_briefing)
    assert sample_briefing.masthead.days_since_pivot == 42
    assert sample_briefing.masthead.week_label == "2026-W23"
    # Facts as data (report/present/ words them), then the signals that moved the score, largest first.
    assert verdict.facts == (Fact("none-followed", date=PIVOT, count=4),)
    assert [r.weight for r in verdict.reasons] == [pytest.approx(1.2)] + [pytest.approx(-0.6)] * 3
    assert verdict.counted == 5


def test_no_followers_headline_counts_watched_labs_and_days() -> None:
    briefing = analyse(as_of(tracker(), EDITION))
    assert briefing.verdict.state == "TOO EARLY"
    assert "0 of 4 watched labs" in headline(briefing)
    assert "42 days" in headline(briefing)


@pytest.mark.parametrize(
    ("day", "follows"),
    [(PIVOT - dt.timedelta(days=1), False), (PIVOT, False), (PIVOT + dt.timedelta(days=1), True)],
    ids=["before", "on", "after"],
)
def test_a_closed_flagship_event_makes_a_follower_only_after_the_pivot(day: dt.date, follows: bool) -> None:
    briefing = analyse(as_of(tracker(events=[event(day, "DeepSeek", "Closed flagship", "DeepSeek closes V5")]), EDITION))
    assert briefing.verdict.followers == (("DeepSeek",) if follows else ())
    assert briefing.verdict.state == ("SPREADING" if follows else "TOO EARLY")
    if follows:
        assert "DeepSeek" in headline(briefing)
        assert "1 of 4" in headline(briefing)


@pytest.mark.parametrize(
    ("since", "follows"),
    [(PIVOT - dt.timedelta(days=1), False), (PIVOT, False), (PIVOT + dt.timedelta(days=1), True), (None, False)],
    ids=["before", "on", "after", "no date"],
)
def test_a_closed_labs_row_makes_a_follower_only_when_closed_after_the_pivot(since: dt.date | None,
                                                                           follows: bool) -> None:
    labs = [lab("Alibaba", "Closed", "No", PIVOT), lab("DeepSeek", "Closed", since=since), lab("Zhipu")]
    briefing = analyse(as_of(tracker(labs=labs), EDITION))
    assert briefing.verdict.followers == (("DeepSeek",) if follows else ())
    assert briefing.verdict.watched == 2


def test_unwatched_labs_and_the_pivot_lab_never_follow() -> None:
    labs = [lab("Alibaba", "Closed", "No", PIVOT), lab("DeepSeek", watch="No"), lab("Zhipu")]
    events = [event(EDITION, "DeepSeek", "Closed flagship"), event(EDITION, "Alibaba", "Closed flagship")]
    briefing = analyse(as_of(tracker(labs=labs, events=events), EDITION))
    assert briefing.verdict.followers == ()
    assert briefing.verdict.watched == 1
    assert "0 of 1 watched labs" in headline(briefing)


@pytest.mark.parametrize(
    ("day", "reverted"),
    [(PIVOT - dt.timedelta(days=1), False), (PIVOT, False), (PIVOT + dt.timedelta(days=1), True)],
    ids=["before", "on", "after"],
)
def test_reopening_reverts_only_after_the_pivot(day: dt.date, reverted: bool) -> None:
    events = [event(day, "Alibaba", "Reopened flagship", "Alibaba reopens Max-Preview")]
    briefing = analyse(as_of(tracker(events=events), EDITION))
    assert briefing.verdict.reverted is reverted
    assert (briefing.verdict.state == "REVERTED") is reverted


def test_open_flagship_weights_on_the_pivot_lab_means_reverted() -> None:
    labs = [lab("Alibaba", "Open", "No"), lab("DeepSeek")]
    briefing = analyse(as_of(tracker(labs=labs), EDITION))
    assert briefing.verdict.state == "REVERTED"


def test_reverted_wins_over_spreading() -> None:
    events = [event(EDITION, "Alibaba", "Reopened flagship"), event(EDITION, "DeepSeek", "Closed flagship")]
    briefing = analyse(as_of(tracker(events=events), EDITION))
    assert briefing.verdict.state == "REVERTED"
    assert briefing.verdict.followers == ("DeepSeek",)


@pytest.mark.parametrize(
    ("signals", "expected", "total"),
    [
        ([signal("Pays", 3, "Confirmed")], "LEANING PAYS", 3.0),
        ([signal("Pays", 2, "Confirmed")], "LEANING PAYS", 2.0),  # exactly the margin leans
        ([signal("Pays", 3, "Reported")], "TOO EARLY", 1.8),
        ([signal("Reverts", 2, "Confirmed")], "LEANING REVERTS", -2.0),
        ([signal("Reverts", 3, "Rumoured"), signal("Reverts", 3, "Reported")], "LEANING REVERTS", -2.7),
        ([signal("Neutral", 3, "Confirmed")], "TOO EARLY", 0.0),
        ([signal("Pays", 1, "Reported")] * 5 + [signal("Pays", 1, "Rumoured")] * 2 + [signal("Pays", 2, "Rumoured")],
         "LEANING PAYS", 4.2),
    ],
)
def test_score_arithmetic(signals: list[Signal], expected: str, total: float) -> None:
    briefing = analyse(as_of(tracker(signals=signals), EDITION))
    assert briefing.verdict.score == pytest.approx(total)
    assert briefing.verdict.state == expected


def test_signals_before_the_pivot_quarter_do_not_count() -> None:
    old = signal("Pays", 3, "Confirmed", quarter=(2026, 1))
    briefing = analyse(as_of(tracker(signals=[old]), EDITION))
    assert briefing.verdict.score == 0
    assert briefing.verdict.state == "TOO EARLY"
    assert briefing.signals[0].counted is False
    assert briefing.quarters == ()


def test_the_margin_comes_from_settings() -> None:
    briefing = analyse(as_of(tracker(signals=[signal("Pays", 1, "Confirmed")], margin=1.0), EDITION))
    assert briefing.verdict.state == "LEANING PAYS"


def test_quarters_run_from_the_pivot_quarter_to_the_edition() -> None:
    signals = [signal("Pays", 1, "Confirmed", (2026, 2)), signal("Reverts", 2, "Confirmed", (2026, 4))]
    briefing = analyse(as_of(tracker(signals=signals), dt.date(2026, 11, 29)))
    assert [q.quarter for q in briefing.quarters] == ["2026-Q2", "2026-Q3", "2026-Q4"]
    assert [(q.pays, q.reverts, q.net) for q in briefing.quarters] == [(1.0, 0, 1.0), (0, 0, 0), (0, 2.0, -2.0)]
    assert briefing.latest_quarter == "2026-Q4"
    assert [s.points_to for s in briefing.latest_signals] == ["Reverts"]


def test_watchlist_days_left_overdue_and_soon() -> None:
    milestones = [
        Milestone(2, EDITION - dt.timedelta(days=3), "Late", None, "Upcoming", None),
        Milestone(3, EDITION + dt.timedelta(days=10), "Soon", None, "Upcoming", None),
        Milestone(4, EDITION + dt.timedelta(days=40), "Later", None, "Upcoming", None),
        Milestone(5, EDITION - dt.timedelta(days=9), "Done", None, "Happened", "It happened"),
    ]
    briefing = analyse(as_of(tracker(milestones=milestones), EDITION))
    items = {w.milestone: w for w in briefing.watchlist}
    assert items["Late"].overdue and items["Late"].days_left == -3
    assert items["Soon"].soon and not items["Soon"].overdue
    assert not items["Later"].soon
    assert not items["Done"].overdue
    assert briefing.figures.next_milestone == "Soon"
    assert briefing.figures.days_to_next_milestone == 10


@pytest.mark.parametrize(
    ("url", "safe"),
    [("https://example.com/a", True), ("http://example.com", True), ("mailto:desk@example.com", True),
     ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
     ("ftp://example.com", False), ("//example.com", False), ("https://exa mple.com", False), ("", False),
     (" java\nscript:alert(1)", False)],
)
def test_only_http_https_and_mailto_become_links(url: str, safe: bool) -> None:
    assert (safe_url(url) is not None) is safe


weights = st.sampled_from(["Pays", "Reverts", "Neutral"])
signals_strategy = st.lists(
    st.builds(signal, weights, st.integers(1, 3), st.sampled_from(["Confirmed", "Reported", "Rumoured"]),
              st.sampled_from([(2026, 1), (2026, 2)])),  # quarters begun by the edition
    max_size=30,
)


FACTOR = {"Confirmed": 1.0, "Reported": 0.6, "Rumoured": 0.3}  # SPEC §4, written out here on purpose
SIGN = {"Pays": 1, "Reverts": -1, "Neutral": 0}


@settings(max_examples=200, deadline=None)
@given(signals_strategy)
def test_score_and_quarters_match_the_spec_arithmetic(signals: list[Signal]) -> None:
    counted = [s for s in signals if s.quarter >= (2026, 2)]
    pays = sum(s.strength * FACTOR[s.confidence] for s in counted if s.points_to == "Pays")
    reverts = sum(s.strength * FACTOR[s.confidence] for s in counted if s.points_to == "Reverts")
    briefing = analyse(as_of(tracker(signals=signals), EDITION))
    assert briefing.verdict.pays == pytest.approx(pays)
    assert briefing.verdict.reverts == pytest.approx(reverts)
    assert briefing.verdict.score == pytest.approx(pays - reverts)
    if counted:
        [quarter] = briefing.quarters  # 2026-Q2, the pivot's and the edition's quarter
        assert (quarter.pays, quarter.reverts, quarter.signals) == (pytest.approx(pays), pytest.approx(reverts),
                                                                    len(counted))
    # Reordering the rows never changes the verdict.
    assert analyse(as_of(tracker(signals=list(reversed(signals))), EDITION)).verdict.state == briefing.verdict.state


@pytest.mark.parametrize(("reverted", "followers", "score", "margin", "expected"), [
    # SPEC §4: the first that holds. Each row is a case written out by hand, boundaries included.
    (True, 3, 9.0, 2.0, "REVERTED"),  # reverted beats followers and a leaning score
    (True, 0, -9.0, 2.0, "REVERTED"),
    (False, 1, -9.0, 2.0, "SPREADING"),  # one follower beats a score leaning the other way
    (False, 2, 0.0, 2.0, "SPREADING"),
    (False, 0, 2.0, 2.0, "LEANING PAYS"),  # score equal to the margin leans
    (False, 0, 1.99, 2.0, "TOO EARLY"),
    (False, 0, -2.0, 2.0, "LEANING REVERTS"),
    (False, 0, -1.99, 2.0, "TOO EARLY"),
    (False, 0, 0.0, 2.0, "TOO EARLY"),
    (False, 0, 0.5, 0.5, "LEANING PAYS"),
    (False, 0, -12.0, 10.0, "LEANING REVERTS"),
])
def test_state_takes_the_first_rule_that_holds(reverted: bool, followers: int, score: float, margin: float,
                                               expected: str) -> None:
    assert state(reverted, followers, score, margin) == expected
