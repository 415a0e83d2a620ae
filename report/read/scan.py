"""A byte scan of each sheet's XML for what calamine's values do not tell: which cells hold a formula
(and whether its result was ever saved) and which hold an error. It also enforces the caps (shared
strings, rows holding a value, the area a sheet spans) before any grid is built.

Only the cells with a formula or an error are parsed, so a scan costs about what inflating the part costs.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UnreadableWorkbook
from .cells import column_number, split_ref
from .files import DAMAGED, SCAN_CHUNK
from .raw import RawCell

MAX_SHARED_STRINGS = 2_000_000  # a 100,000-signal workbook holds about 300,000
MAX_ROWS = 500_000  # rows holding a value, per sheet
# The reader holds a sheet as a dense grid from its first to its last filled cell (about 30 bytes a
# cell): one value at the far corner of a sheet would otherwise ask for gigabytes.
MAX_AREA = 16_000_000


def _chunks(path: Path, archive: zipfile.ZipFile, member: str) -> Iterator[bytes]:
    """A member's bytes, inflated a megabyte at a time."""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(SCAN_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
        raise UnreadableWorkbook(f"{path} {DAMAGED}") from error


def cap_shared_strings(path: Path, archive: zipfile.ZipFile, member: str) -> None:
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
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})\d')


@dataclass
class Scan:
    """What the XML of one sheet tells beyond calamine's values: the cells with a formula or an error."""

    special: dict[tuple[int, int], RawCell] = field(default_factory=dict)  # (row, column) -> cell


def scan_sheet(path: Path, archive: zipfile.ZipFile, member: str, title: str) -> Scan:
    """One pass over a sheet's XML, a megabyte at a time, in C-speed byte searches: the formula and
    error cells (parsed one by one; there are few), and the caps on rows and area before any grid is
    built."""
    scan = Scan()
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
                widest = max(widest, column_number(cell.group(1).decode()))
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


def _special_cells(window: bytes, scan: Scan, title: str, path: Path) -> None:
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
        where = split_ref(ref)
        if where is None:
            continue  # a cell without its address: calamine places it; no formula mark is possible
        column, row = where
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
            value = KEEP  # calamine's value (typed, with its date format)
        scan.special[(row, column)] = RawCell(value, ref, column, formula=formula, error=error)


KEEP = object()  # marker: take the value calamine read


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")
