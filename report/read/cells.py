"""Cell addresses and saved date numbers: E7 <-> column 5 of row 7, a range's corners, an Excel serial day.

The reader names cells with these, and the checker and every later stage point at cells with them.
"""

from __future__ import annotations

import datetime as dt
import re

_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


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
    return column_number(match.group(1))


def range_start(rng: str) -> tuple[int, int]:
    """D2:E2 -> (4, 2): the column and row of a range's first cell."""
    match = _REF.match(rng.split(":")[0].replace("$", ""))
    if match is None:
        raise ValueError(f"{rng!r} is not a range")
    return column_number(match.group(1)), int(match.group(2))


def range_start_row_end(rng: str) -> int:
    """D2:E3 -> 3: the last row a range covers."""
    last = rng.split(":")[-1]
    match = _REF.match(last.replace("$", ""))
    return int(match.group(2)) if match else 0


def split_ref(ref: str) -> tuple[int, int] | None:
    """E7 -> (5, 7), the column and row of a plain address; None if `ref` is not one."""
    match = _REF.match(ref)
    if match is None:
        return None
    return column_number(match.group(1)), int(match.group(2))


def column_number(letters: str) -> int:
    """E -> 5."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def excel_serial_to_date(value: float, epoch_1904: bool = False) -> dt.date:
    """An Excel serial day number as a date (1900 or 1904 system)."""
    if epoch_1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=int(value))
    # Excel counts 1900-02-29, which never was; serials from 61 on are one day ahead.
    base = dt.date(1899, 12, 30) if value >= 61 else dt.date(1899, 12, 31)
    return base + dt.timedelta(days=int(value))
