"""The workbook as of an edition date E (SPEC §4 "As of the edition date"), and what that date decides.

An edition is the story as it stood on E: a reader of the 2026-06-01 edition must never see, or be
counted against, what was only known later. `as_of` gives the records an edition may use; the
findings here (`edition_findings`) are the ones that depend on E, so that `check --edition E` and
`build --edition E` report exactly the same lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .briefing import LeftOut
from .errors import UsageError
from .findings import Finding, Rule
from .model import Lab, Quarter, Signal, Tracker, quarter_label, quarter_of
from .values import FIRST_YEAR, LAST_YEAR, show

# Which of Open/Closed a lab had before the Status since its row gives.
BEFORE = {"Open": "Closed", "Closed": "Open"}

# (sheet, column, row) -> "E7", or None when the checker has no column for it.
Locate = Callable[[str, str, int | None], str | None]


def quarter_start(quarter: Quarter) -> dt.date:
    """The first day of a quarter."""
    year, number = quarter
    return dt.date(year, 3 * (number - 1) + 1, 1)


def signal_known(signal: Signal, edition: dt.date) -> bool:
    """A signal belongs to an edition when its Quarter has begun and it was observed (if dated) by then."""
    if quarter_start(signal.quarter) > edition:
        return False
    return signal.observed is None or signal.observed <= edition


def counts(signal: Signal, pivot_quarter: Quarter) -> bool:
    """A signal counts towards the score when its Quarter is the pivot's quarter or later (SPEC §4)."""
    return signal.quarter >= pivot_quarter


def lab_as_of(lab: Lab, edition: dt.date) -> Lab:
    """The lab as it stood on `edition`: a Status since after it means the other weights, since an unknown date."""
    if lab.status_since is None or lab.status_since <= edition:
        return lab
    return dataclasses.replace(lab, flagship_weights=BEFORE[lab.flagship_weights], status_since=None)


@dataclass(frozen=True, slots=True)
class EditionView:
    """The records an edition may use, and what it left out because it is dated after the edition."""

    edition: dt.date
    tracker: Tracker  # events, signals and labs as of the edition; milestones and sources as they are
    left_out: LeftOut
    later_rows: tuple[tuple[str, int], ...]  # (sheet, row) of every record left out
    labs_as_before: tuple[Lab, ...]  # the rows as written, whose Status since is after the edition


def as_of(tracker: Tracker, edition: dt.date) -> EditionView:
    """The workbook as of `edition` (SPEC §4): later events and signals left out, labs as they were."""
    events = tuple(e for e in tracker.events if e.date <= edition)
    signals = tuple(s for s in tracker.signals if signal_known(s, edition))
    labs = tuple(lab_as_of(lab, edition) for lab in tracker.labs)
    later = [("Events", e.row) for e in tracker.events if e.date > edition]
    later += [("Signals", s.row) for s in tracker.signals if not signal_known(s, edition)]
    changed = tuple(lab for lab, now in zip(tracker.labs, labs, strict=True) if lab is not now)
    left_out = LeftOut(events=len(tracker.events) - len(events), signals=len(tracker.signals) - len(signals),
                       labs_as_before=tuple(lab.lab for lab in changed))
    view = dataclasses.replace(tracker, events=events, signals=signals, labs=labs)
    return EditionView(edition, view, left_out, tuple(later), changed)


def newest_evidence(tracker: Tracker) -> dt.date | None:
    """The newest Observed date among the signals that count (the tracker already as of its edition)."""
    pivot_quarter = quarter_of(tracker.settings.pivot_date)
    dates = [s.observed for s in tracker.signals if s.observed is not None and counts(s, pivot_quarter)]
    return max(dates, default=None)


def is_stale(signal: Signal, edition: dt.date, stale_after_days: float) -> bool:
    """Observed more than Stale after days before the edition."""
    return signal.observed is not None and (edition - signal.observed).days > stale_after_days


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:8])
    more = len(numbers) - 8
    return f"row{'s' if len(numbers) != 1 else ''} {shown}" + (f" and {more} more" if more > 0 else "")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


# The findings that depend on the edition date (the checker's own are in report/check/rules.py).
FUTURE_EDITION = Rule("future-edition", "warning",
                      "the edition {edition} is after today ({today}): it shows the workbook as it stands now, and "
                      "anything dated later still counts as not yet known")
AFTER_EDITION = Rule("after-edition", "warning",
                     "{count} record{s} dated after this edition ({edition}) {were} left out ({where}); they count "
                     "from a later edition on")
STATUS_AFTER_EDITION = Rule("status-after-edition", "warning",
                            "{lab}'s Status since {since} is after this edition: the edition counts its flagship as "
                            "{before}, the weights it had before")
STALE_SIGNAL = Rule("stale-signal", "warning",
                    "{signal} ({quarter}) was observed {age} before this edition, more than the {limit:g} days of "
                    "Stale after days: confirm or update it")


def edition_findings(view: EditionView, today: dt.date, locate: Locate,
                     edition_cell: str | None = None) -> list[Finding]:
    """The warnings that depend on the edition date: a future edition, records after it, labs shown as they
    were, stale signals. `edition_cell` is the Settings cell the edition came from, if it did."""
    edition = view.edition
    settings = view.tracker.settings
    out: list[Finding] = []
    if edition > today:
        out.append(FUTURE_EDITION.finding(
            "Settings" if edition_cell else None, edition_cell, "Edition date" if edition_cell else None, None,
            edition.isoformat(), edition=edition.isoformat(), today=today.isoformat()))
    if view.later_rows:
        by_sheet: dict[str, list[int]] = {}
        for sheet, row in view.later_rows:
            by_sheet.setdefault(sheet, []).append(row)
        where = "; ".join(f"{sheet} {_rows(sorted(rows))}" for sheet, rows in by_sheet.items())
        count = len(view.later_rows)
        out.append(AFTER_EDITION.finding(
            None, None, None, None, count, count=count, s="s" if count != 1 else "",
            were="were" if count != 1 else "was", edition=edition.isoformat(), where=where))
    for lab in view.labs_as_before:
        assert lab.status_since is not None
        out.append(STATUS_AFTER_EDITION.finding(
            "Labs", locate("Labs", "Status since", lab.row), "Status since", lab.row, lab.status_since.isoformat(),
            lab=lab.lab, since=lab.status_since.isoformat(), before=BEFORE[lab.flagship_weights]))
    pivot_quarter = quarter_of(settings.pivot_date)
    for signal in view.tracker.signals:
        if counts(signal, pivot_quarter) and is_stale(signal, edition, settings.stale_after_days):
            assert signal.observed is not None
            out.append(STALE_SIGNAL.finding(
                "Signals", locate("Signals", "Observed", signal.row), "Observed", signal.row,
                signal.observed.isoformat(), signal=show(signal.signal), quarter=quarter_label(signal.quarter),
                age=_days((edition - signal.observed).days), limit=settings.stale_after_days))
    return out


def parse_edition(text: str) -> dt.date:
    """--edition's date, or UsageError saying how to write it."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--edition '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-06-01.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # the workbook's dates have the same range (report/values.py)
        raise UsageError(f"--edition '{text}' is outside the years a briefing can cover ({FIRST_YEAR} to "
                         f"{LAST_YEAR}): check the year.")
    return day
