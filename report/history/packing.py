"""How values are written to the history: a snapshot compressed, JSON always the same text, times in UTC."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from typing import Any


def pack(snapshot: dict[str, Any]) -> bytes:
    """A snapshot as stored: its JSON, zlib-compressed. A 100,000-signal workbook's snapshot is 18 MB of JSON and
    1.6 MB stored, so a year of weekly editions stays small. (Older histories hold the JSON text; both are read.)"""
    return zlib.compress(stored_json(snapshot).encode("utf-8"), 6)


def unpack(stored: object) -> Any:
    """A stored snapshot: compressed JSON (bytes) or, from an older version, JSON text."""
    if isinstance(stored, bytes):
        try:
            stored = zlib.decompress(stored).decode("utf-8")
        except zlib.error as error:
            raise ValueError(f"its snapshot is not compressed JSON ({error})") from None
    return json.loads(stored)  # type: ignore[arg-type]


def stored_json(value: object) -> str:
    """`value` as the JSON text the history stores."""
    # Sorted keys and fixed separators: the same snapshot is always stored as the same text.
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def now() -> str:
    """Now, in UTC, as an ISO timestamp."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
