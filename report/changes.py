"""What changed since the last edition (SPEC §6, section 4): snapshots of the records and their comparison.

A snapshot is plain JSON kept in the history database: per sheet, its field names once and each row as a list
of values (format 2; format 1 kept a dict per row, and old histories are still read). `compare` matches rows
by their natural keys
(schema `Sheet.key`), ignoring case and spacing the way editors type them, and names fields by their
column headers so readers see "Flagship weights", not `flagship_weights`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any

from . import schema
from .briefing import Briefing, Changes, FieldChange, FigureMove, RowChange
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
    judge = _Importance(briefing)
    for sheet in schema.TABLES:
        rows.extend(judge(sheet, change, row) for change, row in
                    _sheet_changes(sheet, _rows(previous.snapshot, sheet.name), _rows(current, sheet.name)))
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


def key_parts(sheet: schema.Sheet, row: Row) -> tuple[str, ...]:
    """The natural key's values as written ("" for a blank part)."""
    return tuple(display(row.get(sheet.column(name).attr), blank="") for name in sheet.key)


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


def _sheet_changes(sheet: schema.Sheet, before: list[Row], after: list[Row]) -> list[tuple[RowChange, Row]]:
    """Each change with the row it is about (the current row; the old one when it was removed)."""
    old, new = _group(sheet, before), _group(sheet, after)
    out: list[tuple[RowChange, Row]] = []
    for key in sorted(old.keys() | new.keys()):
        out.extend(_key_changes(sheet, old.get(key, []), new.get(key, [])))
    return out


def _key_changes(sheet: schema.Sheet, before: list[Row], after: list[Row]) -> list[tuple[RowChange, Row]]:
    """Rows sharing one key (Events and Signals may repeat a key): identical pairs first, then in order."""
    before = list(before)
    unmatched: list[Row] = []
    for row in after:
        same = next((i for i, old in enumerate(before) if not _field_changes(sheet, old, row)), None)
        if same is None:
            unmatched.append(row)
        else:
            del before[same]
    out: list[tuple[RowChange, Row]] = []
    for old, row in zip(before, unmatched, strict=False):
        out.append((RowChange(sheet.name, key_label(sheet, row), "changed", _field_changes(sheet, old, row),
                              parts=key_parts(sheet, row)), row))
    for old in before[len(unmatched):]:
        out.append((RowChange(sheet.name, key_label(sheet, old), "removed", parts=key_parts(sheet, old)), old))
    for row in unmatched[len(before):]:
        out.append((RowChange(sheet.name, key_label(sheet, row), "added", parts=key_parts(sheet, row)), row))
    return out


class _Importance:
    """Which changes matter most to the verdict (a fact for report/present/what_changed.py to order by): the pivot
    lab reopening, a watched lab following, and a counted signal with its weight. Removed rows are no longer
    evidence."""

    def __init__(self, briefing: Briefing) -> None:
        self.pivot = normalise_key(briefing.masthead.pivot_lab)
        self.followers = {normalise_key(name) for name in briefing.verdict.followers}
        self.reverted = briefing.verdict.reverted
        self.weights = {(normalise_key(s.quarter), normalise_key(s.signal), normalise_key(s.lab)): s.weight
                        for s in briefing.signals if s.counted and s.weight}

    def __call__(self, sheet: schema.Sheet, change: RowChange, row: Row) -> RowChange:
        if change.change == "removed":
            return change
        lab = normalise_key(row.get("lab"))
        if sheet.name == schema.SIGNALS.name:
            weight = self.weights.get((normalise_key(row.get("quarter")), normalise_key(row.get("signal")), lab))
            return replace(change, matters="signal", weight=weight) if weight else change
        kind = normalise_key(row.get("kind"))
        if sheet.name == schema.EVENTS.name:
            if kind == "reopened flagship" and lab == self.pivot and self.reverted:
                return replace(change, matters="reversal")
            if kind == "closed flagship" and lab in self.followers:
                return replace(change, matters="follower")
        if sheet.name == schema.LABS.name:
            if lab in self.followers:
                return replace(change, matters="follower")
            if lab == self.pivot and self.reverted:
                return replace(change, matters="reversal")
        return change


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


# The key figures readers follow, by the values each reads. The score is left out (Changes carries it as
# score_before/score_after) and so are the days to the next milestone, which move every week by themselves.
FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("followers", ("followers", "watched")),
    ("pays", ("pays",)),
    ("reverts", ("reverts",)),
    ("signals_this_quarter", ("signals_this_quarter", "this_quarter")),
    ("next_milestone", ("next_milestone", "next_milestone_due")),
)


def _values(figures: Mapping[str, Any], names: tuple[str, ...]) -> tuple[object, ...]:
    # Weights are compared as readers see them, to two places.
    return tuple(round(v, 2) if isinstance(v, float) else v for v in (figures.get(name) for name in names))


def figure_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FigureMove]:
    """The key figures that moved, with the values they read before and after (facts: report/present/what_changed.py
    words them)."""
    out: list[FigureMove] = []
    for field, names in FIGURES:
        was, now = _values(before, names), _values(after, names)
        if field == "next_milestone" and not was[0] and not now[0]:
            continue
        if was != now:
            out.append(FigureMove(field, was, now))
    return out
