"""The Briefing sheet: the briefing as the page reads it, on one printable sheet. The masthead, the verdict with
its reasons, the key figures, the trend across editions with its chart, what changed (the changes that matter
most; every change is on the What changed sheet), and links to the table sheets.

The cells readers and formulas look for carry defined names (Verdict, Score, EditionDate, ...): the key
figures are named by report/present/, the rest here.
"""

from __future__ import annotations

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from ...present import Presentation
from ...present.views import ChangesView
from .sheets import CHANGES, EVIDENCE, HEALTH, LABS, SIGNALS, SOURCES, TIMELINE, WATCHLIST
from .trend import add_trend_chart
from .writer import Sheet, page_setup

BRIEFING = "Briefing"
SCORE_LABEL_FORMAT = '"Score "+0.00;"Score \u2212"0.00;"Score "0.00'  # the number beside the verdict, labelled
BRIEFING_CAPS = ((14, 24), (13, 22), (50, 78), (20, 40), (16, 34))


def briefing_sheet(book: Workbook, sheet: Sheet, p: Presentation) -> None:
    sheet.ws.hide_gridlines(2)
    row = _masthead(book, sheet, p)
    row = _correction(sheet, p, row)
    row = _verdict(book, sheet, p, row + 1)
    row = _key_figures(book, sheet, p, row + 1)
    row = _trend(book, sheet, p, row + 1)
    row = _changes(sheet, p.changes, p.heading("changes"), row + 1)
    _contents(sheet, p, row + 1)
    sheet.fit(BRIEFING_CAPS)
    page_setup(sheet, p.masthead, None, (2, 0))
    # Print the briefing, not the links to the other sheets: on paper they lead nowhere.
    sheet.ws.print_area(0, 0, row - 1, len(BRIEFING_CAPS) - 1)
    sheet.ws.activate()


def _name(book: Workbook, sheet: Sheet, name: str, row: int, col: int) -> None:
    book.define_name(name, f"={quote_sheetname(sheet.name)}!{xl_rowcol_to_cell(row, col, True, True)}")


def _masthead(book: Workbook, sheet: Sheet, p: Presentation) -> int:
    m = p.masthead
    sheet.text(0, 0, m.title, "title", fit=False)
    sheet.height(0, 30)
    byline = " · ".join(part for part in (m.publication, f"edited by {m.editor}" if m.editor else None) if part)
    sheet.text(1, 0, byline or "Weekly briefing", "subtitle", fit=False)
    sheet.text(3, 0, "Edition", "label")
    sheet.date(3, 1, m.edition.value, "bold")
    sheet.text(4, 0, "ISO week", "label")
    sheet.text(4, 1, m.week, "bold", align="left")
    sheet.text(5, 0, "Days since pivot", "label")
    sheet.number(5, 1, m.days, "int", "bold", align="left")
    sheet.text(5, 2, m.pivot_line, "muted")
    _name(book, sheet, "EditionDate", 3, 1)
    _name(book, sheet, "DaysSincePivot", 5, 1)
    return 6


def _section(sheet: Sheet, row: int, heading: str) -> int:
    for col in range(len(BRIEFING_CAPS)):
        sheet.text(row, col, heading if col == 0 else None, "section", fit=False)
    sheet.height(row, 22)
    return row + 1


def _verdict(book: Workbook, sheet: Sheet, p: Presentation, row: int) -> int:
    v = p.verdict
    row = _section(sheet, row, p.heading("verdict"))
    sheet.text(row, 0, v.state, "state", bg_color=v.fill, font_color=v.ink, border_color=v.fill)
    # The score beside the verdict says what it is: a number shown as "Score −0.60".
    score = p.figure_cells[2].value
    sheet.number(row, 1, score if isinstance(score, (int, float)) else None, "score", "big",
                 num_format=SCORE_LABEL_FORMAT, align="left")
    sheet.text(row, 2, v.headline, "wrap", "bold", font_size=12)
    sheet.text(row, 3, v.score_gloss, "wrap", "muted")
    sheet.height(row, 36)
    _name(book, sheet, "Verdict", row, 0)
    row += 2
    sheet.text(row, 0, "Why", "block", fit=False)
    row += 1
    for col, header in enumerate(("Kind", "Weight", "Reason", "Detail", "Source")):
        sheet.text(row, col, header, "header")
    for fact in v.facts:
        row += 1
        sheet.text(row, 0, "Fact", "cell", "bold")
        sheet.text(row, 1, None, "cell")
        sheet.text(row, 2, fact, "cell", "wrap")
        sheet.text(row, 3, None, "cell")
        sheet.text(row, 4, None, "cell")
    for reason in v.signals:
        row += 1
        sheet.text(row, 0, "Signal", "cell", "bold")
        sheet.number(row, 1, reason.weight, "score", "cell")
        sheet.text(row, 2, reason.text, "cell", "wrap")
        sheet.text(row, 3, reason.detail, "cell", "wrap", "muted")
        sheet.link(row, 4, reason.source, "cell", "wrap")
    if v.signals_more_sheet:
        row += 1
        sheet.text(row, 2, f"{v.signals_more_sheet}.", "muted", fit=False)
    if not v.signals:
        row += 1
        sheet.text(row, 0, v.no_signals, "muted", fit=False)
    if v.change_call:
        row += 2
        sheet.text(row, 2, v.change_call, "wrap", "bold")
        _name(book, sheet, "ChangeCall", row, 2)
    return row + 1


def _key_figures(book: Workbook, sheet: Sheet, p: Presentation, row: int) -> int:
    row = _section(sheet, row, p.heading("key-figures"))
    for figure in p.figure_cells:
        sheet.text(row, 0, figure.label, "label", valign="vcenter")
        sheet.put(row, 1, figure.kind, figure.value, "big", align="left", valign="vcenter")
        sheet.text(row, 2, figure.note, "wrap", valign="vcenter")
        _name(book, sheet, figure.name, row, 1)
        row += 1
    return row


TREND_CHART_ROWS = 18  # rows kept for the trend chart under its table, each 15 points (20 px): 360 px for 306


def _trend(book: Workbook, sheet: Sheet, p: Presentation, row: int) -> int:
    """The trend across editions: the sentence, each edition's score and followers, and a native line chart."""
    t = p.trend
    if t is None or "trend" not in dict(p.sections):
        return row
    row = _section(sheet, row, p.heading("trend"))
    sheet.text(row, 0, t.sentence, "muted", fit=False)
    if t.first:
        return row + 1
    row += 1
    for col, header in enumerate(("Edition", "Score", "", "Followers", "Watched labs")):
        sheet.text(row, col, header, "header")
    first = row + 1
    for point in t.points:
        row += 1
        sheet.date(row, 0, point.edition.value, "cell", "bold" if point.current else "cell")
        sheet.number(row, 1, point.score, "score", "cell")
        sheet.text(row, 2, t.current_label if point.current else None, "cell", "muted")
        sheet.number(row, 3, point.followers, "int", "cell")
        sheet.number(row, 4, point.watched, "int", "cell")

    add_trend_chart(book, sheet.ws, sheet.name, first, row, 1, 3, t, (row + 1, 0))
    for below in range(row + 1, row + 1 + TREND_CHART_ROWS):
        sheet.height(below, 15)  # a height of its own, so LibreOffice's smaller default cannot let it overlap
    return row + 1 + TREND_CHART_ROWS


def _correction(sheet: Sheet, p: Presentation, row: int) -> int:
    """Under the masthead of a corrected edition: "Corrected on DATE" and what changed from the sent version."""
    k = p.correction
    if k is None:
        return row
    sheet.text(row, 0, k.title, "bold", fit=False)
    sheet.text(row, 2, k.note, "wrap")
    for line in k.lines:
        row += 1
        sheet.text(row, 0, line.label, "muted", fit=False)
        sheet.text(row, 2, line.what, "wrap")
        sheet.text(row, 3, line.before_after, "wrap", "muted")
    return row + 1


def _changes(sheet: Sheet, changes: ChangesView, heading: str, row: int) -> int:
    """The lead and the counts per sheet, then the changes that matter most, as the page shows them; every
    change is on the What changed sheet."""
    row = _section(sheet, row, heading)
    sheet.text(row, 0, changes.note, "muted", fit=False)
    for count in changes.counts:
        row += 1
        sheet.text(row, 0, count, fit=False)
    lines = (*changes.lead, *changes.rows.shown)
    if not lines:
        return row + 1
    row += 1
    for col, header in enumerate(("Change", "Why it matters", "What", "Before → after", "")):
        sheet.text(row, col, header, "header")
    for line in lines:
        row += 1
        sheet.text(row, 0, line.label, "cell", "bold")
        sheet.text(row, 1, line.tag, "cell")
        sheet.text(row, 2, line.what, "cell", "wrap")
        sheet.text(row, 3, line.before_after, "cell", "wrap")
        sheet.text(row, 4, None, "cell")
    if changes.more_sheet:
        row += 1
        sheet.text(row, 2, f"{changes.more_sheet}.", "muted", fit=False)
    return row + 1


def _contents(sheet: Sheet, p: Presentation, row: int) -> None:
    row = _section(sheet, row, "In this workbook")
    assert p.notes is not None
    what = p.notes.contents
    pages = ((LABS, what["labs"]), (EVIDENCE, what["evidence"]), (SIGNALS, what["signals"]),
             (TIMELINE, what["timeline"]), (WATCHLIST, what["watchlist"]), (HEALTH, what["health"]),
             (SOURCES, what["sources"]), (CHANGES, what["changes"]))
    for name, what_it_holds in pages:
        # Internal links to our own sheet names: no workbook text goes into them.
        sheet.ws.write_url(row, 0, f"internal:{quote_sheetname(name)}!A1", sheet.styles("link"), name)
        sheet.text(row, 2, what_it_holds)
        row += 1

