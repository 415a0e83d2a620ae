"""`report init`: a new editable workbook that guides the editor, built from the schema."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from . import sample, schema
from .errors import UsageError
from .output import atomic_write

MAX_ROWS = 1000  # validation and formats reach this far down each table
SAFE = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


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
    """The workbook as bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE})
    # Fixed properties keep the file identical from run to run.
    book.set_properties({"title": "Bifurcation tracker", "subject": "The desk's workbook",
                         "created": dt.datetime(2026, 4, 20)})
    styles = _styles(book)
    _readme(book, styles)
    _settings(book, styles, sample.SETTINGS if with_sample else {})
    for spec in schema.TABLES:
        _table(book, styles, spec, sample.ROWS[spec.name] if with_sample else [])
    book.close()
    return buffer.getvalue()


def _styles(book: xlsxwriter.Workbook) -> dict[str, object]:
    return {
        "header": book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3A5F", "border": 1,
                                   "text_wrap": True, "valign": "top"}),
        "required": book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#8A2D1E", "border": 1,
                                     "text_wrap": True, "valign": "top"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd", "align": "left"}),
        "text": book.add_format({"text_wrap": False, "valign": "top"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 16, "font_color": "#1F3A5F"}),
        "bold": book.add_format({"bold": True, "valign": "top"}),
    }


def _readme(book: xlsxwriter.Workbook, styles: dict[str, object]) -> None:
    ws = book.add_worksheet(schema.README_SHEET)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 16)
    ws.set_column(3, 3, 80)
    ws.write_string(0, 0, "How to keep this workbook", styles["title"])
    intro = [
        ("One sheet per table: a header row, then one record per row. Required columns are marked * and "
         "have red headers."),
        "Columns may be moved or added; extra columns and sheets are ignored. Blank rows are skipped.",
        "Dates: type 2026-04-20 or 20 Apr 2026 (never 03/04/2026, which is ambiguous).",
        "Run 'report check' on the workbook: it lists every problem with its cell.",
    ]
    row = 1
    for line in intro:
        ws.write_string(row, 0, line)
        row += 1
    row += 1
    for spec in schema.SHEETS:
        ws.write_string(row, 0, spec.name, styles["title"])
        ws.write_string(row, 3, spec.help, styles["wrap"])
        row += 1
        for label, column in (("Column", 0), ("Type", 1), ("Required", 2), ("What goes here", 3)):
            ws.write_string(row, column, label, styles["header"])
        row += 1
        columns = schema.SETTINGS_FIELDS if spec is schema.SETTINGS else spec.columns
        for col in columns:
            ws.write_string(row, 0, col.name, styles["bold"])
            ws.write_string(row, 1, _kind_text(col))
            ws.write_string(row, 2, "Yes" if col.required else "")
            ws.write_string(row, 3, col.help + (f" Example: {col.example}" if col.example else ""), styles["wrap"])
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
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 70)
    ws.write_string(0, 0, "Setting", styles["header"])
    ws.write_string(0, 1, "Value", styles["header"])
    ws.write_string(0, 2, schema.SETTINGS.columns[2].name, styles["header"])
    ws.freeze_panes(1, 0)
    for row, field in enumerate(schema.SETTINGS_FIELDS, start=1):
        ws.write_string(row, 0, field.name, styles["required"] if field.required else styles["bold"])
        value = values.get(field.name, "")
        _write(ws, row, 1, value, styles, field)
        ws.write_string(row, 2, field.help + (" Required." if field.required else ""), styles["wrap"])
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
    ws.set_row(0, 30)
    ws.freeze_panes(1, 1 if spec.name == "Labs" else 0)
    ws.autofilter(0, 0, max(len(rows), 1), last)
    for r, record in enumerate(rows, start=1):
        for index, col in enumerate(spec.columns):
            _write(ws, r, index, record.get(col.name, ""), styles, col)


def _write(ws, row: int, col: int, value: object, styles: dict[str, object], column: schema.Column) -> None:  # type: ignore[no-untyped-def]
    if value in ("", None):
        if column.kind == "date":
            # A blank date cell keeps the date format, so what the editor types shows as a date.
            ws.write_blank(row, col, None, styles["date"])
        return
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), styles["date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


def _validate(ws, col: schema.Column, first: int, last: int, index: int) -> None:  # type: ignore[no-untyped-def]
    """A dropdown on 'one of', Lab and Quarter columns; an input message on every column."""
    options: dict[str, object] = {"input_title": col.name[:32], "input_message": (col.help or col.name)[:255]}
    if col.choices:
        options.update(validate="list", source=list(col.choices), error_type="warning",
                       error_title="Not in the list", error_message=f"Choose one of {', '.join(col.choices)}.")
    elif col.kind == "lab":
        letter = xl_col_to_name(schema.LABS.columns.index(schema.LABS.column("Lab")))
        options.update(validate="list", source=f"=Labs!${letter}$2:${letter}${MAX_ROWS + 1}", error_type="warning",
                       error_title="Unknown lab", error_message="Add the lab to the Labs sheet first.")
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
