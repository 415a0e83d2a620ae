"""The xlsx's native evidence chart has the SVG chart's design: pays up, reverts down, net labelled, ±margin."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import xlsxwriter

from report.briefing import QuarterWeight
from report.present.charts import evidence_chart
from report.render.xlsx.chart import QuarterTable, add_evidence_chart

QUARTERS = [("2026-Q1", 1.2, 1.8), ("2026-Q2", 2.0, 0.3), ("2026-Q3", 0.0, 2.4)]


def _book(path: Path, margin: float = 2.0) -> str:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Evidence")
    sheet.write_row(0, 0, ["Quarter", "Pays", "Reverts", "Net"])
    for row, (quarter, pays, reverts) in enumerate(QUARTERS, 1):
        sheet.write_row(row, 0, [quarter, pays, reverts, round(pays - reverts, 2)])
    chart = evidence_chart([QuarterWeight(q, p, r, round(p - r, 2), 1) for q, p, r in QUARTERS], margin)
    add_evidence_chart(book, sheet, QuarterTable(1, len(QUARTERS), 0, 1, 2, 3), [q[2] for q in QUARTERS], chart,
                       (6, 0))
    book.close()
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/charts/chart1.xml").decode()


def test_reverts_are_drawn_downwards_from_the_table(tmp_path: Path) -> None:
    xml = _book(tmp_path / "c.xlsx")
    # The reverts series reads hidden helper cells that negate the table's reverts column.
    assert "<c:f>Evidence!$AO$2:$AO$4</c:f>" in xml
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx")["Evidence"]
    assert [sheet.cell(r, 41).value for r in (2, 3, 4)] == ["=-C2", "=-C3", "=-C4"]
    assert sheet.column_dimensions["AO"].hidden
    values = openpyxl.load_workbook(tmp_path / "c.xlsx", data_only=True)["Evidence"]
    assert [values.cell(r, 41).value for r in (2, 3, 4)] == [-1.8, -0.3, -2.4]
    # Overlapping columns: pays above zero and reverts below share one slot per quarter.
    assert '<c:overlap val="100"/>' in xml
    assert "plotVisOnly" not in xml  # XlsxWriter's show_hidden_data(): the hidden helper cells are plotted


def test_net_is_a_labelled_diamond_and_the_margin_two_dashed_lines(tmp_path: Path) -> None:
    xml = _book(tmp_path / "c.xlsx", margin=1.5)
    net = xml[xml.index("<c:v>Net</c:v>"):]
    net = net[: net.index("</c:ser>")]
    assert '<c:symbol val="diamond"/>' in net and '<c:showVal val="1"/>' in net
    assert "+0.00;&quot;\u2212&quot;0.00" in net or '+0.00;"\u2212"0.00' in net
    assert "Call margin \u00b11.5" in xml
    assert len(re.findall(r'<a:prstDash val="dash"/>', xml)) == 2
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx")["Evidence"]
    assert [sheet.cell(2, 42).value, sheet.cell(2, 43).value] == [1.5, -1.5]
    assert '<c:legendEntry><c:idx val="4"/><c:delete val="1"/></c:legendEntry>' in xml
