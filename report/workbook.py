"""File -> raw rows with their cells. Judges nothing about the values.

Values come from python-calamine (a Rust reader); what only the XML tells (which cells hold a formula,
whether its result was ever saved, error cells) comes from a byte-level scan of each table sheet that
looks only at the cells holding a formula or an error, so it costs about what inflating the part costs.
The file is opened read-only and read once into memory; it is never written. Everything is capped
(file size, unpacked size, shared strings, rows, the area a sheet spans) with a sentence before memory
is spent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import stat
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from . import schema
from .errors import UnreadableWorkbook

# A real desk workbook is well under a megabyte; these caps stop a zip bomb long before memory does.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # compressed XML of blank styled rows reaches ~100:1; bombs reach 1000:1
MAX_SHARED_STRINGS = 2_000_000  # a 100,000-signal workbook holds about 300,000
MAX_ROWS = 500_000  # rows holding a value, per sheet
# The reader holds a sheet as a dense grid from its first to its last filled cell (about 30 bytes a
# cell): one value at the far corner of a sheet would otherwise ask for gigabytes.
MAX_AREA = 16_000_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
# Workbooks never declare a DTD; one in any part is an entity bomb or an external-entity attack.
DTD_MARKS = tuple(mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le",
                                                                                          "utf-16-be"))
SCAN_CHUNK = 1024 * 1024
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

DAMAGED = "is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
ENTITIES = ("contains XML entity declarations, which workbooks never need (it may be an attack): it was not "
            "opened.")


@dataclass(frozen=True)
class RawCell:
    """A cell's saved value and where it is."""

    value: object
    coordinate: str
    column: int
    formula: bool = False  # the cell holds a formula; `value` is its saved result
    error: bool = False  # the saved value is an error such as #DIV/0! or #N/A


class RawRow:
    """One row as saved: its values in a plain list (no object per cell), and the few cells that hold a
    formula or an error as RawCells."""

    __slots__ = ("first", "number", "special", "values")

    def __init__(self, number: int, values: list[Any], first: int = 1,
                 special: dict[int, RawCell] | None = None) -> None:
        self.number = number
        self.values = values  # values[i] is column first + i; "" or None for an empty cell
        self.first = first
        self.special = special  # by column index: cells with a formula or an error

    def value(self, column: int) -> Any:
        """The saved value of a column (1-based); None if empty."""
        if self.special is not None and column in self.special:
            return self.special[column].value
        i = column - self.first
        if 0 <= i < len(self.values):
            value = self.values[i]
            return None if value == "" else value
        return None

    def cell(self, column: int) -> RawCell | None:
        """The cell at a column (1-based), or None when it holds nothing."""
        if self.special is not None and column in self.special:
            return self.special[column]
        value = self.value(column)
        return None if value is None else RawCell(value, cell_name(column, self.number), column)

    @property
    def cells(self) -> dict[int, RawCell]:
        """Every cell that holds something, by column index (built on demand: a view for tests and tools)."""
        columns = [self.first + i for i, v in enumerate(self.values) if v is not None and v != ""]
        columns += list(self.special or ())
        out = {}
        for column in sorted(set(columns)):
            cell = self.cell(column)
            if cell is not None:
                out[column] = cell
        return out

    def is_blank(self) -> bool:
        if self.special:
            return False  # a formula, or an error, is something the editor put there
        for value in self.values:
            if value is not None and value != "" and not (isinstance(value, str) and not value.strip()):
                return False
        return True


@dataclass
class RawSheet:
    """A sheet as saved: its header row and the rows under it."""

    name: str
    header_row: int | None  # None: the sheet is empty
    headers: dict[int, str]  # column index -> header text as written
    rows: list[RawRow]
    merged: list[str] = field(default_factory=list)  # ranges that touch the table
    # Why that row is the header: "first" (the first row with text, naming this sheet's columns), "below"
    # (rows with text above it name none of this sheet's columns), "guess" (no row near the top names
    # one; the first row with text is taken).
    header_reason: str = "first"
    above: list[int] = field(default_factory=list)  # rows with text above the header row, skipped
    hidden: str | None = None  # "hidden" or "very hidden" when the tab is hidden


@dataclass
class RawWorkbook:
    path: Path
    sheets: dict[str, RawSheet]  # by schema name for the sheets we know, else as written
    unknown_sheets: list[str]
    macros: bool  # saved as .xlsm: macros are ignored
    epoch_1904: bool = False  # the workbook counts days from 1904 (old Mac Excel)
    sha256: str = ""  # of the bytes that were read: the edition records exactly what it was built from
    # schema sheet name -> every sheet whose name matches it (case and spaces ignored), when more than one
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    # sheets never read as data nor warned about (README, Fix list), as written: `upgrade` still names a Fix list
    ignored_sheets: list[str] = field(default_factory=list)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks that need no parsing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableWorkbook(f"There is no file at {path}: check the path and try again.") from None
    except OSError as error:
        raise UnreadableWorkbook(f"{path} cannot be read ({error.strerror}): check its permissions.") from error
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableWorkbook(f"{path} is a folder, not a workbook: give the path of an .xlsx file.")
    # A pipe would block and a device never end: neither is opened.
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableWorkbook(_NOT_REGULAR.format(path=path))
    size = info.st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableWorkbook(
            f"{path} is {size // (1024 * 1024)} MB, too large for a desk workbook: remove what is not needed "
            "and save it again."
        )
    try:
        with path.open("rb") as handle:  # read-only: the input is never written
            # Read one byte past the cap: files under /proc say 0 bytes and are not.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UnreadableWorkbook(f"{path} cannot be read ({error.strerror}): check its permissions.") from error
    if size == 0 and data:
        raise UnreadableWorkbook(_NOT_REGULAR.format(path=path))
    if not data:
        raise UnreadableWorkbook(f"{path} is an empty file (0 bytes): save the workbook again from Excel or LibreOffice.")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableWorkbook(f"{path} is too large for a desk workbook: remove what is not needed and save it "
                                 "again.")
    return data


_NOT_REGULAR = ("{path} is not a regular file (it is a device, a pipe or a system file): give the path of an .xlsx "
                "file.")


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


@dataclass(frozen=True)
class _SheetEntry:
    """A tab of the workbook as workbook.xml lists it."""

    name: str
    member: str | None  # the zip member of its XML
    kind: str  # "worksheet", "chartsheet", "dialogsheet", "macrosheet" ...
    state: str  # "visible", "hidden" or "veryHidden"


def read_workbook(path: Path | str) -> RawWorkbook:
    """Read every sheet the schema knows into raw rows. Raises UnreadableWorkbook if it cannot."""
    path = Path(path)
    data = read_bytes(path)
    macros = sniff(path, data)
    # No library warning (a site-packages path and a class name) ever reaches the editor's terminal.
    with warnings.catch_warnings(), _unreadable(path):
        warnings.simplefilter("ignore")
        return _read(path, data, macros)


def _read(path: Path, data: bytes, macros: bool) -> RawWorkbook:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries, epoch_1904, strings_member = _package(archive)
        names = [e.name for e in entries]
        by_key: dict[str, list[_SheetEntry]] = {}
        for entry in entries:
            by_key.setdefault(schema.header_key(entry.name), []).append(entry)
        missing = [s.name for s in schema.SHEETS if schema.header_key(s.name) not in by_key]
        if missing:
            found = ", ".join(names) or "none"
            listed = " and ".join(", ".join(missing).rsplit(", ", 1))
            plural = "sheets" if len(missing) > 1 else "sheet"
            raise UnreadableWorkbook(
                f"{path} has no {listed} {plural} (sheets found: {found}): use a workbook made by 'report init'."
            )
        chosen: dict[str, _SheetEntry] = {}
        duplicates: dict[str, list[str]] = {}
        for spec in schema.SHEETS:
            matches = by_key[schema.header_key(spec.name)]
            tables = [m for m in matches if m.kind == "worksheet"]
            if not tables:
                what = {"chartsheet": "a chart sheet", "dialogsheet": "a dialog sheet",
                        "macrosheet": "a macro sheet"}.get(matches[0].kind, f"a {matches[0].kind}")
                raise UnreadableWorkbook(
                    f"{path}: the sheet {matches[0].name!r} is {what}, not a table: rename it and add a "
                    f"{spec.name} sheet with the table, as 'report init' makes it."
                )
            if len(matches) > 1:
                duplicates[spec.name] = [m.name for m in matches]
            # The exact spelling wins; otherwise the first in tab order.
            chosen[spec.name] = next((m for m in tables if m.name == spec.name), tables[0])
        known = {schema.header_key(s.name) for s in schema.SHEETS} | {
            schema.header_key(name) for name in (schema.README_SHEET, schema.FIX_LIST_SHEET)}
        unknown = [name for name in names if schema.header_key(name) not in known]
        ignored = [name for name in names if schema.header_key(name) in known - {
            schema.header_key(s.name) for s in schema.SHEETS}]
        if strings_member is not None:
            _cap_shared_strings(path, archive, strings_member)
        scans = {}
        for spec in schema.SHEETS:
            member = chosen[spec.name].member
            if member is None or member not in archive.namelist():
                raise UnreadableWorkbook(f"{path} {DAMAGED}")
            scans[spec.name] = _scan_sheet(path, archive, member, chosen[spec.name].name)

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        sheets: dict[str, RawSheet] = {}
        for spec in schema.SHEETS:
            entry = chosen[spec.name]
            sheet = _read_sheet(book.get_sheet_by_name(entry.name), entry, scans[spec.name], spec)
            sheets[spec.name] = sheet
    finally:
        book.close()
    return RawWorkbook(path=path, sheets=sheets, unknown_sheets=unknown, macros=macros, epoch_1904=epoch_1904,
                       sha256=hashlib.sha256(data).hexdigest(), duplicates=duplicates, ignored_sheets=ignored)


def _package(archive: zipfile.ZipFile) -> tuple[list[_SheetEntry], bool, str | None]:
    """The tabs in order (name, XML part, kind, visibility), whether dates count from 1904, and the
    shared-strings part, from workbook.xml and its relationships."""
    names = set(archive.namelist())
    book_member = next((n for n in ("xl/workbook.xml",) if n in names), None)
    if book_member is None:
        book_member = next(n for n in sorted(names) if n.startswith("xl/workbook"))
    root = fromstring(archive.read(book_member))
    rels_member = str(PurePosixPath(book_member).parent / "_rels" / (PurePosixPath(book_member).name + ".rels"))
    targets: dict[str, tuple[str, str]] = {}
    if rels_member in names:
        for rel in fromstring(archive.read(rels_member)):
            target = rel.get("Target", "")
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if target.startswith("/"):
                member = target.lstrip("/")
            else:
                member = os.path.normpath(str(PurePosixPath(book_member).parent / target)).replace(os.sep, "/")
            targets[rel.get("Id", "")] = (member, kind)
    epoch_1904 = False
    entries: list[_SheetEntry] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr":
            epoch_1904 = element.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            member, kind = targets.get(element.get(f"{{{REL_NS}}}id", ""), (None, "worksheet"))
            entries.append(_SheetEntry(element.get("name", ""), member, kind or "worksheet",
                                       element.get("state", "visible")))
    strings = next((m for m, kind in targets.values() if kind == "sharedStrings"), None)
    if strings is None and "xl/sharedStrings.xml" in names:
        strings = "xl/sharedStrings.xml"
    return entries, epoch_1904, strings


def _chunks(path: Path, archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """A member's bytes, inflated a megabyte at a time."""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(SCAN_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
        raise UnreadableWorkbook(f"{path} {DAMAGED}") from error


def _cap_shared_strings(path: Path, archive: zipfile.ZipFile, member: str) -> None:
    """Refuse a shared-strings table too large for a desk workbook, counting without keeping any of it."""
    count = 0
    carry = b""
    for chunk in _chunks(path, archive, member):
        window = carry + chunk
        cut = window.rfind(b"<")
        window, carry = window[:cut], window[cut:]
        # <si> and <si ...>, with or without a namespace prefix, and the empty <si/>.
        count += window.count(b"<si>") + window.count(b"<si ") + window.count(b"<si/")
        if b":si" in window:
            count += len(_PREFIXED_SI.findall(window))
        if count > MAX_SHARED_STRINGS:
            raise UnreadableWorkbook(
                f"{path} holds more than {MAX_SHARED_STRINGS:,} different texts, far more than a desk workbook "
                "needs (most are likely unused): copy the sheets into a new workbook, save it, and use that."
            )


_PREFIXED_SI = re.compile(rb"<\w+:si[\s>/]")
# The opening tag of a cell, with its attributes.
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_ATTR = re.compile(rb'\b(r|t)="([^"]*)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_TYPE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="e"')
_VALUE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?(?:/>|>([^<]*)<)", re.DOTALL)
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})\d')


@dataclass
class _Scan:
    """What the XML of one sheet tells beyond calamine's values: the cells with a formula or an error."""

    special: dict[tuple[int, int], RawCell] = field(default_factory=dict)  # (row, column) -> cell


def _scan_sheet(path: Path, archive: zipfile.ZipFile, member: str, title: str) -> _Scan:
    """One pass over a sheet's XML, a megabyte at a time, in C-speed byte searches: the formula and
    error cells (parsed one by one; there are few), and the caps on rows and area before any grid is
    built."""
    scan = _Scan()
    carry = b""
    row_tags = 0
    counted = False
    last_value_row = 0
    widest = 1
    for chunk in _chunks(path, archive, member):
        window = carry + chunk
        # Cut after the last complete row, so no cell is split between two windows.
        cut = window.rfind(b"</row>")
        cut = cut + 6 if cut >= 0 else (window.rfind(b":row>") + 5 if b":row>" in window else -1)
        if cut <= 0:
            carry = window
            if len(carry) > 64 * SCAN_CHUNK:  # one row bigger than a workbook could hold
                raise UnreadableWorkbook(_too_many(path, title))
            continue
        window, carry = window[:cut], window[cut:]
        row_tags += window.count(b"<row")
        if row_tags > MAX_ROWS and not counted:
            # Rows may be styled and empty: past the cap, count again only the ones that hold a value.
            counted = True
            if _value_rows(path, archive, member) > MAX_ROWS:
                raise UnreadableWorkbook(_too_many(path, title))
        last = max(window.rfind(b"<v>"), window.rfind(b"<is>"), window.rfind(b":v>"))
        if last >= 0:
            tag = max(window.rfind(b"<row", 0, last), window.rfind(b"<", 0, max(window.rfind(b":row", 0, last), 0)))
            found = _ROW_NUMBER.match(window, tag) if tag >= 0 else None
            if found is not None:
                last_value_row = max(last_value_row, int(found.group(1)))
            # The last filled cell of a window ends its row: its column stands for the table's width.
            cell = _CELL_REF.match(window, max(window.rfind(b"<c ", 0, last), 0))
            if cell is not None:
                widest = max(widest, _column_number(cell.group(1).decode()))
        if b"<f" in window or b":f" in window or b't="e"' in window:
            _special_cells(window, scan, title, path)
    if last_value_row * widest > MAX_AREA:
        raise UnreadableWorkbook(
            f"{path}: the sheet {title!r} has a value as far out as row {last_value_row:,}, which would mean "
            f"reading a grid of more than {MAX_AREA:,} cells: delete the stray cells below and to the right of "
            "the table, save, and retry."
        )
    return scan


def _value_rows(path: Path, archive: zipfile.ZipFile, member: str) -> int:
    """The rows of a sheet that hold a saved value or inline text (a second, slower pass: only for sheets
    with more row elements than the cap)."""
    count = 0
    carry = b""
    for chunk in _chunks(path, archive, member):
        window = carry + chunk
        cut = window.rfind(b"<row")
        window, carry = (window[:cut], window[cut:]) if cut > 0 else (b"", window)
        count += sum(1 for piece in window.split(b"<row")[1:] if b"<v>" in piece or b"<is>" in piece
                     or b":v>" in piece or b":is>" in piece)
    piece = carry
    return count + (1 if b"<v>" in piece or b"<is>" in piece or b":v>" in piece or b":is>" in piece else 0)


def _too_many(path: Path, title: str) -> str:
    return (f"{path}: the sheet {title!r} has more than {MAX_ROWS:,} rows holding values, more than the tool reads: "
            "move old rows to an archive workbook and retry.")


def _special_cells(window: bytes, scan: _Scan, title: str, path: Path) -> None:
    """Parse just the cells that hold a formula or an error."""
    starts: set[int] = set()
    for match in _FORMULA.finditer(window):
        prefixed = window.rfind(b":c ", 0, match.start())
        start = max(window.rfind(b"<c ", 0, match.start()), window.rfind(b"<c>", 0, match.start()),
                    window.rfind(b"<", 0, prefixed) if prefixed > 0 else -1)
        if start >= 0:
            starts.add(start)
    for match in _ERROR_TYPE.finditer(window):
        starts.add(match.start())
    for start in sorted(starts):
        opening = _CELL.match(window, start)
        if opening is None:
            continue
        attrs = dict(_ATTR.findall(opening.group(1)))
        ref = attrs.get(b"r", b"").decode()
        where = _REF.match(ref)
        if where is None:
            continue  # a cell without its address: calamine places it; no formula mark is possible
        column, row = _column_number(where.group(1)), int(where.group(2))
        if opening.group(2):  # <c .../>: empty
            continue
        end = window.find(b"</c>", opening.end())
        if end < 0:
            end = window.find(b":c>", opening.end())
        body = window[opening.end():end if end >= 0 else len(window)]
        formula = _FORMULA.search(body) is not None
        kind = attrs.get(b"t", b"n")
        saved = _VALUE.search(body)
        text = None if saved is None else (saved.group(1) or b"").decode("utf-8", errors="replace")
        error = kind == b"e"
        if error:
            value: object = _unescape(text or "#N/A")
        elif text is None or text == "":
            # A formula never calculated has no saved value; an empty text result (=IF(...,"",...)) is
            # marked t="str" by Excel and LibreOffice.
            value = "" if kind == b"str" and saved is not None else None
        else:
            value = _KEEP  # calamine's value (typed, with its date format)
        scan.special[(row, column)] = RawCell(value, ref, column, formula=formula, error=error)


_KEEP = object()  # marker: take the value calamine read


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _read_sheet(sheet: Any, entry: _SheetEntry, scan: _Scan, spec: schema.Sheet) -> RawSheet:
    """One sheet: calamine's rows (a list of values each, no object per cell), the formula and error
    cells laid over them, merged ranges, and the header row found."""
    _, start_column = sheet.start if sheet.start is not None else (0, 0)
    first = start_column + 1
    by_row: dict[int, dict[int, RawCell]] = {}
    for (at, column), cell in scan.special.items():
        by_row.setdefault(at, {})[column] = cell
    merged = []
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        merged.append(f"{cell_name(left + 1, top + 1)}:{cell_name(right + 1, bottom + 1)}")
    # Only a merged range's first cell keeps its value, as Excel and LibreOffice show it.
    cleared: dict[int, list[int]] = {}
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        for r in range(top + 1, bottom + 2):
            cleared.setdefault(r, []).extend(c for c in range(left + 1, right + 2) if (r, c) != (top + 1, left + 1))

    keys = {c.key for c in spec.columns}
    rows: list[RawRow] = []
    header_row: int | None = None
    headers: dict[int, str] = {}
    candidates: list[RawRow] = []  # rows with text before the header is settled
    reason = "first"
    above: list[int] = []
    number = 0  # iter_rows starts at the first row of the sheet, and at the first filled column
    for values in sheet.iter_rows():
        number += 1
        special = by_row.pop(number, None)
        if special is not None:
            for column, cell in list(special.items()):
                if cell.value is _KEEP:
                    i = column - first
                    kept = values[i] if 0 <= i < len(values) else None
                    special[column] = RawCell(kept, cell.coordinate, column, formula=cell.formula)
        if number in cleared:
            for column in cleared[number]:
                if 0 <= column - first < len(values):
                    values[column - first] = ""
                if special:
                    special.pop(column, None)
        if not special and values.count("") == len(values):
            continue  # an empty row in the grid, or a styled one: nothing to read
        row = RawRow(number, values, first, special or None)
        if header_row is None:
            if row.is_blank():
                continue
            candidates.append(row)
            if _names_a_column(values, keys) or len(candidates) >= HEADER_SEARCH:
                header_row, reason, above = _choose_header(candidates, keys)
                headers = _headers(next(r for r in candidates if r.number == header_row).values, first)
                # Rows between a guessed header and the row that ended the search are data.
                rows.extend(r for r in candidates if r.number > header_row)
            continue
        rows.append(row)
    for number, special in by_row.items():  # formula cells calamine saw as empty rows (no saved value)
        if header_row is not None and number > header_row:
            for column, cell in list(special.items()):
                if cell.value is _KEEP:  # outside calamine's grid: no value was read
                    special[column] = RawCell(None, cell.coordinate, column, formula=cell.formula)
            rows.append(RawRow(number, [], first, special))
    if header_row is None and candidates:
        header_row, reason, above = _choose_header(candidates, keys)
        headers = _headers(next(r for r in candidates if r.number == header_row).values, first)
        rows.extend(r for r in candidates if r.number > header_row)
    rows.sort(key=lambda r: r.number)
    touching = [ref for ref in merged if header_row is not None and range_start_row_end(ref) >= header_row]
    hidden = {"hidden": "hidden", "veryHidden": "very hidden"}.get(entry.state)
    return RawSheet(entry.name, header_row, headers, rows, touching, reason, above, hidden)


HEADER_SEARCH = 10  # rows with text looked at for the header: a title and a note or two may sit above it


def _names_a_column(values: list[Any], keys: set[str]) -> bool:
    return any(isinstance(v, str) and v.strip() and schema.header_key(v) in keys for v in values)


def _choose_header(candidates: list[RawRow], keys: set[str]) -> tuple[int, str, list[int]]:
    """The header row among the first rows with text: the first that names one of the sheet's columns;
    if none does, the first row with text."""
    for i, row in enumerate(candidates):
        if _names_a_column(row.values, keys):
            return row.number, "first" if i == 0 else "below", [r.number for r in candidates[:i]]
    return candidates[0].number, "guess", []


def _headers(values: list[Any], first: int) -> dict[int, str]:
    return {first + i: _text(v) for i, v in enumerate(values) if not _blank(v)}


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def range_start_row_end(rng: str) -> int:
    """D2:E3 -> 3: the last row a range covers."""
    last = rng.split(":")[-1]
    match = _REF.match(last.replace("$", ""))
    return int(match.group(2)) if match else 0


@contextmanager
def _unreadable(path: Path) -> Iterator[None]:
    """Turn what a damaged or hostile package raises into UnreadableWorkbook and a sentence."""
    try:
        yield
    except UnreadableWorkbook:
        raise
    except Exception as error:  # the readers raise many kinds, often wrapping the cause
        causes = _causes(error)
        if any(isinstance(cause, DefusedXmlException) for cause in causes):
            raise UnreadableWorkbook(f"{path} {ENTITIES}") from error
        if any(isinstance(cause, (zipfile.BadZipFile, zlib.error, EOFError, python_calamine.ZipError,
                                  python_calamine.XmlError)) for cause in causes):
            raise UnreadableWorkbook(f"{path} {DAMAGED}") from error
        raise UnreadableWorkbook(
            f"{path} could not be read as a workbook ({_plain_cause(error)}): open it in Excel or LibreOffice, "
            "save it again, and retry."
        ) from error


def _plain_cause(error: BaseException) -> str:
    """What went wrong, in words rather than a class name where we can."""
    if isinstance(error, python_calamine.CalamineError):
        return "its contents do not follow the Excel format"
    if isinstance(error, (KeyError, StopIteration)):
        return "a part it lists is missing"
    return "its contents do not follow the Excel format"


def _causes(error: BaseException) -> list[BaseException]:
    """The error and everything it was raised from or during."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def cell_name(column: int, row: int) -> str:
    """E7."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def column_index(coordinate: str) -> int:
    """E7 -> 5 (the first cell of a range for D2:E2)."""
    match = _REF.match(coordinate.split(":")[0].replace("$", ""))
    if match is None:
        raise ValueError(f"{coordinate!r} is not a cell address")
    return _column_number(match.group(1))


def range_start(rng: str) -> tuple[int, int]:
    """D2:E2 -> (4, 2): the column and row of a range's first cell."""
    match = _REF.match(rng.split(":")[0].replace("$", ""))
    if match is None:
        raise ValueError(f"{rng!r} is not a range")
    return _column_number(match.group(1)), int(match.group(2))


def excel_serial_to_date(value: float, epoch_1904: bool = False) -> dt.date:
    """An Excel serial day number as a date (1900 or 1904 system)."""
    if epoch_1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=int(value))
    # Excel counts 1900-02-29, which never was; serials from 61 on are one day ahead.
    base = dt.date(1899, 12, 30) if value >= 61 else dt.date(1899, 12, 31)
    return base + dt.timedelta(days=int(value))
