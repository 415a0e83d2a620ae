"""Checked rows -> the model's records: a Tracker of frozen Settings, Labs, Events, Signals, Milestones
and Sources. Made only when no rule found an error.

A reference to a lab or a source takes the spelling of its own sheet's row, so one name is one spelling.
"""

from __future__ import annotations

from typing import Any

from ..model import Event, Lab, Milestone, Record, Settings, Signal, Source, Tracker
from ..safety import name_key
from ..values import looks_like_url
from .tables import Row

RECORD_TYPES: dict[str, type[Record]] = {
    "Labs": Lab,
    "Events": Event,
    "Signals": Signal,
    "Milestones": Milestone,
    "Sources": Source,
}


def make_tracker(settings: dict[str, Any], tables: dict[str, list[Row]], lab_names: dict[str, str],
            source_names: dict[str, str]) -> Tracker:
    """The records of a workbook with no errors; `lab_names` and `source_names` by name key, as their sheets
    write them."""

    def records(sheet: str) -> tuple[Any, ...]:
        record_type = RECORD_TYPES[sheet]
        out = []
        spelled: dict[str, str] = {}
        sourced: dict[str, str] = {}
        for row in tables[sheet]:
            values = row.values  # the row is not used again: its dict becomes the record's arguments
            lab = values.get("lab")
            if lab is not None:
                # References take the spelling of the Labs sheet.
                if lab not in spelled:
                    spelled[lab] = lab_names[name_key(lab)]
                values["lab"] = spelled[lab]
            source = values.get("source")
            if isinstance(source, str) and sheet != "Sources" and not looks_like_url(source):
                # A source named with other spaces, case or Unicode form is the Sources sheet's row: one spelling.
                if source not in sourced:
                    sourced[source] = source_names.get(name_key(source), source)
                values["source"] = sourced[source]
            out.append(record_type(row=row.number, **values))
        return tuple(out)

    settings = dict(settings)
    settings["pivot_lab"] = lab_names[name_key(settings["pivot_lab"])]
    settings["recipients"] = settings.get("recipients") or ()
    settings["sign_off_required"] = settings.get("sign_off_required") == "Yes"
    for attr in ("stale_after_days", "call_margin"):
        settings[attr] = float(settings[attr])
    return Tracker(
        settings=Settings(**settings),
        labs=records("Labs"),
        events=records("Events"),
        signals=records("Signals"),
        milestones=records("Milestones"),
        sources=records("Sources"),
    )
