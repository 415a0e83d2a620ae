"""The editions built so far and the emails sent, in a small SQLite database (standard library only).

Callers hold a `History` (handle.py) and read back the row types (rows.py). One job per module:

    handle.py    History: the one public handle; each method hands its job to a module below
    store.py     the file: judged ours or refused, opened, brought up to date (MIGRATIONS), SQLite's errors as
                 sentences; Store.transaction and Store.read are how every module below writes and reads
    rows.py      the row types, the check each stored value passes when read, `report history --json`
    packing.py   how values are written: snapshots compressed, JSON as one text, times in UTC
    editions.py  recording an edition (with the publish mark), the previous one, the trend, the corrections
    sign_off.py  what the history says about a message's bytes, approvals, sends and each send's copy
    pages.py     what the web archive keeps of each edition (History.record stores a Page with its edition)
    actions.py   what report desk did
"""

from __future__ import annotations

from .handle import History
from .pages import Page
from .rows import (
    ActionRow,
    ApprovalRow,
    EditionRow,
    PageRow,
    PreviousEdition,
    SendRow,
    TrendPoint,
    as_json,
)
from .sign_off import EditionSignOff, SignOffRecord
from .store import DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_TIMEOUT",
    "ActionRow",
    "ApprovalRow",
    "EditionRow",
    "EditionSignOff",
    "History",
    "Page",
    "PageRow",
    "PreviousEdition",
    "SendRow",
    "SignOffRecord",
    "TrendPoint",
    "as_json",
]
