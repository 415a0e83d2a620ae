"""The xlsx's evidence chart: a native XlsxWriter chart drawn to the same design as the SVG one
(report/render/svg_charts.py): pays up, reverts down, each quarter's net a labelled diamond, the ±Call margin
as two dashed lines, on the SVG chart's round scale.

A native chart stays live in Excel and LibreOffice (an editor can sort or add a quarter and it follows), so
it is not a picture of the SVG. Its words (title, series names) are the `EvidenceChart`'s, from
report/present/charts.py, as the SVG's are. Reverts are drawn downwards from helper cells that negate the table's
reverts column by formula; the helper cells and the margin lines sit in hidden columns, and the chart is
told to plot hidden data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xlsxwriter.chart import Chart
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ... import palette
from ...present.views import EvidenceChart
from ..svg_charts import Scale
from .writer import SIGNED_FORMAT

AXIS = '+0.0;"\u2212"0.0;0'
MAGNITUDE = "0.00;0.00;;"  # a reverts bar is drawn below zero but labelled with its weight; no label at zero


@dataclass(frozen=True)
class QuarterTable:
    """Where the quarters' table is on its sheet (0-based rows and columns; rows are the data, no header)."""

    first_row: int
    last_row: int
    quarter_col: int
    pays_col: int
    reverts_col: int
    net_col: int


def axis_format(scale: Scale) -> str:
    """The value axis' number format: the SVG's tick labels (signed, a real minus sign, thousands separated)."""
    digits = "#,##0" + ("." + "0" * scale.places if scale.places else "")
    return f'+{digits};"\u2212"{digits};0'


def add_evidence_chart(workbook: Workbook, worksheet: Worksheet, table: QuarterTable, reverts: Sequence[float],
                       words: EvidenceChart, at: tuple[int, int], helper_col: int = 40,
                       size: tuple[int, int] = (620, 380), scale: Scale | None = None) -> Chart:
    """Insert the evidence chart at cell `at` (row, col) of `worksheet`, reading the quarters from `table`,
    with the ±margin, title and series names of `words` (the chart the page and the email draw).

    `scale` is the value axis the page's and the email's chart use (svg_charts.evidence_scale): the same
    round ticks, so the workbook and the page draw the quarters alike. Without it Excel picks its own.

    `reverts` are the table's reverts weights, row by row: the cached results of the helper formulas
    (LibreOffice shows a cached result without recalculating). Three hidden helper columns from `helper_col`
    hold −reverts (a formula per row), +margin and −margin. Returns the chart (already inserted).
    """
    name = worksheet.name
    margin = words.margin
    first, last = table.first_row, table.last_row
    down, high, low = helper_col, helper_col + 1, helper_col + 2
    for row, value in zip(range(first, last + 1), reverts, strict=True):
        worksheet.write_formula(row, down, f"=-{xl_rowcol_to_cell(row, table.reverts_col)}", None, -value)
        worksheet.write_number(row, high, abs(margin))
        worksheet.write_number(row, low, -abs(margin))
    worksheet.set_column(down, low, None, None, {"hidden": True})

    def column(col: int) -> list[object]:
        return [name, first, col, last, col]

    categories = column(table.quarter_col)
    chart = workbook.add_chart({"type": "column"})
    assert chart is not None
    for title, col, colour in ((words.pays, table.pays_col, palette.PAYS), (words.reverts, down, palette.REVERTS)):
        chart.add_series({
            "name": title, "categories": categories, "values": column(col),
            "fill": {"color": colour}, "border": {"none": True},
            "overlap": 100, "gap": 60,
            # At the bar's far end, so the net's label at zero never lands on a bar's.
            "data_labels": {"value": True, "num_format": MAGNITUDE, "position": "inside_end",
                            "font": {"color": palette.ON_DARK, "size": 9}},
        })
    net = workbook.add_chart({"type": "line"})
    assert net is not None
    net.add_series({
        "name": words.net, "categories": categories, "values": column(table.net_col),
        "line": {"none": True},
        "marker": {"type": "diamond", "size": 9, "fill": {"color": palette.NET},
                   "border": {"color": palette.BACKGROUND}},
        "data_labels": {"value": True, "num_format": SIGNED_FORMAT, "position": "right",
                        "font": {"bold": True, "color": palette.NET, "size": 10}},
    })
    for title, col in ((words.band, high), (words.band_below, low)):
        net.add_series({
            "name": title, "categories": categories, "values": column(col),
            "line": {"color": palette.MUTED, "width": 1.5, "dash_type": "dash"},
            # A line needs two quarters; a wide dash marker shows the threshold from the first quarter on.
            "marker": {"type": "dash", "size": 20, "fill": {"color": palette.MUTED},
                       "border": {"color": palette.MUTED}},
        })
    chart.combine(net)
    chart.show_hidden_data()
    chart.set_title({"name": words.sheet_title,
                     "name_font": {"size": 12, "bold": True, "color": palette.INK}})
    chart.set_x_axis({"label_position": "low", "num_font": {"color": palette.INK},
                      "line": {"color": palette.INK}})
    y_axis: dict[str, object] = {"num_format": axis_format(scale) if scale else AXIS,
                                 "num_font": {"color": palette.MUTED},
                                 "major_gridlines": {"visible": True, "line": {"color": palette.RULE}}}
    if scale:
        y_axis.update({"min": scale.low, "max": scale.high, "major_unit": scale.step})
    chart.set_y_axis(y_axis)
    # One legend entry for the two margin lines (series 3 and 4 of the combined chart).
    chart.set_legend({"position": "bottom", "font": {"color": palette.INK}, "delete_series": [4]})
    chart.set_size({"width": size[0], "height": size[1]})
    worksheet.insert_chart(at[0], at[1], chart, {"x_offset": 10, "y_offset": 0})
    return chart
