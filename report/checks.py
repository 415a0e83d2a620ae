"""Raw rows -> checked records and located findings, all in one pass.

Every problem is collected; none stops the others. Records come back only when there are no errors.
Cross-sheet rules look at every row, even one with a bad cell elsewhere, so that fixing one problem
never reveals another that could have been reported the first time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import safety, schema
from .contradictions import contradictions
from .edition import EditionView, Locate, as_of, edition_findings
from .errors import UsageError
from .findings import Finding, Level
from .model import Event, Lab, Milestone, Record, Settings, Signal, Source, Tracker
from .values import (
    Bad,
    looks_like_url,
    one_line,
    parse_choice,
    parse_date,
    parse_due,
    parse_email,
    parse_emails,
    parse_mailto,
    parse_name,
    parse_number,
    parse_quarter,
    parse_strength,
    parse_url,
    parse_value,
    positive,
    show,
    text,
    value_text,
)
from .workbook import (
    HEADER_SEARCH,
    RawCell,
    RawSheet,
    RawWorkbook,
    cell_name,
    column_index,
    range_start,
    read_workbook,
)

RECORD_TYPES: dict[str, type[Record]] = {
    "Labs": Lab,
    "Events": Event,
    "Signals": Signal,
    "Milestones": Milestone,
    "Sources": Source,
}

FUTURE_YEARS = 2  # a date this far ahead is likely a typo (except a milestone's due date)


@dataclass
class CheckResult:
    """The checked records (None when there are errors) and every finding."""

    tracker: Tracker | None
    findings: list[Finding] = field(default_factory=list)
    sha256: str = ""  # of the workbook as read
    view: EditionView | None = None  # the records as of the edition the findings were made for
    locate: Locate | None = None  # (sheet, column, row) -> "Labs!E3", the cell as the editor's tab names it

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def check_file(path: Path | str, today: dt.date | None = None, edition: dt.date | None = None) -> CheckResult:
    """Read and check a workbook for an edition (default: the Settings' Edition date, else today).

    Raises UnreadableWorkbook if the file cannot be used at all, UsageError if `edition` is before the pivot.
    """
    with gc_paused():
        return check(read_workbook(path), today, edition)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while rows are read and checked, then freeze what survives.

    Reading and checking make hundreds of thousands of small objects that live until the end, and none
    forms a cycle; each automatic collection would rescan all of them (a third of the time at 100,000
    rows). Frozen, the records are never scanned again by the later stages' collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@dataclass(slots=True)
class _Row:
    """One table row as typed: a value per column (None where the cell was bad), and the bad columns."""

    number: int
    values: dict[str, Any]
    bad: set[str]  # attributes whose cell has an error

    @property
    def ok(self) -> bool:
        return not self.bad


def _name_key(name: str) -> str:
    """Names compare as safety.name_key does: NFC, ignoring case and runs of spaces."""
    return safety.name_key(name)


def _is_name(sheet: str, column: schema.Column) -> bool:
    """A lab name, or a reference to one: matched by name, so held to the name rule (NFC, short, visible)."""
    return column.kind == "lab" or (sheet == schema.LABS.name and column.name == "Lab")


class _Checker:
    def __init__(self, book: RawWorkbook, today: dt.date) -> None:
        self.book = book
        self.today = today
        self.findings: list[Finding] = []
        self.columns: dict[str, dict[str, int]] = {}  # schema sheet -> column name -> sheet column index
        self.missing_optional: list[str] = []  # settings and columns an older template lacks

    def title(self, sheet: str) -> str:
        """The sheet's name as the editor sees it on its tab (it may differ in case from the schema's)."""
        raw = self.book.sheets.get(sheet)
        return raw.name if raw is not None else sheet

    def add(
        self,
        level: Level,
        code: str,
        message: str,
        sheet: str | None = None,
        cell: str | None = None,
        column: str | None = None,
        row: int | None = None,
        value: object = None,
    ) -> None:
        """Record a finding; `sheet` is the schema's sheet name."""
        where = self.title(sheet) if sheet is not None else None
        self.findings.append(Finding(level, code, where, cell, column, row, value, message))

    # -- one cell ---------------------------------------------------------------------------------

    def typed(self, sheet: str, column: schema.Column, cell: RawCell | None, row: int) -> tuple[bool, Any]:
        """(ok, value) for one cell; a blank gives the column's default."""
        where: dict[str, Any] = {"sheet": sheet, "column": column.name, "row": row}
        if cell is not None and cell.formula and cell.value is None:
            self.add("error", "formula-not-calculated",
                     "this formula has no saved value: open the workbook in Excel or LibreOffice, save it, "
                     "and run again", cell=cell.coordinate, **where)
            return False, None
        value = None if cell is None else cell.value
        if cell is not None and cell.error:
            if cell.formula:
                self.add("error", "formula-error", f"the formula here shows the error {show(value)}: fix the formula",
                         cell=cell.coordinate, value=value, **where)
            else:
                self.add("error", "error-value", f"this cell holds the error {show(value)}: replace it with a value",
                         cell=cell.coordinate, value=value, **where)
            return False, None
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                self.add("error", "required", f"{column.name} is required: fill in this cell",
                         cell=cell_name_for(cell, column, row, self.columns.get(sheet, {})), **where)
                return False, None
            return True, column.default
        assert cell is not None
        parsed = self.parse_once(sheet, column, value)
        if isinstance(parsed, Bad):
            self.add("error", parsed.code, parsed.message, cell=cell.coordinate, value=text(value), **where)
            return False, None
        return True, parsed

    def parse(self, column: schema.Column, value: object) -> Any:
        kind = column.kind
        if kind == "date":
            return parse_date(value, self.book.epoch_1904)
        if kind == "due":
            return parse_due(value, self.book.epoch_1904)
        if kind == "number":
            return parse_number(value)
        if kind == "value":
            return parse_value(value)
        if kind == "choice":
            return parse_choice(value, column.choices)
        if kind == "quarter":
            return parse_quarter(value)
        if kind == "strength":
            return parse_strength(value)
        if kind == "url":
            return parse_url(value)
        if kind == "source":
            raw = " ".join(text(value).split())
            if looks_like_url(raw):
                return parse_url(raw)
            return raw
        if kind == "emails":
            return parse_emails(value)
        if kind == "email":
            return parse_email(value)
        if kind == "mailto":
            return parse_mailto(value)
        return " ".join(text(value).split()) if kind == "lab" else text(value)

    # -- sheets -----------------------------------------------------------------------------------

    def header_map(self, spec: schema.Sheet, sheet: RawSheet) -> dict[str, int] | None:
        """Schema column name -> sheet column index; findings for unknown, repeated and missing headers."""
        by_key = {c.key: c for c in spec.columns}
        found: dict[str, int] = {}
        for index, header in sorted(sheet.headers.items()):
            key = schema.header_key(header)
            coordinate = cell_name(index, sheet.header_row or 1)
            column = by_key.get(key)
            if column is None:
                self.add("warning", "unknown-column",
                         f"the column {show(header)} is not one the tool uses; it is ignored",
                         sheet=spec.name, cell=coordinate, column=header, row=sheet.header_row, value=header)
            elif column.name in found:
                self.add("error", "duplicate-column",
                         f"the column {show(header)} appears twice: keep one of them",
                         sheet=spec.name, cell=coordinate, column=column.name, row=sheet.header_row, value=header)
            else:
                found[column.name] = index
        missing = [c.name for c in spec.required_columns if c.name not in found]
        if spec is not schema.SETTINGS:
            self.missing_optional += [f"the {c.name} column on {spec.name}" for c in spec.columns
                                      if not c.required and c.name not in found]
        if sheet.header_reason == "below" and sheet.above:
            rows = ", ".join(str(n) for n in sheet.above)
            plural = "s" if len(sheet.above) > 1 else ""
            self.add("warning", "above-header",
                     f"row{plural} {rows} above the table name{'' if plural else 's'} none of this sheet's columns "
                     f"and {'are' if plural else 'is'} ignored: row {sheet.header_row} was taken as the header, "
                     "the first row that names one", sheet=spec.name, row=sheet.above[0],
                     cell=cell_name(min(sheet.headers or {1: ""}), sheet.above[0]))
        if sheet.header_reason == "guess" and not found:
            # No row near the top names any column: one sentence, not one error per missing column.
            wanted = ", ".join(c.name for c in spec.required_columns)
            self.add("error", "no-header",
                     f"no row among the first {HEADER_SEARCH} rows with text names a column of this sheet, so row "
                     f"{sheet.header_row} (the first with text) was taken as the header: add a header row with "
                     f"{wanted}", sheet=spec.name, row=sheet.header_row)
            return None
        for name in missing:
            where = "the header row" if sheet.header_row else "row 1 (the sheet is empty)"
            self.add("error", "missing-column",
                     f"the required column {show(name)} is missing: add it to {where}",
                     sheet=spec.name, row=sheet.header_row, column=name)
        names = {index: name for name, index in found.items()}
        for rng in sheet.merged:
            first_column, first_row = range_start(rng)
            self.add("error", "merged-cells", f"cells {rng} are merged: unmerge them so each value has its own cell",
                     sheet=spec.name, cell=rng.split(":")[0], column=names.get(first_column), row=first_row,
                     value=rng)
        return None if missing else found

    def table(self, spec: schema.Sheet) -> list[_Row]:
        sheet = self.book.sheets[spec.name]
        columns = self.header_map(spec, sheet)
        if columns is None:
            return []
        self.columns[spec.name] = columns
        # Column by column, each distinct value parsed once: a column repeats its values (quarters, labs,
        # choices, dates, sources) across thousands of rows. Cached by type too: True == 1 == 1.0.
        raws = [raw for raw in sheet.rows if not raw.is_blank()]
        # The raw rows are not read again once typed: let them go as the typed rows are made, so a 100,000-row
        # sheet is not held twice.
        sheet.rows.clear()
        attrs = [column.attr for column in spec.columns]
        typed = self.typed
        found_bad: dict[int, set[str]] = {}  # row number -> attributes whose cell has an error
        by_column: list[list[Any]] = []
        for column in spec.columns:
            index = columns.get(column.name)
            attr = column.attr
            out: list[Any] = []
            cache: dict[type, dict[Any, Any]] = {}
            texts = cache[str] = {}  # most cells are text: found without a lookup by type
            for raw in raws:
                special = raw.special
                if index is None or (special is not None and index in special):
                    good, value = typed(spec.name, column, raw.cell(index) if index else None, raw.number)
                else:
                    cells = raw.values
                    i = index - raw.first
                    found = cells[i] if 0 <= i < len(cells) else None
                    if found is None or found == "":
                        good, value = typed(spec.name, column, None, raw.number)
                    else:
                        by_type = texts if found.__class__ is str else cache.get(found.__class__)
                        if by_type is None:
                            by_type = cache[found.__class__] = {}
                        value = by_type.get(found, _MISS)
                        if value is _MISS:
                            value = by_type[found] = self.parse_once(spec.name, column, found)
                        good = True
                        if value is _BLANK:
                            good, value = typed(spec.name, column, None, raw.number)
                        elif value.__class__ is Bad:
                            self.add("error", value.code, value.message, cell=cell_name(index, raw.number),
                                     value=text(found), sheet=spec.name, column=column.name, row=raw.number)
                            good = False
                if good:
                    out.append(value)
                else:
                    out.append(None)
                    found_bad.setdefault(raw.number, set()).add(attr)
            by_column.append(out)
        return [_Row(raw.number, dict(zip(attrs, values, strict=True)), found_bad.get(raw.number, set()))
                for raw, values in zip(raws, zip(*by_column, strict=True), strict=True)]

    def parse_once(self, sheet: str, column: schema.Column, value: object) -> Any:
        """A saved value typed by every rule of its column, or the Bad it raises, or _BLANK (blank text).

        `typed` and the column-by-column pass of `table` both come here, so a cached value and a cell
        read one by one meet the same rules.
        """
        if isinstance(value, str) and not value.strip():
            return _BLANK
        try:
            parsed = self.parse(column, value)
            if isinstance(parsed, str) and _is_name(sheet, column):
                parsed = parse_name(value)
            elif column.one_line and isinstance(parsed, str):
                one_line(parsed)
            elif isinstance(parsed, str):  # free text, a text Value, a source's name: shown as written
                value_text(parsed)
            if column.positive:
                positive(parsed)
            return parsed
        except Bad as bad:
            return bad

    def settings(self) -> tuple[dict[str, Any], bool]:
        """The settings' values by attribute, and whether all of them are good."""
        spec = schema.SETTINGS
        sheet = self.book.sheets[spec.name]
        columns = self.header_map(spec, sheet)
        if columns is None:
            return {}, False
        self.columns[spec.name] = columns
        fields = {schema.header_key(f.name): f for f in schema.SETTINGS_FIELDS}
        seen: dict[str, int] = {}
        values: dict[str, Any] = {}
        ok = True
        value_index = columns.get("Value", columns["Setting"] + 1)
        for raw in sheet.rows:
            if raw.is_blank():
                continue
            name_cell = raw.cell(columns["Setting"])
            value_cell = raw.cell(value_index)
            if name_cell is None or not text(name_cell.value):
                if value_cell is not None and text(value_cell.value):
                    self.add("warning", "unnamed-setting", f"the value {show(text(value_cell.value))} has no "
                             "setting name beside it; it is ignored", sheet=spec.name, cell=value_cell.coordinate,
                             row=raw.number, value=text(value_cell.value))
                continue
            label = text(name_cell.value).rstrip("*").strip()
            field_spec = fields.get(schema.header_key(label))
            if field_spec is None:
                self.add("warning", "unknown-setting", f"the setting {show(label)} is not one the tool uses; "
                         "it is ignored", sheet=spec.name, cell=name_cell.coordinate, row=raw.number, value=label)
                continue
            if field_spec.name in seen:
                self.add("error", "duplicate-setting", f"the setting {show(label)} is given twice (also row "
                         f"{seen[field_spec.name]}): keep one", sheet=spec.name, cell=name_cell.coordinate,
                         row=raw.number, value=label)
                ok = False
                continue
            seen[field_spec.name] = raw.number
            good, value = self.typed(spec.name, field_spec, value_cell, raw.number)
            ok = ok and good
            values[field_spec.attr] = value if good else None
        for field_spec in schema.SETTINGS_FIELDS:
            if field_spec.name not in seen:
                if field_spec.required:
                    self.add("error", "missing-setting", f"the setting {show(field_spec.name)} is missing: add a "
                             f"row with {field_spec.name} in the Setting column and its value beside it",
                             sheet=spec.name, column=field_spec.name)
                    ok = False
                else:
                    self.missing_optional.append(f"the {field_spec.name} setting")
                values[field_spec.attr] = field_spec.default
        return values, ok

    # -- across sheets ----------------------------------------------------------------------------

    def cross(self, settings: dict[str, Any], tables: dict[str, list[_Row]]) -> tuple[dict[str, str], dict[str, str]]:
        """Rules between sheets; the lab and source names as written on their sheets, by name key."""
        lab_names = self.unique("Labs", "Lab", tables["Labs"])
        source_names = self.unique("Sources", "Source", tables["Sources"])

        known_lab: dict[str, bool] = {}  # each name's key made once, not once per row
        for sheet in ("Events", "Signals"):
            for row in tables[sheet]:
                name = row.values.get("lab")
                if name is None:
                    continue
                known = known_lab.get(name)
                if known is None:
                    known = known_lab[name] = _name_key(name) in lab_names
                if not known:
                    self.add("error", "unknown-lab", f"{show(name)} is not a lab on the Labs sheet: add it there "
                             "or fix the spelling", sheet=sheet, cell=self.cell(sheet, "Lab", row.number),
                             column="Lab", row=row.number, value=name)

        pivot = settings.get("pivot_lab")
        if pivot is not None and _name_key(pivot) not in lab_names:
            number = self.setting_row("Pivot lab")
            self.add("error", "unknown-lab", f"the pivot lab {show(pivot)} is not a lab on the Labs sheet: add it "
                     "there or fix the spelling", sheet="Settings", cell=self.cell("Settings", "Value", number),
                     column="Pivot lab", row=number, value=pivot)

        for field_spec in schema.SETTINGS_FIELDS:
            value = settings.get(field_spec.attr)
            if field_spec.kind == "date" and isinstance(value, dt.date):
                number = self.setting_row(field_spec.name)
                self.future(value, "Settings", field_spec.name, number, self.cell("Settings", "Value", number))

        for sheet, rows in tables.items():
            spec = schema.sheet_named(sheet)
            # Only the columns these rules read, and each source name looked up once.
            ruled = [(column, column.attr) for column in spec.columns if column.kind in ("source", "date")]
            known_source: dict[str, bool] = {}
            horizon = self.today + dt.timedelta(days=366 * FUTURE_YEARS)
            for row in rows:
                for column, attr in ruled:
                    value = row.values.get(attr)
                    if column.kind == "source" and isinstance(value, str):
                        known = known_source.get(value)
                        if known is None:
                            known = known_source[value] = looks_like_url(value) or _name_key(value) in source_names
                    if column.kind == "source" and isinstance(value, str) and not known:
                        self.add("warning", "unknown-source", f"{show(value)} names no row on the Sources "
                                 "sheet: add it there, or give a link", sheet=sheet,
                                 cell=self.cell(sheet, column.name, row.number), column=column.name,
                                 row=row.number, value=value)
                    if column.kind == "date" and isinstance(value, dt.date) and value > horizon:
                        self.future(value, sheet, column.name, row.number, self.cell(sheet, column.name, row.number))
            if sheet == "Signals":
                for row in rows:
                    if row.values.get("source") is None and "source" not in row.bad:
                        self.add("warning", "no-source", "this signal has no source: name one from the Sources "
                                 "sheet, or give a link", sheet=sheet, cell=self.cell(sheet, "Source", row.number),
                                 column="Source", row=row.number)
        return lab_names, source_names

    def future(self, value: dt.date, sheet: str, column: str, row: int | None, cell: str | None) -> None:
        if value > self.today + dt.timedelta(days=366 * FUTURE_YEARS):
            self.add("warning", "far-future", f"{show(value)} is more than {FUTURE_YEARS} years ahead: check the year",
                     sheet=sheet, cell=cell, column=column, row=row, value=value.isoformat())

    def unique(self, sheet: str, column: str, rows: list[_Row]) -> dict[str, str]:
        """Name key -> name as first written; an error for each repeat."""
        attr = schema.sheet_named(sheet).column(column).attr
        seen: dict[str, tuple[int, str]] = {}
        for row in rows:
            name = row.values.get(attr)
            if not isinstance(name, str):
                continue
            key = _name_key(name)
            if key in seen:
                self.add("error", "duplicate", f"{show(name)} is already on row {seen[key][0]}: each {column} "
                         "must be unique", sheet=sheet, cell=self.cell(sheet, column, row.number), column=column,
                         row=row.number, value=name)
            else:
                seen[key] = (row.number, name)
        return {key: name for key, (_, name) in seen.items()}

    def cell(self, sheet: str, column: str, row: int | None) -> str | None:
        index = self.columns.get(sheet, {}).get(column)
        return cell_name(index, row) if index and row else None

    def setting_row(self, name: str) -> int | None:
        sheet = self.book.sheets["Settings"]
        index = self.columns.get("Settings", {}).get("Setting")
        for raw in sheet.rows:
            cell = raw.cell(index) if index else None
            if cell is not None and schema.header_key(text(cell.value)) == schema.header_key(name):
                return raw.number
        return None

    def ordered(self) -> list[Finding]:
        """Findings in the order an editor fixes them: the workbook, then sheet by sheet, row by row, left to
        right."""
        ranks = {self.title(spec.name): rank for rank, spec in enumerate(schema.SHEETS, start=1)}

        def key(finding: Finding) -> tuple[int, int, int]:
            rank = 0 if finding.sheet is None else ranks.get(finding.sheet, len(ranks) + 1)
            column = column_index(finding.cell) if finding.cell else 0
            return (rank, finding.row or 0, column)

        return sorted(self.findings, key=key)


_MISS = object()  # not parsed yet
_BLANK = object()  # text of only spaces: a blank cell


def cell_name_for(cell: RawCell | None, column: schema.Column, row: int, columns: dict[str, int]) -> str | None:
    """The address of a cell that may be blank."""
    if cell is not None:
        return cell.coordinate
    index = columns.get(column.name) or columns.get("Value")
    return cell_name(index, row) if index else None


def _start_here(findings: list[Finding], tables: dict[str, list[_Row]]) -> list[Finding]:
    """A fresh, empty workbook gets one finding that says what to fill first, instead of an error per blank
    required setting."""
    required = [f for f in findings if f.code == "required" and f.sheet == schema.SETTINGS.name]
    if any(tables.values()) or not required or len(required) != len(findings):
        return findings
    names = ", ".join(f.name for f in schema.SETTINGS_FIELDS if f.required)
    message = (f"this workbook is new: start with Settings: {names}; then put the pivot lab and the labs you "
               "watch on the Labs sheet; then add events, signals, milestones and sources")
    first = required[0]
    return [Finding("error", "empty-workbook", first.sheet, first.cell, first.column, first.row, None, message)]


def check(book: RawWorkbook, today: dt.date | None = None, edition: dt.date | None = None) -> CheckResult:
    """Check a read workbook for an edition: every finding at once, and the records when there is no error.

    The findings that depend on the edition (SPEC §4 "As of the edition date": records after it, stale
    signals, an edition before the pivot) are made here, so `check` and `build` report the same lines.
    """
    checker = _Checker(book, today or dt.date.today())
    if book.macros:
        checker.add("warning", "macros-ignored", "this workbook holds macros; they are ignored and never run")
    for name, matches in book.duplicates.items():
        listed = " and ".join(", ".join(show(m) for m in matches).rsplit(", ", 1))
        checker.add("error", "duplicate-sheet", f"the sheets {listed} both match the {name} sheet: rename or "
                    "delete all but one", sheet=name, value=matches)
    for spec in schema.SHEETS:
        raw = book.sheets.get(spec.name)
        if raw is not None and raw.hidden:
            checker.add("warning", "hidden-sheet", f"the sheet {show(raw.name)} is {raw.hidden}: it is read all the "
                        "same; unhide it so what the briefing shows can be seen", sheet=spec.name, value=raw.name)
    for name in book.unknown_sheets:
        checker.add("warning", "unknown-sheet", f"the sheet {show(name)} is not one the tool uses; it is ignored",
                    sheet=name, value=name)
    settings, settings_ok = checker.settings()
    tables = {spec.name: checker.table(spec) for spec in schema.TABLES}
    lab_names, source_names = checker.cross(settings, tables)
    if checker.missing_optional:
        missing = checker.missing_optional
        listed = " and ".join(", ".join(missing).rsplit(", ", 1))
        # The file as the user named it, so the command works from where they are.
        name = shlex.quote(str(book.path))
        upgraded = shlex.quote(str(book.path.with_name(f"{book.path.stem}-upgraded.xlsx")))
        checker.add("warning", "older-template", f"this workbook comes from an older template: it lacks {listed} "
                    f"(defaults are used); run 'report upgrade {name} {upgraded}' to bring it up "
                    "to date", value="; ".join(missing))
    findings = _start_here(checker.ordered(), tables)
    if not settings_ok or any(f.level == "error" for f in findings):
        return CheckResult(None, findings, book.sha256)

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
                    spelled[lab] = lab_names[_name_key(lab)]
                values["lab"] = spelled[lab]
            source = values.get("source")
            if isinstance(source, str) and sheet != "Sources" and not looks_like_url(source):
                # A source named with other spaces, case or Unicode form is the Sources sheet's row: one spelling.
                if source not in sourced:
                    sourced[source] = source_names.get(_name_key(source), source)
                values["source"] = sourced[source]
            out.append(record_type(row=row.number, **values))
        return tuple(out)

    settings = dict(settings)
    settings["pivot_lab"] = lab_names[_name_key(settings["pivot_lab"])]
    settings["recipients"] = settings.get("recipients") or ()
    settings["sign_off_required"] = settings.get("sign_off_required") == "Yes"
    for attr in ("stale_after_days", "call_margin"):
        settings[attr] = float(settings[attr])
    tracker = Tracker(
        settings=Settings(**settings),
        labs=records("Labs"),
        events=records("Events"),
        signals=records("Signals"),
        milestones=records("Milestones"),
        sources=records("Sources"),
    )
    return _for_edition(checker, tracker, edition)


def _for_edition(checker: _Checker, tracker: Tracker, edition: dt.date | None) -> CheckResult:
    """Add the findings that depend on the edition date; no records when the edition cannot be built."""
    pivot = tracker.settings.pivot_date
    edition_cell = None
    if edition is not None:
        if edition < pivot:
            raise UsageError(f"--edition {edition.isoformat()} is before the pivot date {pivot.isoformat()}: an "
                             "edition follows the pivot, so choose a date on or after it.")
    elif tracker.settings.edition_date is not None:
        edition = tracker.settings.edition_date
        number = checker.setting_row("Edition date")
        edition_cell = checker.cell("Settings", "Value", number)
        if edition < pivot:
            checker.add("error", "edition-before-pivot", f"the edition {show(edition)} is before the Pivot date "
                        f"{pivot.isoformat()}: an edition follows the pivot, so give a date on or after it, or leave "
                        "it blank for today", sheet="Settings", cell=edition_cell, column="Edition date", row=number,
                        value=edition.isoformat())
            return CheckResult(None, checker.ordered(), checker.book.sha256)
    else:
        edition = checker.today
        if edition < pivot:
            number = checker.setting_row("Pivot date")
            checker.add("error", "edition-before-pivot", f"today ({edition.isoformat()}) is before the Pivot date "
                        f"{pivot.isoformat()}, and the Edition date is blank: give an Edition date on or after the "
                        "pivot, or check the Pivot date", sheet="Settings",
                        cell=checker.cell("Settings", "Value", number), column="Pivot date", row=number,
                        value=pivot.isoformat())
            return CheckResult(None, checker.ordered(), checker.book.sha256)
    view = as_of(tracker, edition)
    found = edition_findings(view, checker.today, checker.cell, edition_cell)
    found += contradictions(tracker, view, checker.cell)  # cells that are each fine but disagree (issue 23)
    for finding in found:
        # The sheet as the editor sees it on its tab.
        title = checker.title(finding.sheet) if finding.sheet else None
        checker.findings.append(dataclasses.replace(finding, sheet=title))

    def locate(sheet: str, column: str, row: int | None) -> str | None:
        cell = checker.cell(sheet, column, row)
        return f"{checker.title(sheet)}!{cell}" if cell else None

    return CheckResult(tracker, checker.ordered(), checker.book.sha256, view, locate)

