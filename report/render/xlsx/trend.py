"""The xlsx's trend across editions: a native line chart on the Briefing sheet, drawn to the page's design
(report/render/trend_chart.py): the score of each edition against the ±Call margin (two dashed lines), and the
follower count on a second axis. It reads the Briefing sheet's trend table, so it stays live in Excel. Its words
(title, series and axis names) are the `TrendView`'s, as the page's chart's are.
"""

from __future__ import annotations

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ... import palette
from ...present.views import TrendView
from .writer import SIGNED_FORMAT

HELPER_COL = 45  # three hidden columns of the Briefing sheet hold +margin, −margin and each edition's label


def add_trend_chart(workbook: Workbook, worksheet: Worksheet, sheet_name: str, first: int, last: int,
                    score_col: int, followers_col: int, trend: TrendView, at: tuple[int, int],
                    size: tuple[int, int] = (620, 300)) -> Chart:
    """Insert the trend chart at `at` (row, col), reading scores and followers from rows first..last (one per
    point of `trend`), with the ±margin and words of `trend`. The axis names each edition as its point's `short`
    ("15 Jun"), as text, so every spreadsheet shows them as words, not serials."""
    margin = trend.margin
    high, low, named = HELPER_COL, HELPER_COL + 1, HELPER_COL + 2
    for row, point in zip(range(first, last + 1), trend.points, strict=True):
        worksheet.write_number(row, high, abs(margin))
        worksheet.write_number(row, low, -abs(margin))
        worksheet.write_string(row, named, point.short)
    worksheet.set_column(high, named, None, None, {"hidden": True})

    def column(col: int) -> list[object]:
        return [sheet_name, first, col, last, col]

    categories = column(named)
    chart = workbook.add_chart({"type": "line"})
    assert chart is not None
    chart.add_series({
        "name": trend.score_label, "categories": categories, "values": column(score_col),
        "line": {"color": palette.NET, "width": 2.5},
        "marker": {"type": "circle", "size": 6, "fill": {"color": palette.NET}, "border": {"color": palette.BACKGROUND}},
        "data_labels": {"value": True, "num_format": SIGNED_FORMAT, "position": "above",
                        "font": {"color": palette.INK, "size": 9}},
    })
    for title, col in ((trend.band, high), (trend.band_below, low)):
        chart.add_series({
            "name": title, "categories": categories, "values": column(col),
            "line": {"color": palette.MUTED, "width": 1.5, "dash_type": "dash"},
            "marker": {"type": "none"},
        })
    chart.add_series({
        "name": trend.followers_label, "categories": categories, "values": column(followers_col), "y2_axis": True,
        "line": {"color": palette.PAYS, "width": 2.5},
        "marker": {"type": "square", "size": 5, "fill": {"color": palette.PAYS}, "border": {"color": palette.PAYS}},
    })
    chart.show_hidden_data()
    chart.set_title({"name": trend.sheet_title,
                     "name_font": {"size": 12, "bold": True, "color": palette.INK}})
    chart.set_x_axis({"label_position": "low", "num_font": {"color": palette.INK}, "line": {"color": palette.INK}})
    chart.set_y_axis({"name": trend.score_label, "num_format": SIGNED_FORMAT, "num_font": {"color": palette.MUTED},
                      "major_gridlines": {"visible": True, "line": {"color": palette.RULE}}})
    chart.set_y2_axis({"name": trend.followers_label, "min": 0, "major_unit": 1, "num_font": {"color": palette.MUTED}})
    chart.set_legend({"position": "bottom", "font": {"color": palette.INK}, "delete_series": [2]})
    chart.set_size({"width": size[0], "height": size[1]})
    worksheet.insert_chart(at[0], at[1], chart, {"x_offset": 4, "y_offset": 6})
    return chart
