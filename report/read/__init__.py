"""The pipeline's first stage: file -> raw rows with their cells. Judges nothing about the values.

Values come from python-calamine (a Rust reader); what only the XML tells (which cells hold a formula,
whether its result was ever saved, error cells) comes from a byte-level scan of each table sheet that
looks only at the cells holding a formula or an error, so it costs about what inflating the part costs.
The file is opened read-only and read once into memory; it is never written. Everything is capped
(file size, unpacked size, shared strings, rows, the area a sheet spans) with a sentence before memory
is spent.

In reading order:
  files.py   the file's guards, before any parsing: type, size, zip bombs, XML entities
  tabs.py    the tabs workbook.xml lists, and which tab is each schema sheet
  scan.py    a byte scan of each sheet's XML: formula and error cells, the caps on rows and area
  grid.py    a sheet's rows as calamine reads them, and its header row
  raw.py     what comes out: RawWorkbook, RawSheet, RawRow, RawCell
  cells.py   cell addresses (E7) and Excel serial dates
"""

from __future__ import annotations

import hashlib
import io
import warnings
import zipfile
from pathlib import Path

import python_calamine

from .. import schema
from ..errors import UnreadableWorkbook
from .files import DAMAGED, read_bytes, sniff, unreadable
from .grid import read_sheet
from .raw import RawCell, RawRow, RawSheet, RawWorkbook
from .scan import cap_shared_strings, scan_sheet
from .tabs import choose, read_package

__all__ = ["RawCell", "RawRow", "RawSheet", "RawWorkbook", "read_workbook"]


def read_workbook(path: Path | str) -> RawWorkbook:
    """Read every sheet the schema knows into raw rows. Raises UnreadableWorkbook if it cannot."""
    path = Path(path)
    data = read_bytes(path)
    macros = sniff(path, data)
    # No library warning (a site-packages path and a class name) ever reaches the editor's terminal.
    with warnings.catch_warnings(), unreadable(path):
        warnings.simplefilter("ignore")
        return _read(path, data, macros)


def _read(path: Path, data: bytes, macros: bool) -> RawWorkbook:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        package = read_package(archive)
        chosen = choose(path, package.tabs)
        if package.strings_member is not None:
            cap_shared_strings(path, archive, package.strings_member)
        scans = {}
        for spec in schema.SHEETS:
            member = chosen.tabs[spec.name].member
            if member is None or member not in archive.namelist():
                raise UnreadableWorkbook(f"{path} {DAMAGED}")
            scans[spec.name] = scan_sheet(path, archive, member, chosen.tabs[spec.name].name)

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        sheets: dict[str, RawSheet] = {}
        for spec in schema.SHEETS:
            entry = chosen.tabs[spec.name]
            sheet = read_sheet(book.get_sheet_by_name(entry.name), entry, scans[spec.name], spec)
            sheets[spec.name] = sheet
    finally:
        book.close()
    return RawWorkbook(path=path, sheets=sheets, unknown_sheets=chosen.unknown, macros=macros,
                       epoch_1904=package.epoch_1904, sha256=hashlib.sha256(data).hexdigest(),
                       duplicates=chosen.duplicates, ignored_sheets=chosen.ignored)
