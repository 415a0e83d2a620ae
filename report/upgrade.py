"""`report upgrade OLD.xlsx NEW.xlsx`: the current template, holding every record of a workbook made from an
older one.

Values move by meaning, not position: table cells by their column's header, settings by their name. What
the current template has and OLD lacked (new settings, new columns) is reported as added; what OLD holds
that the template has no place for (unknown columns, settings, sheets) is named, never silently dropped.
OLD is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .errors import UsageError
from .new_workbook import workbook_bytes
from .output import atomic_write, same_file
from .read import RawSheet, read_workbook
from .values import text


@dataclass
class Upgraded:
    """What `upgrade` did."""

    carried: dict[str, int] = field(default_factory=dict)  # sheet -> records (settings for Settings)
    added: list[str] = field(default_factory=list)  # "the Call margin setting", "the Notes column on Signals"
    not_placed: list[str] = field(default_factory=list)  # "the sheet 'Scratch'", "the column 'Reviewer' on …"
    no_value: list[str] = field(default_factory=list)  # "Signals!E3": a formula never calculated (nothing to carry)


def upgrade(old: Path, new: Path, force: bool = False) -> Upgraded:
    """Write `new` from the current template with every record of `old`; `old` is never written."""
    old, new = Path(old), Path(new)
    if new.suffix.lower() != ".xlsx":
        raise UsageError(f"{new} should end in .xlsx: the tool writes Excel workbooks.")
    if same_file(old, new):
        raise UsageError(f"{new} is the workbook being upgraded: give a new name; {old} is never written.")
    if new.is_dir():
        raise UsageError(f"{new} is a folder: give a file name ending in .xlsx.")
    if new.exists() and not force:
        raise UsageError(f"{new} already exists: choose another name, or add --force to replace it.")
    book = read_workbook(old)
    done = Upgraded()
    # Every extra sheet is named, a sheet called "Fix list" too: it may be the editor's own, not --annotate's.
    fix_lists = [name for name in book.ignored_sheets
                 if schema.header_key(name) == schema.header_key(schema.FIX_LIST_SHEET)]
    done.not_placed += [f"the sheet {show_name(name)}" for name in [*fix_lists, *book.unknown_sheets]]
    settings = _settings(book.sheets[schema.SETTINGS.name], done)
    rows = {spec.name: _table(spec, book.sheets[spec.name], done) for spec in schema.TABLES}
    atomic_write(new, workbook_bytes(settings, rows))
    return done


def show_name(name: str) -> str:
    return f"'{name}'"


def _columns(spec: schema.Sheet, sheet: RawSheet, done: Upgraded) -> dict[int, schema.Column]:
    """Sheet column index -> schema column, by header; unknown and repeated headers are noted."""
    by_key = {c.key: c for c in spec.columns}
    found: dict[int, schema.Column] = {}
    for index, header in sorted(sheet.headers.items()):
        column = by_key.get(schema.header_key(header))
        if column is None or column in found.values():
            # row.value, not row.cells: that builds every cell of the row, for each column (1,000 columns took
            # minutes).
            values = sum(1 for row in sheet.rows if (value := row.value(index)) is not None and text(value))
            what = "a second" if column is not None else "the"
            done.not_placed.append(f"{what} column {show_name(header)} on {spec.name} "
                                   f"({values} value{'s' if values != 1 else ''})")
            continue
        found[index] = column
    return found


def _table(spec: schema.Sheet, sheet: RawSheet, done: Upgraded) -> list[dict[str, object]]:
    columns = _columns(spec, sheet, done)
    done.added += [f"the {c.name} column on {spec.name}" for c in spec.columns if c not in columns.values()]
    records: list[dict[str, object]] = []
    for row in sheet.rows:
        if row.is_blank():
            continue
        cells = {index: row.cell(index) for index in columns}
        records.append({column.name: cell.value for index, column in columns.items()
                        if (cell := cells[index]) is not None})
        if row.special:
            # A formula never calculated saved no value: NEW cannot hold it, so it is named, not left blank.
            done.no_value += [f"{spec.name}!{cell.coordinate}" for index, cell in sorted(row.special.items())
                              if cell.formula and cell.value is None and index in columns]
    done.carried[spec.name] = len(records)
    return records


def _settings(sheet: RawSheet, done: Upgraded) -> dict[str, object]:
    columns = {column.name: index for index, column in _columns(schema.SETTINGS, sheet, done).items()}
    fields = {schema.header_key(f.name): f for f in schema.SETTINGS_FIELDS}
    name_index = columns.get("Setting")
    value_index = columns.get("Value", (name_index or 0) + 1)
    values: dict[str, object] = {}
    for row in sheet.rows:
        name_cell = row.cell(name_index) if name_index else None
        value_cell = row.cell(value_index)
        if value_cell is not None and value_cell.formula and value_cell.value is None:
            done.no_value.append(f"{schema.SETTINGS.name}!{value_cell.coordinate}")
        label = text(name_cell.value).rstrip("*").strip() if name_cell is not None else ""
        value = value_cell.value if value_cell is not None else None
        spec = fields.get(schema.header_key(label)) if label else None
        if spec is None:
            if label or text(value):
                done.not_placed.append(f"the setting {show_name(label)}" if label else
                                       f"the value {show_name(text(value))} with no setting name (row {row.number})")
            continue
        if spec.name in values:
            done.not_placed.append(f"a second {spec.name} setting (row {row.number})")
            continue
        values[spec.name] = value
    done.added += [f"the {f.name} setting" for f in schema.SETTINGS_FIELDS if f.name not in values]
    done.carried[schema.SETTINGS.name] = sum(1 for v in values.values() if v is not None and text(v))
    return values
