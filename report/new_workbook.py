"""The workbook `report init` writes (and `report upgrade` refills): built from the schema, it guides the
editor with a README sheet, dropdowns, input messages and date formats."""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from . import sample, schema
from .errors import UsageError
from .output import atomic_write

MAX_ROWS = 1000  # validation and formats reach this far down each table
SAFE = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
# Excel refuses a data validation whose input title or message is longer than this.
MAX_INPUT_TITLE = 32
MAX_INPUT_MESSAGE = 255

HEADER_COLOUR = "#1F3A5F"  # optional columns: the house navy
REQUIRED_COLOUR = "#2F6F6A"  # required columns: a calm teal, marked *, that does not read as an error
LINE_HEIGHT = 15  # points per line of 11-point text
LEGEND = ("Required columns and settings are marked * and have teal headers; the others, in dark blue, "
          "may be left blank.")


def write_template(path: Path, with_sample: bool = False, force: bool = False) -> None:
    """Write a new workbook at `path`; refuse to replace a file unless `force`."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"{path} should end in .xlsx: the tool writes Excel workbooks.")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists: choose another name, or add --force to replace it.")
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give a file name ending in .xlsx.")
    atomic_write(path, template_bytes(with_sample))


def template_bytes(with_sample: bool = False) -> bytes:
    """The workbook as bytes: empty, or holding the sample story."""
    if with_sample:
        return workbook_bytes(sample.SETTINGS, sample.ROWS)
    return workbook_bytes({}, {})


def workbook_bytes(settings: dict[str, object], rows: dict[str, list[dict[str, object]]]) -> bytes:
    """The current template holding these settings (by setting name) and records (by sheet, then column name)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE})
    # Fixed properties keep the file identical from run to run.
    book.set_properties({"title": "Bifurcation tracker", "subject": "The desk's workbook",
                         "created": dt.datetime(2026, 4, 20)})
    styles = _styles(book)
    _readme(book, styles)
    _settings(book, styles, settings)
    for spec in schema.TABLES:
        _table(book, styles, spec, rows.get(spec.name, []))
    book.close()
    return buffer.getvalue()


def _styles(book: xlsxwriter.Workbook) -> dict[str, object]:
    header = {"bold": True, "font_color": "#FFFFFF", "border": 1, "text_wrap": True, "valign": "top"}
    return {
        "header": book.add_format({**header, "bg_color": HEADER_COLOUR}),
        "required": book.add_format({**header, "bg_color": REQUIRED_COLOUR}),
        "date": book.add_format({"num_format": "yyyy-mm-dd", "align": "left", "valign": "top"}),
        "text": book.add_format({"text_wrap": False, "valign": "top"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 16, "font_color": HEADER_COLOUR, "valign": "bottom"}),
        "bold": book.add_format({"bold": True, "valign": "top"}),
        "bold_wrap": book.add_format({"bold": True, "valign": "top", "text_wrap": True}),
    }


def _lines(text: str, width: float) -> int:
    """How many lines `text` takes wrapped in a column `width` characters wide (a little pessimistic, since
    LibreOffice's and Excel's fonts differ)."""
    chars = max(int(width * 0.95) - 1, 8)
    return max(1, sum(len(textwrap.wrap(part, chars)) or 1 for part in text.split("\n")))


def _height(*cells: tuple[str, float]) -> float:
    """A row height that shows every wrapped cell whole: neither LibreOffice nor Excel grows a row for text
    written by a program, so an unsized row lets wrapped text overprint the rows below it."""
    return LINE_HEIGHT * max(_lines(text, width) for text, width in cells) + 3


README_WIDTHS = (20, 26, 10, 74)


def _readme(book: xlsxwriter.Workbook, styles: dict[str, object]) -> None:
    ws = book.add_worksheet(schema.README_SHEET)
    for index, width in enumerate(README_WIDTHS):
        ws.set_column(index, index, width)
    full = sum(README_WIDTHS)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_paper(9)  # A4
    ws.write_string(0, 0, "How to keep this workbook", styles["title"])
    ws.set_row(0, 24)
    intro = [
        "One sheet per table: a header row, then one record per row. " + LEGEND,
        "Columns may be moved or added; extra columns and sheets are ignored. Blank rows are skipped.",
        "Dates: type 2026-04-20 or 20 Apr 2026 (never 03/04/2026, which is ambiguous).",
        ("Start with Settings (Title, Pivot lab, Pivot model, Pivot date), then add the pivot lab and the labs "
        "you watch on Labs, then events, signals, milestones and sources."),
        ("Run 'report check' on the workbook: it lists every problem with its cell. 'report check --annotate "
        "copy.xlsx' marks each problem in a copy of the workbook."),
    ]
    row = 1
    for line in intro:
        # One merged cell across the page, so a long line wraps instead of running off the printed page.
        ws.merge_range(row, 0, row, 3, line, styles["wrap"])
        ws.set_row(row, _height((line, full)))
        row += 1
    row += 1
    for spec in schema.SHEETS:
        ws.write_string(row, 0, spec.name, styles["title"])
        ws.merge_range(row, 1, row, 3, spec.help, styles["wrap"])
        ws.set_row(row, max(24, _height((spec.help, full - README_WIDTHS[0]))))
        row += 1
        for label, column in (("Column", 0), ("Type", 1), ("Required", 2), ("What goes here", 3)):
            ws.write_string(row, column, label, styles["header"])
        row += 1
        columns = schema.SETTINGS_FIELDS if spec is schema.SETTINGS else spec.columns
        for col in columns:
            kind = _kind_text(col)
            about = input_message(col)
            ws.write_string(row, 0, col.name, styles["bold_wrap"])
            ws.write_string(row, 1, kind, styles["wrap"])
            ws.write_string(row, 2, "Yes" if col.required else "", styles["text"])
            ws.write_string(row, 3, about, styles["wrap"])
            ws.set_row(row, _height((col.name, README_WIDTHS[0]), (kind, README_WIDTHS[1]),
                                    (about, README_WIDTHS[3])))
            row += 1
        row += 1
    ws.activate()


def _kind_text(col: schema.Column) -> str:
    if col.choices:
        return "one of " + ", ".join(col.choices)
    return {
        "text": "text", "date": "date", "number": "number", "value": "number or text",
        "lab": "a lab (Labs sheet)", "quarter": "quarter (2026-Q2)", "due": "date or quarter",
        "strength": "1, 2 or 3", "url": "http(s) link", "source": "source name or link",
        "emails": "addresses, ; separated", "email": "address", "choice": "choice",
        "mailto": "address or mailto: link",
    }[col.kind]


def _settings(book: xlsxwriter.Workbook, styles: dict[str, object], values: dict[str, object]) -> None:
    ws = book.add_worksheet(schema.SETTINGS.name)
    widths = [c.width for c in schema.SETTINGS.columns]
    for index, width in enumerate(widths):
        ws.set_column(index, index, width)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    for index, column in enumerate(schema.SETTINGS.columns):
        ws.write_string(0, index, column.name, styles["header"])
    ws.freeze_panes(1, 0)
    for row, field in enumerate(schema.SETTINGS_FIELDS, start=1):
        ws.write_string(row, 0, field.name, styles["required"] if field.required else styles["bold"])
        value = values.get(field.name, "")
        _write(ws, row, 1, value, styles, field, styles["text"])
        about = field.help + (" Required." if field.required else "")
        ws.write_string(row, 2, about, styles["wrap"])
        ws.set_row(row, _height((about, widths[2]), (str(value), widths[1])))
        _validate(ws, field, row, row, 1)


def _table(book: xlsxwriter.Workbook, styles: dict[str, object], spec: schema.Sheet,
           rows: list[dict[str, object]]) -> None:
    ws = book.add_worksheet(spec.name)
    last = len(spec.columns) - 1
    for index, col in enumerate(spec.columns):
        label = col.name + ("*" if col.required else "")
        ws.write_string(0, index, label, styles["required"] if col.required else styles["header"])
        fmt = styles["date"] if col.kind in ("date",) else None
        ws.set_column(index, index, col.width, fmt)
        _validate(ws, col, 1, MAX_ROWS, index)
    # Tall enough for the longest header wrapped in its column.
    ws.set_row(0, max(30.0, _height(*((c.name + "*", c.width) for c in spec.columns))))
    ws.freeze_panes(1, 1 if spec.name == "Labs" else 0)
    ws.autofilter(0, 0, max(len(rows), 1), last)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    for r, record in enumerate(rows, start=1):
        for index, col in enumerate(spec.columns):
            _write(ws, r, index, record.get(col.name, ""), styles, col)


def _write(ws, row: int, col: int, value: object, styles: dict[str, object], column: schema.Column,  # type: ignore[no-untyped-def]
           fmt: object = None) -> None:
    if value in ("", None):
        if column.kind == "date":
            # A blank date cell keeps the date format, so what the editor types shows as a date.
            ws.write_blank(row, col, None, styles["date"])
        return
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), styles["date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def input_title(col: schema.Column) -> str:
    """The title of the note Excel and LibreOffice show when the editor selects a cell of this column."""
    return col.name + (" (required)" if col.required else "")


def input_message(col: schema.Column) -> str:
    """The note's text: what goes here, and an example."""
    message = col.help or col.name
    if col.example and col.example not in message:
        message += f" Example: {col.example}"
    return message


def _validate(ws, col: schema.Column, first: int, last: int, index: int) -> None:  # type: ignore[no-untyped-def]
    """A dropdown on 'one of', Lab, Source, Strength and Quarter columns; an input message on every column."""
    title, message = input_title(col), input_message(col)
    if len(title) > MAX_INPUT_TITLE or len(message) > MAX_INPUT_MESSAGE:
        # Excel would refuse the file; the schema's help must be shortened (a test holds every column to this).
        raise ValueError(f"the input note for {col.name!r} is too long for Excel")
    options: dict[str, object] = {"input_title": title, "input_message": message}
    if col.choices:
        options.update(validate="list", source=list(col.choices), error_type="warning",
                       error_title="Not in the list", error_message=f"Choose one of {', '.join(col.choices)}.")
    elif col.kind == "lab":
        options.update(validate="list", source=_names("Labs", "Lab"), error_type="warning",
                       error_title="Unknown lab", error_message="Add the lab to the Labs sheet first.")
    elif col.kind == "source":
        # A link is allowed too, so the dropdown only informs: it never refuses what is typed.
        options.update(validate="list", source=_names("Sources", "Source"), error_type="information",
                       error_title="Source", error_message="Name a row of the Sources sheet, or paste an http(s) link.")
    elif col.kind == "strength":
        options.update(validate="list", source=["1", "2", "3"], error_type="warning",
                       error_title="Strength", error_message="Choose 1, 2 or 3.")
    elif col.kind == "quarter":
        quarters = [f"{year}-Q{q}" for year in range(2025, 2029) for q in range(1, 5)]
        options.update(validate="list", source=quarters, error_type="information",
                       error_title="Quarter", error_message="Write the quarter as 2026-Q2.")
    else:
        options.update(validate="any")
    ws.data_validation(first, index, last, index, options)


def _names(sheet: str, column: str) -> str:
    """The range of a table's name column, as a dropdown's source: =Labs!$A$2:$A$1001."""
    spec = schema.sheet_named(sheet)
    letter = xl_col_to_name(spec.columns.index(spec.column(column)))
    return f"={sheet}!${letter}$2:${letter}${MAX_ROWS + 1}"


