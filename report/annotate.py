"""`report check WORKBOOK --annotate OUT.xlsx`: a copy of the editor's workbook with every finding placed
where the editor works.

Each flagged cell gets a fill (errors and warnings in two tints that stay apart for colour-blind readers,
and the note names the level too, so colour is never the only signal) and a note saying what is wrong and
how to fix it; a first sheet, "Fix list", lists every finding grouped by sheet, each linking to its cell.
Everything else is copied as it is: the input is only read, and the copy is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from . import safety, schema
from .errors import ReportError, UsageError
from .findings import Finding, summary
from .output import atomic_write, same_file
from .read.files import read_bytes

# Okabe-Ito orange and sky blue, lightened so black text stays readable on them.
FILLS = {"error": "FFF9C784", "warning": "FFC6E2F5"}
AUTHOR = "report check"
HEADER_FILL = "FF1F3A5F"


@dataclass(frozen=True)
class Annotated:
    """What `annotate` did: how many cells it marked, and the workbook's own sheets it kept under a new name
    (old name, new name): a sheet called "Fix list" that is not an earlier annotation's."""

    marked: int
    renamed: list[tuple[str, str]] = field(default_factory=list)


HEADERS = ("Level", "Cell", "Column", "What is wrong, and how to fix it", "Code")
TITLE = "Fix list for "


def annotate(workbook: Path, out: Path, findings: list[Finding], sha256: str, force: bool = False) -> Annotated:
    """Write `out`: a copy of `workbook` with `findings` marked; an existing `out` is replaced only with `force`.

    `sha256` is the hash of the bytes the findings came from: a workbook saved again in between is refused
    rather than marked with findings that may no longer be true.
    """
    workbook, out = Path(workbook), Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--annotate {out}: the copy must be an .xlsx file; give a name ending in .xlsx.")
    if same_file(workbook, out):
        raise UsageError(f"--annotate {out} is the workbook being checked: give another name, so the editor's "
                         "file is never written.")
    if out.is_dir():
        raise UsageError(f"--annotate {out} is a folder: give a file name ending in .xlsx.")
    if out.exists() and not force:
        raise UsageError(f"--annotate {out} already exists: choose another name, or add --force to replace it.")
    data = read_bytes(workbook)
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise ReportError(f"{workbook} changed while it was being checked: run the check again.")
    with warnings.catch_warnings():
        # openpyxl warns about extensions it does not keep (e.g. LibreOffice's); the copy is still faithful for
        # values, formats, dropdowns, widths and notes, which the tests hold it to.
        warnings.simplefilter("ignore")
        book = load_workbook(io.BytesIO(data), rich_text=True)
    renamed = []
    for name in list(book.sheetnames):
        if schema.header_key(name) == schema.header_key(schema.FIX_LIST_SHEET):
            if _ours(book[name]):
                del book[name]  # an earlier annotation: replaced, never annotated again
            else:
                # The editor's own sheet under our name: kept, renamed so that ours can go first, and said.
                new_name = safety.sheet_name(f"{name} (kept)", book.sheetnames)
                book[name].title = new_name
                renamed.append((name, new_name))

    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.sheet is not None and finding.sheet in book.sheetnames and finding.cell:
            by_cell[(finding.sheet, finding.cell)].append(finding)
    for (sheet, coordinate), here in by_cell.items():
        _mark(book[sheet], coordinate, here)

    _fix_list(book, workbook, findings)
    buffer = io.BytesIO()
    book.save(buffer)
    atomic_write(out, buffer.getvalue())
    return Annotated(len(by_cell), renamed)


def _ours(ws: Worksheet) -> bool:
    """Whether a sheet is a Fix list that `--annotate` wrote: its title line and its header row."""
    title = ws.cell(row=1, column=1).value
    headers = tuple(ws.cell(row=4, column=index).value for index in range(1, len(HEADERS) + 1))
    return isinstance(title, str) and title.startswith(TITLE) and headers == HEADERS


def _note(finding: Finding) -> str:
    where = f" ({finding.column})" if finding.column else ""
    return f"{finding.level.upper()}{where}: {finding.message}"


def _mark(ws: Worksheet, coordinate: str, findings: list[Finding]) -> None:
    """Fill the cell by its worst finding, and add a note; an editor's own note keeps its text, first."""
    cell = ws[coordinate]
    level = "error" if any(f.level == "error" for f in findings) else "warning"
    cell.fill = PatternFill("solid", fgColor=FILLS[level])
    ours = "\n".join(_note(f) for f in findings)
    existing = cell.comment
    text = f"{existing.text.rstrip()}\n\n{AUTHOR}:\n{ours}" if existing is not None else f"{AUTHOR}:\n{ours}"
    author = existing.author if existing is not None and existing.author else AUTHOR
    lines = sum(max(1, len(part) // 40 + 1) for part in text.split("\n"))
    cell.comment = Comment(text, author, height=min(20 + 15 * lines, 600), width=320)


def _put(ws: Worksheet, row: int, column: int, value: object):  # type: ignore[no-untyped-def]
    """Write a cell; text is always text (openpyxl would take text starting with '=' for a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _link(sheet: str, cell: str) -> str:
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{cell}"


def _fix_list(book, workbook: Path, findings: list[Finding]) -> None:  # type: ignore[no-untyped-def]
    """The first sheet: one row per finding, grouped by sheet, each linking to its cell."""
    ws = book.create_sheet(schema.FIX_LIST_SHEET, 0)
    for other in book.worksheets:
        other.sheet_view.tabSelected = False  # one selected tab, or the sheets open grouped
    book.active = 0
    ws.sheet_view.tabSelected = True
    # Named fonts: a Font without a name renders in LibreOffice's default serif, not the workbook's Calibri.
    bold = Font(name="Calibri", family=2, bold=True)
    white = Font(name="Calibri", family=2, bold=True, color="FFFFFFFF")
    link_font = Font(name="Calibri", family=2, color="FF0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    _put(ws, 1, 1, f"{TITLE}{workbook.name}: {summary(findings)}")
    ws["A1"].font = Font(name="Calibri", family=2, bold=True, size=14)
    ws["A2"] = ("Each row links to its cell, which is filled (orange: error, blue: warning) and carries a note. "
                "This sheet is never read as data; delete it whenever you like.")
    ws.merge_cells("A2:E2")
    ws["A2"].alignment = wrap
    ws.row_dimensions[2].height = 32
    widths = (10, 18, 18, 100, 20)
    for index, (header, width) in enumerate(zip(HEADERS, widths, strict=True), start=1):
        cell = ws.cell(row=4, column=index, value=header)
        cell.font = white
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A5"
    row = 5
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:  # already in the order an editor fixes them
        groups[finding.sheet or "The workbook"].append(finding)
    for sheet, group in groups.items():
        _put(ws, row, 1, f"{sheet} ({len(group)})").font = bold
        row += 1
        for finding in group:
            level = ws.cell(row=row, column=1, value=finding.level.upper())
            level.fill = PatternFill("solid", fgColor=FILLS[finding.level])
            level.alignment = top
            if finding.sheet is not None and finding.sheet in book.sheetnames:
                target = _link(finding.sheet, finding.cell or "A1")
                where = _put(ws, row, 2, f"{finding.sheet}!{finding.cell}" if finding.cell else finding.sheet)
                where.hyperlink = Hyperlink(ref=where.coordinate, location=target, display=str(where.value))
                where.font = link_font
                where.alignment = top
            _put(ws, row, 3, finding.column).alignment = top
            _put(ws, row, 4, finding.message).alignment = wrap
            ws.cell(row=row, column=5, value=finding.code).alignment = top
            ws.row_dimensions[row].height = 15 * max(1, -(-len(finding.message) // 110)) + 3
            row += 1
    if not findings:
        ws.cell(row=row, column=4, value="No problems found.")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
