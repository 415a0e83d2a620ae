"""The briefing as an Excel report (SPEC §6): a Briefing sheet that reads like the page, then one sheet per table.

Places what report/present/ decided (labels, sentences, what changed, colours from report/palette.py), with
every row: the page and the email cut long lists, the xlsx keeps them all. Figures stay real numbers and dates
(with the house number and date formats), so an editor can sort, filter and compute. Text from the workbook is
data (SPEC §7): every rule for text written into the file (formula quote prefix, the cut at a cell's limit with
its visible marker, characters XML cannot hold, sheet names, which links Excel may hold, one-line text for
document properties and page headers) is report/safety.py's; this package only calls it.

The package, in the order a workbook is written:
  __init__.py   render_xlsx / render_xlsx_report: the workbook, its properties and its sheets, in order
  briefing.py   the Briefing sheet: masthead, verdict and reasons, key figures, trend, what changed, contents
  sheets.py     the table sheets: Labs, Evidence, Signals, Timeline, Watchlist, Data health, What changed,
                Sources
  chart.py      the Evidence sheet's native chart, drawn to the SVG chart's design (render/svg_charts.py)
  trend.py      the Briefing sheet's native trend chart, drawn to the page's (render/trend_chart.py)
  writer.py     the plumbing: styles, the sheet wrapper (text as text, numbers, dates, links), tables, columns,
                print setup, and the row buffer for sheets not written row by row
  metrics.py    Arial's widths: how wide a text is, how many lines it wraps to, how tall its row must be
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from dataclasses import dataclass
from typing import cast

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ... import safety
from ...errors import OutputError
from ...present import Presentation
from .briefing import BRIEFING, briefing_sheet
from .sheets import (
    CHANGES,
    EVIDENCE,
    HEALTH,
    LABS,
    SIGNALS,
    SOURCES,
    TIMELINE,
    WATCHLIST,
    changes_sheet,
    evidence_sheet,
    health_sheet,
    labs_sheet,
    signals_sheet,
    sources_sheet,
    timeline_sheet,
    watchlist_sheet,
)
from .writer import FONT_OPTIONS, SAFE_OPTIONS, RowBuffer, Sheet, Styles


@dataclass(frozen=True)
class XlsxReport:
    """The rendered file and the warnings met on the way (texts cut to fit a cell)."""

    data: bytes
    warnings: tuple[str, ...]


def render_xlsx(p: Presentation) -> bytes:
    """The briefing as an .xlsx file, in memory."""
    return render_xlsx_report(p).data


def render_xlsx_report(p: Presentation) -> XlsxReport:
    """The .xlsx bytes with the warnings met while writing them."""
    try:
        # constant_memory keeps each sheet's rows in a temporary file until the workbook is zipped; a folder of
        # our own is removed with everything in it, whatever happens.
        with tempfile.TemporaryDirectory(prefix="report-xlsx-") as folder:
            return _write_workbook(p, folder)
    except OSError as error:
        where = os.environ.get("TMPDIR") or "/tmp"
        raise OutputError(f"Cannot write the xlsx report's temporary files ({error.strerror or error}): free some "
                          f"space in the temporary folder ({where}), or set TMPDIR to a folder with room, and build "
                          "again; the previous edition is untouched.") from error


def _write_workbook(p: Presentation, folder: str) -> XlsxReport:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**SAFE_OPTIONS, **FONT_OPTIONS, "tmpdir": folder})
    _properties(book, p)
    styles = Styles(book)
    cuts: list[str] = []
    taken: list[str] = []

    def sheet(title: str, ordered: bool = True) -> Sheet:
        name = safety.sheet_name(title, taken)
        taken.append(name)
        ws = book.add_worksheet(name)
        return Sheet(ws if ordered else cast(Worksheet, RowBuffer(ws)), name, styles, cuts, ordered)

    briefing_sheet(book, sheet(BRIEFING, ordered=False), p)
    labs_sheet(sheet(LABS), p)
    evidence_sheet(book, sheet(EVIDENCE, ordered=False), p)
    signals_sheet(sheet(SIGNALS), p)
    timeline_sheet(sheet(TIMELINE), p)
    watchlist_sheet(sheet(WATCHLIST), p)
    health_sheet(sheet(HEALTH), p)
    sources_sheet(sheet(SOURCES), p)
    # Last, so the other sheets keep their places: every change, the Briefing sheet shows the first.
    changes_sheet(sheet(CHANGES), p)
    book.close()
    return XlsxReport(buffer.getvalue(), tuple(cuts))


def _properties(book: Workbook, p: Presentation) -> None:
    masthead, edition = p.masthead, p.masthead.edition.value
    assert p.notes is not None
    book.set_properties({
        "title": safety.excel_line(masthead.title),
        "subject": p.notes.subject,
        "author": safety.excel_line(masthead.editor or masthead.publication or ""),
        "company": safety.excel_line(masthead.publication or ""),
        "category": "Briefing",
        "keywords": p.notes.keywords,
        "comments": safety.excel_line(p.verdict.headline, 1000),
        # Fixed to the edition so the same briefing gives the same file.
        "created": dt.datetime.combine(edition, dt.time()),
    })

