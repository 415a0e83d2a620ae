"""What changed since the last edition, in words: the lead (verdict, score, key figures) and the row changes.

report/changes.py finds the changes as facts (which rows, which fields, the values before and after);
`changes_view` words them for readers: a date column's values in the house style, the changed row named by
its key, the key figures as the card shows them, and the rows that matter most to the verdict first. The
correction's "what changed from the sent version" (trend.py) is worded by the same function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..briefing import Changes, RowChange
from ..changes import BLANK, KEY_SEPARATOR
from ..formatting import signed
from ..schema import TABLES
from .rows import Limits, Lines, more_note, rows_of
from .views import ChangeLine, ChangesView
from .words import EMPTY, FIRST_EDITION, direction, due_day, house_date, number, weight_text

# Row changes that matter most come first: the pivot lab reverting, a watched lab following, counted signals
# (largest weight first); the rest keep their sheets' order.
_MATTERS = {"reversal": 0, "follower": 1, "signal": 2}
_CHANGE_ORDER = {"added": 0, "changed": 1, "removed": 2}

_SHEETS = {sheet.name: sheet for sheet in TABLES}
FIGURE_LABELS = {"followers": "Followers", "pays": "Pays weight", "reverts": "Reverts weight",
                 "signals_this_quarter": "Signals this quarter", "next_milestone": "Next milestone"}


def score_moved(changes: Changes) -> bool:
    """The score moved, as readers see it (to two places)."""
    before, after = changes.score_before, changes.score_after
    return before is not None and after is not None and signed(before) != signed(after)


def _cell(sheet: str, column: str, value: str) -> str:
    """A cell value as the history holds it, as readers see it: a date column's ISO date in the house style."""
    table = _SHEETS.get(sheet)
    try:
        kind = table.column(column).kind if table is not None else "text"
    except KeyError:
        kind = "text"
    if kind in ("date", "due") and value:
        try:
            return house_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value


def _row_key(row: RowChange) -> str:
    """The changed row by its key, each part as readers see it: "16 Jul 2026 · Moonshot Kimi · Closed flagship"."""
    table = _SHEETS.get(row.sheet)
    if table is None or not row.parts:
        return row.key
    return KEY_SEPARATOR.join(_cell(row.sheet, name, part)
                              for name, part in zip(table.key, row.parts, strict=False) if part)


def _figure_value(field: str, values: tuple[object, ...]) -> str:
    """A moved key figure as readers see it: "1 of 13", "80.60", "36 in 2026-Q3", "Q3 disclosures, due 1 Oct 2026"."""
    first, *rest = values
    second = rest[0] if rest else None
    if field == "followers":
        return f"{first or 0} of {second or 0}"
    if field in ("pays", "reverts"):
        return number(float(first)) if isinstance(first, (int, float)) else "0.00"
    if field == "signals_this_quarter":
        return f"{first or 0} in {second}"
    if not first:
        return "none"
    try:
        due = due_day(dt.date.fromisoformat(str(second))).text if second else None
    except ValueError:
        due = str(second)
    return f"{first}, due {due}" if due else str(first)


def _change_line(row: RowChange) -> ChangeLine:
    tag = tag_key = None
    if row.matters == "signal":
        tag, tag_key = weight_text(row.weight), direction(row.weight)
    elif row.matters in ("reversal", "follower"):
        tag, tag_key = row.matters.capitalize(), row.matters

    def shown(column: str, value: str) -> str:
        return _cell(row.sheet, column, value) if value and value != BLANK else BLANK

    moved = tuple((f.field, shown(f.field, f.before), shown(f.field, f.after)) for f in row.fields)
    return ChangeLine(row.change, row.change.capitalize(), f"{row.sheet}: {_row_key(row)}", None, None, moved, tag,
                      tag_key)


def _change_counts(rows: Sequence[RowChange]) -> tuple[str, ...]:
    """Per sheet, in the sheets' order: 'Signals: 14 added, 1 changed.'"""
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        sheet = counts.setdefault(row.sheet, {})
        sheet[row.change] = sheet.get(row.change, 0) + 1
    return tuple(
        f"{name}: " + ", ".join(f"{counted[change]:,} {change}" for change in _CHANGE_ORDER if change in counted) + "."
        for name, counted in counts.items()
    )


def changes_view(c: Changes, limits: Limits) -> ChangesView:
    """What changed: the note (compared with which edition), the lead, the counts per sheet and the row changes."""
    empty = EMPTY["changes"]
    if c.first or c.previous_edition is None:
        return ChangesView(FIRST_EDITION, (), (), rows_of((), (), empty), True)
    since = f"the edition of {house_date(c.previous_edition)}"
    lead: list[ChangeLine] = []
    if c.verdict_changed:
        lead.append(ChangeLine("verdict", "Verdict", "changed", c.verdict_before, c.verdict_after))
    if score_moved(c):
        assert c.score_before is not None and c.score_after is not None
        lead.append(ChangeLine("score", "Score", f"moved {signed(c.score_after - c.score_before)}",
                               signed(c.score_before), signed(c.score_after)))
    for figure in c.figures:
        lead.append(ChangeLine("figure", "Key figure", FIGURE_LABELS.get(figure.field, figure.field),
                               _figure_value(figure.field, figure.before), _figure_value(figure.field, figure.after)))
    ordered = sorted(range(len(c.rows)), key=lambda i: (
        _MATTERS.get(c.rows[i].matters or "", 3), -abs(c.rows[i].weight), _CHANGE_ORDER.get(c.rows[i].change, 3), i))
    rows = Lines([c.rows[i] for i in ordered], _change_line)
    shown = rows[: limits.changes]
    more = more_note(len(rows) - len(shown), "on the What changed sheet")
    if not lead and not rows:
        return ChangesView(f"Nothing changed since {since}.", (), (), rows_of((), (), empty), False)
    return ChangesView(f"Compared with {since}.", tuple(lead), _change_counts(c.rows), rows_of(rows, shown, empty),
                       False, more)
