"""File -> raw rows with their cells. Judges nothing about the values.

Everything that touches openpyxl is here, behind `read_workbook`, so the engine can change later.
The file is opened read-only and read once into memory; it is never written. Sheets are streamed with
openpyxl's own sheet parser (see `_CellParser`), so cost follows the cells the file holds, not the
range it claims.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from . import schema
from .errors import UnreadableWorkbook

# A real desk workbook is well under a megabyte; these caps stop a zip bomb long before memory does.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # compressed XML of blank styled rows reaches ~100:1; bombs reach 1000:1

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
# Workbooks never declare a DTD; one in any part is an entity bomb or an external-entity attack.
DTD_MARKS = tuple(mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le",
                                                                                          "utf-16-be"))
SCAN_CHUNK = 1024 * 1024
FORMULA_TAG = f"{{{SHEET_MAIN_NS}}}f"
VALUE_TAG = f"{{{SHEET_MAIN_NS}}}v"


@dataclass(frozen=True)
class RawCell:
    """A cell's saved value and where it is."""

    value: object
    coordinate: str
    column: int
    formula: bool = False  # the cell holds a formula; `value` is its saved result
    error: bool = False  # the saved value is an error such as #DIV/0! or #N/A


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
    sha256: str = ""  # of the bytes that were read: the edition records exactly what it was built from


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
        head = _text_head(data)
        if head is not None and (head.startswith(("<!doctype html", "<html", "<table", "<?xml")) or "<html" in head):
            what = "an HTML or XML page"
        elif head is not None and ("," in head or ";" in head or "\t" in head):
            what = "a text (CSV) file"
        else:
            raise UnreadableWorkbook(
                f"{path} is not an Excel workbook: give the path of an .xlsx file saved by Excel or LibreOffice."
            )
        named = " named like a workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else ", not a workbook"
        raise UnreadableWorkbook(
            f"{path} is {what}{named}: open it in Excel or LibreOffice and save it as .xlsx."
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
        if "xl/workbook.bin" in names:
            raise UnreadableWorkbook(
                f"{path} is an Excel binary workbook (.xlsb): save it as Excel Workbook (.xlsx) and use that."
            )
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
            if any(n.startswith("word/") for n in names):
                what = "a Word document, not an Excel workbook"
            elif any(n.startswith("ppt/") for n in names):
                what = "a PowerPoint presentation, not an Excel workbook"
            else:
                what = "a zip archive but not an Excel workbook"
            raise UnreadableWorkbook(f"{path} is {what}: give the path of an .xlsx file.")
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNPACKED_BYTES or (info.file_size > 10 * 1024 * 1024 and ratio > MAX_RATIO):
                raise UnreadableWorkbook(
                    f"{path} unpacks to far more data than a workbook holds (a zip bomb?): it was not opened."
                )
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels", ".vml")) and _declares_dtd(path, archive, info):
                raise UnreadableWorkbook(
                    f"{path} contains XML entity declarations, which workbooks never need (it may be an "
                    "attack): it was not opened."
                )
        content_types = archive.read("[Content_Types].xml")
    # Sizes were capped above; zipfile never inflates a member past its declared size.
    return b"macroEnabled" in content_types or "xl/vbaProject.bin" in names


def _text_head(data: bytes) -> str | None:
    """The start of the file, lower-cased, if it is text (UTF-8, Windows code page, or UTF-16 as Excel's
    "Unicode text"); None if it is binary."""
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    else:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            text = head.decode("latin-1")  # Excel's CSV on Windows is cp1252; only the ASCII matters here
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    return text.lstrip("\ufeff \t\r\n").lower()


def _declares_dtd(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True if the member declares a DTD anywhere (read in chunks: a DOCTYPE may follow long padding)."""
    overlap = max(len(mark) for mark in DTD_MARKS)
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(SCAN_CHUNK):
                window = tail + chunk
                if any(mark in window for mark in DTD_MARKS):
                    return True
                tail = window[-overlap:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
        raise UnreadableWorkbook(
            f"{path} is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
        ) from error
    return False


def read_workbook(path: Path | str) -> RawWorkbook:
    """Read every sheet the schema knows into raw rows. Raises UnreadableWorkbook if it cannot."""
    path = Path(path)
    data = read_bytes(path)
    macros = sniff(path, data)
    with _unreadable(path):
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        by_key = {schema.header_key(ws.title): ws for ws in book.worksheets}
        missing = [s.name for s in schema.SHEETS if schema.header_key(s.name) not in by_key]
        if missing:
            found = ", ".join(book.sheetnames) or "none"
            names = " and ".join(", ".join(missing).rsplit(", ", 1))
            plural = "sheets" if len(missing) > 1 else "sheet"
            raise UnreadableWorkbook(
                f"{path} has no {names} {plural} (sheets found: {found}): use a workbook made by 'report init'."
            )
        known = {schema.header_key(s.name) for s in schema.SHEETS} | {
            schema.header_key(name) for name in (schema.README_SHEET, schema.FIX_LIST_SHEET)}
        unknown = [name for name in book.sheetnames if schema.header_key(name) not in known]
        sheets: dict[str, RawSheet] = {}
        with _unreadable(path):
            for spec in schema.SHEETS:
                sheets[spec.name] = _read_sheet(book, by_key[schema.header_key(spec.name)])
        epoch_1904 = book.epoch == CALENDAR_MAC_1904
    finally:
        book.close()
    return RawWorkbook(path=path, sheets=sheets, unknown_sheets=unknown, macros=macros, epoch_1904=epoch_1904,
                       sha256=hashlib.sha256(data).hexdigest())


@contextmanager
def _unreadable(path: Path) -> Iterator[None]:
    """Turn what openpyxl raises for a damaged or hostile package into UnreadableWorkbook and a sentence."""
    try:
        yield
    except UnreadableWorkbook:
        raise
    except Exception as error:  # openpyxl raises many kinds, often wrapping the cause in a ValueError
        causes = _causes(error)
        if any(isinstance(cause, DefusedXmlException) for cause in causes):
            raise UnreadableWorkbook(
                f"{path} contains XML entity declarations, which workbooks never need (it may be an attack): "
                "it was not opened."
            ) from error
        if any(isinstance(cause, (zipfile.BadZipFile, zlib.error, EOFError)) for cause in causes):
            raise UnreadableWorkbook(
                f"{path} is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
            ) from error
        raise UnreadableWorkbook(
            f"{path} could not be read as a workbook ({type(error).__name__}): open it in Excel or LibreOffice, "
            "save it again, and retry."
        ) from error


def _causes(error: BaseException) -> list[BaseException]:
    """The error and everything it was raised from or during."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class _CellParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's streaming sheet parser, in data_only mode (each formula's saved value), that also notes
    which cells hold a formula: one pass gives both, where openpyxl's public API needs two loads."""

    def parse_cell(self, element):  # type: ignore[no-untyped-def]
        cell = super().parse_cell(element)
        cell["formula"] = element.find(FORMULA_TAG) is not None
        if cell["formula"] and cell["value"] is None and element.get("t") == "str" and \
                element.find(VALUE_TAG) is not None:
            # A saved empty text result (=IF(...,"",...)), not a missing one. openpyxl writes <v/> with no
            # type for formulas it never calculated; Excel and LibreOffice mark text results t="str".
            cell["value"] = ""
        return cell


def _read_sheet(book, ws) -> RawSheet:  # type: ignore[no-untyped-def]
    """One sheet, streamed: only the cells the file holds (so a lying <dimension>, thousands of formatted
    empty rows or one styled cell at row 1,048,576 cost next to nothing)."""
    by_row: dict[int, dict[int, RawCell]] = {}
    with ws._get_source() as source:
        parser = _CellParser(source, ws._shared_strings, data_only=True, epoch=book.epoch,
                             date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, parsed in parser.parse():
            cells: dict[int, RawCell] = {}
            for cell in parsed:
                value, formula = cell["value"], cell["formula"]
                if value is None and not formula:
                    continue  # a styled empty cell
                column = cell["column"]
                cells[column] = RawCell(value, cell_name(column, number), column, formula=formula,
                                        error=cell["data_type"] == "e")
            if cells:
                by_row[number] = cells
        merged = [m.ref for m in parser.merged_cells.mergeCell] if parser.merged_cells else []

    # Only a merged range's first cell keeps its value, as Excel and LibreOffice show it.
    for ref in merged:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        for number in range(min_row, max_row + 1):
            row_cells = by_row.get(number)
            if row_cells:
                for column in range(min_col, max_col + 1):
                    if (number, column) != (min_row, min_col):
                        row_cells.pop(column, None)

    header_row: int | None = None
    headers: dict[int, str] = {}
    rows: list[RawRow] = []
    for number in sorted(by_row):
        cells = by_row[number]
        if header_row is None:
            if all(_blank(c.value) and not c.formula for c in cells.values()):
                continue
            header_row = number
            headers = {i: str(c.value).strip() for i, c in sorted(cells.items()) if not _blank(c.value)}
            continue
        rows.append(RawRow(number, dict(sorted(cells.items()))))
    touching = [ref for ref in merged if header_row is not None and range_boundaries(ref)[3] >= header_row]
    return RawSheet(ws.title, header_row, headers, rows, touching)


def cell_name(column: int, row: int) -> str:
    """E7."""
    return f"{get_column_letter(column)}{row}"


def column_index(coordinate: str) -> int:
    """E7 -> 5 (the first cell of a range for D2:E2)."""
    letters, _ = coordinate_from_string(coordinate.split(":")[0].replace("$", ""))
    return column_index_from_string(letters)


def range_start(rng: str) -> tuple[int, int]:
    """D2:E2 -> (4, 2): the column and row of a range's first cell."""
    min_col, min_row, _, _ = range_boundaries(rng)
    assert min_col is not None and min_row is not None
    return min_col, min_row


def excel_serial_to_date(value: float, epoch_1904: bool = False) -> dt.date:
    """An Excel serial day number as a date (1900 or 1904 system)."""
    if epoch_1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=int(value))
    # Excel counts 1900-02-29, which never was; serials from 61 on are one day ahead.
    base = dt.date(1899, 12, 30) if value >= 61 else dt.date(1899, 12, 31)
    return base + dt.timedelta(days=int(value))
