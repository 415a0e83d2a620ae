"""File -> raw rows with their cells. Judges nothing about the values.

Everything that touches openpyxl is here, behind `read_workbook`, so the engine can change later.
The file is opened read-only and read once into memory; it is never written.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from . import schema
from .errors import UnreadableWorkbook

# A real desk workbook is well under a megabyte; these caps stop a zip bomb long before memory does.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # compressed XML of blank styled rows reaches ~100:1; bombs reach 1000:1

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


@dataclass(frozen=True)
class RawCell:
    """A cell's saved value and where it is."""

    value: object
    coordinate: str
    column: int
    formula: bool = False  # the cell holds a formula; `value` is its saved result
    date_formatted: bool = False


@dataclass(frozen=True)
class RawRow:
    number: int
    cells: dict[int, RawCell]  # by column index (1-based)

    def is_blank(self) -> bool:
        return all(_blank(c.value) and not c.formula for c in self.cells.values())


@dataclass
class RawSheet:
    """A sheet as saved: its header row and the rows under it."""

    name: str
    header_row: int | None  # None: the sheet is empty
    headers: dict[int, str]  # column index -> header text as written
    rows: list[RawRow]
    merged: list[str] = field(default_factory=list)  # ranges that touch the table


@dataclass
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]  # by schema name for the sheets we know, else as written
    unknown_sheets: list[str]
    macros: bool  # saved as .xlsm: macros are ignored
    epoch_1904: bool = False  # the workbook counts days from 1904 (old Mac Excel)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks that need no parsing."""
    if not path.exists():
        raise UnreadableWorkbook(f"There is no file at {path}: check the path and try again.")
    if path.is_dir():
        raise UnreadableWorkbook(f"{path} is a folder, not a workbook: give the path of an .xlsx file.")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableWorkbook(f"{path} is an empty file (0 bytes): save the workbook again from Excel or LibreOffice.")
    if size > MAX_FILE_BYTES:
        raise UnreadableWorkbook(
            f"{path} is {size // (1024 * 1024)} MB, too large for a desk workbook: remove what is not needed "
            "and save it again."
        )
    try:
        with path.open("rb") as handle:  # read-only: the input is never written
            return handle.read()
    except OSError as error:
        raise UnreadableWorkbook(f"{path} cannot be read ({error.strerror}): check its permissions.") from error


def sniff(path: Path, data: bytes) -> bool:
    """Raise UnreadableWorkbook unless `data` looks like an xlsx package; True if it holds macros."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in data:
            raise UnreadableWorkbook(
                f"{path} is a password-protected workbook: save an unprotected copy and use that."
            )
        raise UnreadableWorkbook(
            f"{path} is an old Excel 97-2003 (.xls) file: open it in Excel or LibreOffice and save it as .xlsx."
        )
    if not data.startswith(ZIP_MAGIC):
        head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or b"<html" in head:
            what = "an HTML or XML page"
        elif b"," in head or b";" in head or b"\t" in head:
            what = "a text (CSV) file"
        else:
            what = "not an Excel workbook"
            raise UnreadableWorkbook(f"{path} is {what}: give the path of an .xlsx file saved by Excel or LibreOffice.")
        raise UnreadableWorkbook(
            f"{path} is {what} named like a workbook: open it in Excel or LibreOffice and save it as .xlsx."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableWorkbook(
            f"{path} is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
        ) from error
    with archive:
        if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
            raise UnreadableWorkbook(
                f"{path} is an OpenDocument spreadsheet (.ods): save it as Excel 2007-365 (.xlsx) and use that."
            )
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
            raise UnreadableWorkbook(f"{path} is a zip archive but not an Excel workbook: give the path of an .xlsx file.")
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNPACKED_BYTES or (info.file_size > 10 * 1024 * 1024 and ratio > MAX_RATIO):
                raise UnreadableWorkbook(
                    f"{path} unpacks to far more data than a workbook holds (a zip bomb?): it was not opened."
                )
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels", ".vml")):
                try:
                    with archive.open(info) as member:
                        head = member.read(4096)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
                    raise UnreadableWorkbook(
                        f"{path} is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
                    ) from error
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise UnreadableWorkbook(
                        f"{path} contains XML entity declarations, which workbooks never need (it may be an "
                        "attack): it was not opened."
                    )
        content_types = archive.read("[Content_Types].xml")
    return b"macroEnabled" in content_types


def read_workbook(path: Path | str) -> RawWorkbook:
    """Read every sheet the schema knows into raw rows. Raises UnreadableWorkbook if it cannot."""
    path = Path(path)
    data = read_bytes(path)
    macros = sniff(path, data)
    try:
        # A file object, not the path: openpyxl would judge the file by its extension.
        book = load_workbook(io.BytesIO(data), data_only=False, read_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged package
        raise UnreadableWorkbook(
            f"{path} could not be read as a workbook ({type(error).__name__}): open it in Excel or LibreOffice, "
            "save it again, and retry."
        ) from error

    by_key = {schema.header_key(ws.title): ws for ws in book.worksheets}
    missing = [s.name for s in schema.SHEETS if schema.header_key(s.name) not in by_key]
    if missing:
        found = ", ".join(ws.title for ws in book.worksheets) or "none"
        names = " and ".join(", ".join(missing).rsplit(", ", 1))
        plural = "sheets" if len(missing) > 1 else "sheet"
        raise UnreadableWorkbook(
            f"{path} has no {names} {plural} (sheets found: {found}): use a workbook made by 'report init'."
        )

    known = {schema.header_key(s.name) for s in schema.SHEETS} | {schema.header_key(schema.README_SHEET)}
    unknown = [ws.title for ws in book.worksheets if schema.header_key(ws.title) not in known]
    sheets: dict[str, RawSheet] = {}
    formulas: list[tuple[str, str]] = []
    for spec in schema.SHEETS:
        ws = by_key[schema.header_key(spec.name)]
        sheets[spec.name] = _read_sheet(ws, formulas)

    if formulas:
        # Formula cells hold text like "=A1+1" in this pass; their saved results come from a second one.
        values = load_workbook(io.BytesIO(data), data_only=True, read_only=False, keep_links=False)
        lookup = {schema.header_key(ws.title): ws for ws in values.worksheets}
        for spec in schema.SHEETS:
            sheet = sheets[spec.name]
            ws = lookup[schema.header_key(spec.name)]
            for row in sheet.rows:
                for index, cell in list(row.cells.items()):
                    if cell.formula:
                        saved = ws.cell(row=row.number, column=index)
                        row.cells[index] = RawCell(
                            saved.value, cell.coordinate, index, formula=True, date_formatted=saved.is_date
                        )
            if sheet.header_row is not None:
                for index in sheet.headers:
                    saved_header = ws.cell(row=sheet.header_row, column=index).value
                    if saved_header is not None:
                        sheet.headers[index] = str(saved_header)
    epoch_1904 = book.epoch == CALENDAR_MAC_1904
    return RawWorkbook(path=path, sheets=sheets, unknown_sheets=unknown, macros=macros, epoch_1904=epoch_1904)


def _read_sheet(ws, formulas: list[tuple[str, str]]) -> RawSheet:  # type: ignore[no-untyped-def]
    header_row: int | None = None
    headers: dict[int, str] = {}
    rows: list[RawRow] = []
    # values_only would lose coordinates; iterating cells of a normal-mode sheet is cheap.
    for row in ws.iter_rows():
        cells: dict[int, RawCell] = {}
        for cell in row:
            if cell.value is None or type(cell).__name__ == "MergedCell":
                continue
            is_formula = cell.data_type == "f"
            if is_formula:
                formulas.append((ws.title, cell.coordinate))
            cells[cell.column] = RawCell(
                None if is_formula else cell.value,
                cell.coordinate,
                cell.column,
                formula=is_formula,
                date_formatted=cell.is_date,
            )
        if not cells:
            continue
        number = row[0].row
        if header_row is None:
            if all(_blank(c.value) and not c.formula for c in cells.values()):
                continue
            header_row = number
            headers = {i: str(c.value).strip() for i, c in cells.items() if not _blank(c.value)}
            continue
        rows.append(RawRow(number, cells))
    merged = []
    for rng in ws.merged_cells.ranges:
        if header_row is not None and rng.max_row >= header_row:
            merged.append(rng.coord)
    return RawSheet(ws.title, header_row, headers, rows, merged)


def cell_name(column: int, row: int) -> str:
    """E7."""
    return f"{get_column_letter(column)}{row}"


def excel_serial_to_date(value: float, epoch_1904: bool = False) -> dt.date:
    """An Excel serial day number as a date (1900 or 1904 system)."""
    if epoch_1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=int(value))
    # Excel counts 1900-02-29, which never was; serials from 61 on are one day ahead.
    base = dt.date(1899, 12, 30) if value >= 61 else dt.date(1899, 12, 31)
    return base + dt.timedelta(days=int(value))
