"""What changed since the last edition (SPEC §6, section 4): snapshots of the records and their comparison.

A snapshot is plain JSON kept in the history database: per sheet, its field names once and each row as a list
of values (format 2; format 1 kept a dict per row, and old histories are still read). `compare` matches rows
by their natural keys
(schema `Sheet.key`), ignoring case and spacing the way editors type them, and names fields by their
column headers so readers see "Flagship weights", not `flagship_weights`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from . import schema
from .briefing import Briefing, Changes, FieldChange, RowChange
from .model import Tracker, plain
from .safety import name_key
from .values import text

if TYPE_CHECKING:
    from .history import PreviousEdition

SNAPSHOT_FORMAT = 2
BLANK = "(blank)"  # how an empty cell reads in a before → after pair
KEY_SEPARATOR = " · "

# Settings that change every week by design: reporting them would be noise.
QUIET_SETTINGS = frozenset({"edition_date"})

Row = Mapping[str, Any]
Key = tuple[str, ...]


def snapshot(tracker: Tracker) -> dict[str, Any]:
    """Every record per sheet and the settings, as compact JSON-able data (see the module docstring).

    Rows are sorted, so moving rows around in the workbook changes nothing.
    """
    sheets: dict[str, dict[str, list[Any]]] = {}
    tables = tracker.tables()
    for sheet in schema.TABLES:
        records = tables.get(sheet.name, ())
        names = [f.name for f in fields(records[0]) if f.name != "row"] if records else \
            [column.attr for column in sheet.columns]
        rows = [[plain(getattr(record, name)) for name in names] for record in records]
        rows.sort(key=repr)  # any total order will do; repr is one C call per row
        sheets[sheet.name] = {"columns": names, "rows": rows}
    return {"format": SNAPSHOT_FORMAT, "settings": tracker.settings.snapshot(), "sheets": sheets}


def compare(previous: PreviousEdition | None, current: Mapping[str, Any], briefing: Briefing) -> Changes:
    """The changes from `previous` (the latest earlier edition) to `current` and `briefing`.

    None for `previous` means this is the first edition. A row whose key changed shows as removed plus added.
    """
    if previous is None:
        return Changes(previous_edition=None)
    rows = [*_settings_changes(previous.snapshot, current)]
    for sheet in schema.TABLES:
        rows.extend(_sheet_changes(sheet, _rows(previous.snapshot, sheet.name), _rows(current, sheet.name)))
    return Changes(
        previous_edition=previous.edition,
        rows=tuple(rows),
        verdict_before=previous.state,
        verdict_after=briefing.verdict.state,
        score_before=previous.score,
        score_after=briefing.verdict.score,
        figures=tuple(figure_changes(previous.figures, briefing.figures.as_dict())),
    )


def normalise_key(value: object) -> str:
    """A key part as compared: case-insensitive, runs of spaces as one, no surrounding spaces."""
    return name_key(display(value, blank=""))


def row_key(sheet: schema.Sheet, row: Row) -> Key:
    """The natural key of a snapshot row, normalised."""
    return tuple(normalise_key(row.get(sheet.column(name).attr)) for name in sheet.key)


def key_label(sheet: schema.Sheet, row: Row) -> str:
    """The natural key as the reader sees it: "2026-05-30 · DeepSeek · Closed flagship · …"; blanks left out."""
    parts = (display(row.get(sheet.column(name).attr), blank="") for name in sheet.key)
    return KEY_SEPARATOR.join(part for part in parts if part)


def display(value: object, blank: str = BLANK) -> str:
    """A snapshot value as shown to readers: numbers without a spurious .0, lists joined with '; '."""
    if value is None or value == "" or value == []:
        return blank
    if isinstance(value, (list, tuple)):
        return "; ".join(display(item, blank="") for item in value)
    return text(value)


def _rows(snap: Mapping[str, Any], sheet: str) -> list[Row]:
    """A sheet's rows as field -> value mappings, from a snapshot of either format."""
    # Snapshots written by older versions may lack a sheet: read that as no rows.
    data = (snap.get("sheets") or {}).get(sheet)
    if isinstance(data, Mapping):  # format 2: field names once, then a list of values per row
        names = data.get("columns") or []
        return [dict(zip(names, row, strict=False)) for row in data.get("rows") or [] if isinstance(row, list)]
    return [row for row in data or [] if isinstance(row, Mapping)]


def _group(sheet: schema.Sheet, rows: Iterable[Row]) -> dict[Key, list[Row]]:
    groups: dict[Key, list[Row]] = {}
    for row in rows:
        groups.setdefault(row_key(sheet, row), []).append(row)
    return groups


def _sheet_changes(sheet: schema.Sheet, before: list[Row], after: list[Row]) -> list[RowChange]:
    old, new = _group(sheet, before), _group(sheet, after)
    out: list[RowChange] = []
    for key in sorted(old.keys() | new.keys()):
        out.extend(_key_changes(sheet, old.get(key, []), new.get(key, [])))
    return out


def _key_changes(sheet: schema.Sheet, before: list[Row], after: list[Row]) -> list[RowChange]:
    """Rows sharing one key (Events and Signals may repeat a key): identical pairs first, then in order."""
    before = list(before)
    unmatched: list[Row] = []
    for row in after:
        same = next((i for i, old in enumerate(before) if not _field_changes(sheet, old, row)), None)
        if same is None:
            unmatched.append(row)
        else:
            del before[same]
    out: list[RowChange] = []
    for old, row in zip(before, unmatched, strict=False):
        out.append(RowChange(sheet.name, key_label(sheet, row), "changed", _field_changes(sheet, old, row)))
    for old in before[len(unmatched):]:
        out.append(RowChange(sheet.name, key_label(sheet, old), "removed"))
    for row in unmatched[len(before):]:
        out.append(RowChange(sheet.name, key_label(sheet, row), "added"))
    return out


def _field_changes(sheet: schema.Sheet, before: Row, after: Row) -> tuple[FieldChange, ...]:
    out: list[FieldChange] = []
    for column in sheet.columns:
        # A field only one side knows came from a different version of the tool, not from the editor.
        if column.attr not in before or column.attr not in after:
            continue
        if column.name in sheet.key:
            # Key parts match ignoring case and spacing; a retyped key is not news.
            continue
        old, new = display(before[column.attr]), display(after[column.attr])
        if " ".join(old.split()) != " ".join(new.split()):
            out.append(FieldChange(column.name, old, new))
    return tuple(out)


def _settings_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[RowChange]:
    old, new = before.get("settings") or {}, after.get("settings") or {}
    out: list[RowChange] = []
    for column in schema.SETTINGS_FIELDS:
        if column.attr in QUIET_SETTINGS or column.attr not in old or column.attr not in new:
            continue
        was, now = display(old[column.attr]), display(new[column.attr])
        if " ".join(was.split()) != " ".join(now.split()):
            out.append(RowChange(schema.SETTINGS.name, column.name, "changed", (FieldChange(column.name, was, now),)))
    return out


def _count(value: object) -> str:
    return display(value, blank="0")


def _score(value: object) -> str:
    return f"{value:+.2f}" if isinstance(value, (int, float)) else display(value)


def _followers(figures: Mapping[str, Any]) -> str:
    return f"{_count(figures.get('followers'))} of {_count(figures.get('watched'))}"


def _signals(figures: Mapping[str, Any]) -> str:
    return f"{_count(figures.get('signals_this_quarter'))} in {display(figures.get('this_quarter'))}"


def _milestone(figures: Mapping[str, Any]) -> str:
    name = figures.get("next_milestone")
    if not name:
        return "none"
    due = figures.get("next_milestone_due")
    return f"{name} ({due})" if due else str(name)


# The key figures readers follow, with how each reads. The score is left out (Changes carries it as
# score_before/score_after) and so are the days to the next milestone, which move every week by themselves.
FIGURES: tuple[tuple[str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("Followers", _followers),
    ("Pays weight", lambda figures: _score(figures.get("pays")).lstrip("+")),
    ("Reverts weight", lambda figures: _score(figures.get("reverts")).lstrip("+")),
    ("Signals this quarter", _signals),
    ("Next milestone", _milestone),
)


def figure_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """The key figures that moved, with readable labels and values."""
    out: list[FieldChange] = []
    for label, show in FIGURES:
        was, now = show(before), show(after)
        if was != now:
            out.append(FieldChange(label, was, now))
    return out
