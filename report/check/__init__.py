"""The pipeline's second stage: raw rows -> checked records and located findings, all in one pass.

Every problem is collected; none stops the others. Records come back only when there are no errors.
Cross-sheet rules look at every row, even one with a bad cell elsewhere, so that fixing one problem
never reveals another that could have been reported the first time.

In the order `check` runs them:
  whole.py     the workbook as a whole: macros, its tabs, an older template, a fresh empty workbook
  settings.py  the Settings sheet
  tables.py    each table sheet: its header row, then its rows typed column by column
  typed.py     one cell -> its typed value by its column's kind, or a finding
  cross.py     rules between sheets: unique names, references to labs and sources, dates far ahead
  records.py   checked rows -> the model's Tracker
and beside them:
  rules.py     every finding the checker makes: code, level and message, declared once
  collect.py   the findings collected as the rules make them, and their order
  layout.py    where each column sits on its sheet: (sheet, column, row) -> "E7"
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..contradictions import contradictions
from ..edition import EditionView, Locate, as_of, edition_findings
from ..errors import UsageError
from ..findings import Finding
from ..model import Tracker
from ..read import RawWorkbook, read_workbook
from ..values import show
from . import whole
from .collect import Findings
from .cross import cross_sheet
from .layout import Layout
from .records import make_tracker
from .rules import EDITION_BEFORE_PIVOT, TODAY_BEFORE_PIVOT
from .settings import settings_values
from .tables import Row, table_rows
from .typed import Typer

__all__ = ["CheckResult", "check", "check_file"]


@dataclass
class CheckResult:
    """The checked records (None when there are errors) and every finding."""

    tracker: Tracker | None
    findings: list[Finding] = field(default_factory=list)
    sha256: str = ""  # of the workbook as read
    view: EditionView | None = None  # the records as of the edition the findings were made for
    locate: Locate | None = None  # (sheet, column, row) -> "Labs!E3", the cell as the editor's tab names it

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def check_file(path: Path | str, today: dt.date | None = None, edition: dt.date | None = None) -> CheckResult:
    """Read and check a workbook for an edition (default: the Settings' Edition date, else today).

    Raises UnreadableWorkbook if the file cannot be used at all, UsageError if `edition` is before the pivot.
    """
    with gc_paused():
        return check(read_workbook(path), today, edition)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while rows are read and checked, then freeze what survives.

    Reading and checking make hundreds of thousands of small objects that live until the end, and none
    forms a cycle; each automatic collection would rescan all of them (a third of the time at 100,000
    rows). Frozen, the records are never scanned again by the later stages' collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def check(book: RawWorkbook, today: dt.date | None = None, edition: dt.date | None = None) -> CheckResult:
    """Check a read workbook for an edition: every finding at once, and the records when there is no error.

    The findings that depend on the edition (SPEC §4 "As of the edition date": records after it, stale
    signals, an edition before the pivot) are made here, so `check` and `build` report the same lines.
    """
    today = today or dt.date.today()
    found = Findings(book)
    layout = Layout(book.sheets[schema.SETTINGS.name])
    typer = Typer(found, layout, book.epoch_1904)
    whole.tabs(book, found)
    settings, settings_ok, lacking = settings_values(book.sheets[schema.SETTINGS.name], typer, layout)
    tables: dict[str, list[Row]] = {}
    for spec in schema.TABLES:
        tables[spec.name], lacks = table_rows(spec, book.sheets[spec.name], typer, layout)
        lacking += lacks
    lab_names, source_names = cross_sheet(settings, tables, found, layout, today)
    whole.older_template(book, lacking, found)
    findings = whole.start_here(found.ordered(), tables)
    if not settings_ok or any(f.level == "error" for f in findings):
        return CheckResult(None, findings, book.sha256)
    return _for_edition(make_tracker(settings, tables, lab_names, source_names), edition, today, found, layout)


def _for_edition(tracker: Tracker, edition: dt.date | None, today: dt.date, found: Findings,
                 layout: Layout) -> CheckResult:
    """Add the findings that depend on the edition date; no records when the edition cannot be built."""
    sha256 = found.book.sha256
    pivot = tracker.settings.pivot_date
    edition_cell = None
    if edition is not None:
        if edition < pivot:
            raise UsageError(f"--edition {edition.isoformat()} is before the pivot date {pivot.isoformat()}: an "
                             "edition follows the pivot, so choose a date on or after it.")
    elif tracker.settings.edition_date is not None:
        edition = tracker.settings.edition_date
        number = layout.setting_row("Edition date")
        edition_cell = layout.cell("Settings", "Value", number)
        if edition < pivot:
            found.add(EDITION_BEFORE_PIVOT, sheet="Settings", cell=edition_cell, column="Edition date", row=number,
                      value=edition.isoformat(), edition=show(edition), pivot=pivot.isoformat())
            return CheckResult(None, found.ordered(), sha256)
    else:
        edition = today
        if edition < pivot:
            number = layout.setting_row("Pivot date")
            found.add(TODAY_BEFORE_PIVOT, sheet="Settings", cell=layout.cell("Settings", "Value", number),
                      column="Pivot date", row=number, value=pivot.isoformat(), today=edition.isoformat(),
                      pivot=pivot.isoformat())
            return CheckResult(None, found.ordered(), sha256)
    view = as_of(tracker, edition)
    made = edition_findings(view, today, layout.cell, edition_cell)
    made += contradictions(tracker, view, layout.cell)  # cells that are each fine but disagree (issue 23)
    found.extend(made)

    def locate(sheet: str, column: str, row: int | None) -> str | None:
        cell = layout.cell(sheet, column, row)
        return f"{found.title(sheet)}!{cell}" if cell else None

    return CheckResult(tracker, found.ordered(), sha256, view, locate)
