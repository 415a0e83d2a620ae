"""The table sheets (SPEC §6), one function each: Labs, Evidence (with its chart), Signals, Timeline, Watchlist,
Data health, What changed and Sources. Every row is here: the page and the email cut long lists, the workbook
keeps them all, each sheet a filtered table under its heading and note, as report/present/ worded them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from xlsxwriter.workbook import Workbook

from ... import palette
from ...present import Presentation
from ...present.words import EMPTY, LAB_ROLES
from ..svg_charts import evidence_scale
from .chart import QuarterTable, add_evidence_chart
from .writer import Amount, Column, Sheet, page_setup, table

# The table sheets' names, in SPEC §6 order after the Briefing.
LABS, EVIDENCE, SIGNALS = "Labs", "Evidence", "Signals"
TIMELINE, WATCHLIST, HEALTH, SOURCES = "Timeline", "Watchlist", "Data health", "Sources"
CHANGES = "What changed"

# Colours, from the one palette: closed weights / pays warm, open weights / reverts cool.
WARM, WARM_FILL, COOL, COOL_FILL = palette.PAYS, palette.PAYS_TINT, palette.REVERTS, palette.REVERTS_TINT


def _title(sheet: Sheet, width: int, heading: str, note: str | None = None) -> None:
    """The sheet's heading ruled across its `width` columns, and a note under it."""
    for col in range(width):
        sheet.text(0, col, heading if col == 0 else None, "section", fit=False)
    sheet.height(0, 24)
    if note:
        sheet.text(1, 0, note, "muted", fit=False)


def _words(sheet: Sheet, first: int, last: int, col: int, colours: dict[str, tuple[str, str]]) -> None:
    """Colour a column by its word (conditional formatting), e.g. Closed warm, Open cool."""
    if last < first:
        return
    for word, (fill, font) in colours.items():
        sheet.ws.conditional_format(first, col, last, col, {
            "type": "cell", "criteria": "==", "value": f'"{word}"',
            "format": sheet.styles.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
        })


def _filtered_table(sheet: Sheet, columns: Sequence[Column], rows: Sequence[Sequence[object]],
                    empty: str, bold_rows: Collection[int] = (), top: int = 2) -> tuple[int, int]:
    """A table with a filter, its columns fitted and the sheet's print setup: the shape of every table sheet."""
    first, last = table(sheet, top, columns, rows, bold_rows, empty)
    if last >= first:
        sheet.ws.autofilter(top, 0, last, len(columns) - 1)
    return first, last


def _finish(sheet: Sheet, p: Presentation, columns: Sequence[Column], top: int = 2) -> None:
    sheet.fit([(c.least, c.most) for c in columns])
    page_setup(sheet, p.masthead, (top, top), (top + 1, 0 if columns[0].kind == "date" else 1))


# The lab board's optional columns, by present.evidence.LAB_COLUMNS key: shown only when some lab fills them.
LAB_OPTIONAL: dict[str, tuple[tuple[Column, str], ...]] = {
    "since": ((Column("Since", "date", 11, 12), "since"),),
    "flagship": ((Column("Flagship model", most=28), "flagship"), (Column("Scale", most=20), "scale")),
    "licence": ((Column("Licence", most=18), "licence"),),
    "mid_scale": ((Column("Mid-scale model", most=24), "mid_scale"),
                  (Column("Mid-scale licence", most=18), "mid_scale_licence")),
    "source": ((Column("Source", "link", 12, 32), "source"),),
}


def labs_sheet(sheet: Sheet, p: Presentation) -> None:
    labs = p.labs
    optional = [pair for key in ("since", "flagship", "licence", "mid_scale") if labs.shows(key)
                for pair in LAB_OPTIONAL[key]]
    country = any(lab.country for lab in labs.rows)
    tail = [pair for pair in LAB_OPTIONAL["source"] if labs.shows("source")]
    columns = (Column("Lab", least=10, most=24), Column("Role", least=10, most=14),
               Column("Flagship weights", least=10, most=12), *(c for c, _ in optional),
               *((Column("Country", most=16),) if country else ()), *(c for c, _ in tail))
    rows = [(lab.lab, lab.role, lab.weights, *(getattr(lab, attr) for _, attr in optional),
             *((lab.country,) if country else ()), *(getattr(lab, attr) for _, attr in tail))
            for lab in labs.rows]
    marked = [index for index, lab in enumerate(labs.rows) if lab.marked]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("labs"), p.notes.labs)
    first, last = _filtered_table(sheet, columns, rows, labs.empty, marked)
    _words(sheet, first, last, 2, {"Closed": (WARM_FILL, WARM), "Open": (COOL_FILL, COOL)})
    _words(sheet, first, last, 1, {role.label: (WARM_FILL, WARM) for role in LAB_ROLES if role.marked})
    _finish(sheet, p, columns)


QUARTER_COLUMNS = (Column("Quarter", least=10, most=10), Column("Pays", "weight", 9, 9),
                   Column("Reverts", "weight", 9, 9), Column("Net", "score", 9, 9),
                   Column("Signals", "int", 9, 9, "center"))


def evidence_sheet(book: Workbook, sheet: Sheet, p: Presentation) -> None:
    e = p.evidence
    assert p.notes is not None
    _title(sheet, len(QUARTER_COLUMNS), p.heading("evidence"), p.notes.evidence)
    rows = [(q.quarter, q.pays, q.reverts, q.net, q.signals) for q in e.quarters]
    first, last = table(sheet, 2, QUARTER_COLUMNS, rows, (), e.empty)
    if last >= first:
        add_evidence_chart(book, sheet.ws, QuarterTable(first, last, 0, 1, 2, 3), [q.reverts for q in e.quarters],
                           e.chart, (2, len(QUARTER_COLUMNS) + 1), scale=evidence_scale(e.quarters, e.margin))
    sheet.fit([(c.least, c.most) for c in QUARTER_COLUMNS])
    page_setup(sheet, p.masthead, (2, 2), (3, 0))


SIGNAL_COLUMNS = (Column("Quarter", least=9, most=9), Column("Signal", least=24, most=52),
                  Column("Lab", least=8, most=18), Column("Value", "amount", 8, 14), Column("Unit", most=14),
                  Column("Points to", least=9, most=9),
                  Column("Strength", "int", 8, 8, "center"), Column("Confidence", least=10, most=11),
                  Column("Weight", "score", 8, 8), Column("Counts", least=7, most=7, align="center"),
                  Column("Observed", "date", 11, 12), Column("Source", "link", 12, 30))


def signals_sheet(sheet: Sheet, p: Presentation) -> None:
    signals = p.evidence.all_signals
    # Value a number the desk can sort and sum (a text Value stays text), its unit in a column of its own.
    rows = [(s.quarter, s.signal, s.lab, Amount(s.number, s.places) if s.number is not None else s.value,
             s.unit if s.number is not None else None, s.points_to, s.strength, s.confidence, s.weight,
             "Yes" if s.counted else "No", s.observed, s.source) for s in signals]
    assert p.notes is not None
    _title(sheet, len(SIGNAL_COLUMNS), SIGNALS, p.notes.signals)
    first, last = _filtered_table(sheet, SIGNAL_COLUMNS, rows, p.evidence.latest.empty)
    _words(sheet, first, last, 5, {"Pays": (WARM_FILL, WARM), "Reverts": (COOL_FILL, COOL)})
    _finish(sheet, p, SIGNAL_COLUMNS)


def timeline_sheet(sheet: Sheet, p: Presentation) -> None:
    events = p.timeline.all
    columns = (Column("Date", "date", 11, 12), Column("Lab", least=8, most=18), Column("Kind", least=10, most=20),
               Column("Headline", least=30, most=70), Column("Model", most=24), Column("Source", "link", 12, 30),
               Column("Note", least=8, most=10))
    rows = [(e.date, e.lab, e.kind, e.headline, e.model, e.source, "The pivot" if e.is_pivot else None)
            for e in events]
    pivots = [index for index, e in enumerate(events) if e.is_pivot]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("timeline"), p.notes.timeline)
    _filtered_table(sheet, columns, rows, p.timeline.empty, pivots)
    _finish(sheet, p, columns)


def watchlist_sheet(sheet: Sheet, p: Presentation) -> None:
    columns = (Column("Due", "date", 11, 17), Column("Days left", "int", 9, 9), Column("Attention", least=10, most=10),
               Column("Status", least=9, most=10), Column("Milestone", least=24, most=50),
               Column("Why it matters", least=24, most=50), Column("Outcome", least=10, most=30))
    rows = [(w.due, w.days_left, w.attention, w.status, w.milestone, w.why, w.outcome) for w in p.watchlist.all]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("watchlist"), p.notes.watchlist)
    first, last = _filtered_table(sheet, columns, rows, p.watchlist.empty)
    if last >= first:
        for word, fill, font in (("Overdue", palette.ALERT_TINT, palette.ALERT),
                                 ("Due soon", palette.SOON_TINT, palette.SOON)):
            sheet.ws.conditional_format(first, 0, last, len(columns) - 1, {
                "type": "formula", "criteria": f'=$C{first + 1}="{word}"',
                "format": sheet.styles.book.add_format({"bg_color": fill, "font_color": font, "bold": True}),
            })
    _finish(sheet, p, columns)


def health_sheet(sheet: Sheet, p: Presentation) -> None:
    h = p.health
    columns = (Column("Kind", least=12, most=14), Column("Where", least=10, most=22),
               Column("Message", least=40, most=100))
    rows = [(item.label, item.where, item.message) for item in h.items.all]
    # The readers' summary on top, one sentence a row; the rows for the desk under it.
    summary = (*((h.left_out,) if h.left_out else ()), *h.sentences)
    _title(sheet, len(columns), p.heading("health"))
    for index, sentence in enumerate(summary):
        sheet.text(1 + index, 0, sentence, fit=False)
    top = 2 + len(summary)
    _filtered_table(sheet, columns, rows, h.empty, top=top)
    _finish(sheet, p, columns, top=top)


CHANGE_COLUMNS = (Column("Change", least=9, most=12), Column("Why it matters", least=12, most=16),
                  Column("What", least=30, most=70), Column("Before → after", least=20, most=60))


def changes_sheet(sheet: Sheet, p: Presentation) -> None:
    """Every change since the last edition, those that matter most first (the Briefing sheet shows the first)."""
    c = p.changes
    assert p.notes is not None
    rows = [(line.label, line.tag, line.what, line.before_after) for line in c.lines]
    _title(sheet, len(CHANGE_COLUMNS), p.heading("changes"), p.notes.changes)
    _filtered_table(sheet, CHANGE_COLUMNS, rows, c.note if c.first else c.rows.empty)
    _finish(sheet, p, CHANGE_COLUMNS)


def sources_sheet(sheet: Sheet, p: Presentation) -> None:
    columns = (Column("Source", "link", 16, 50), Column("Publisher", least=10, most=30),
               Column("Published", "date", 11, 12), Column("Cited by", "int", 9, 9, "center"),
               Column("URL", least=8, most=50))
    rows = [(s.link, s.publisher, s.published, s.cited or "", s.url_text) for s in p.sources.all]
    assert p.notes is not None
    _title(sheet, len(columns), p.heading("sources"), p.notes.sources)
    _filtered_table(sheet, columns, rows, EMPTY["sources"])
    _finish(sheet, p, columns)
