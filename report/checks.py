"""Raw rows -> checked records and located findings, all in one pass.

Every problem is collected; none stops the others. Records come back only when there are no errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import schema
from .findings import Finding, Level
from .model import Event, Lab, Milestone, Record, Settings, Signal, Source, Tracker
from .values import (
    Bad,
    looks_like_url,
    parse_choice,
    parse_date,
    parse_due,
    parse_email,
    parse_emails,
    parse_number,
    parse_quarter,
    parse_strength,
    parse_url,
    parse_value,
    show,
    text,
)
from .workbook import RawCell, RawSheet, RawWorkbook, cell_name, read_workbook

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

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]


def check_file(path: Path | str, today: dt.date | None = None) -> CheckResult:
    """Read and check a workbook. Raises UnreadableWorkbook if the file cannot be used at all."""
    return check(read_workbook(path), today)


class _Checker:
    def __init__(self, book: RawWorkbook, today: dt.date) -> None:
        self.book = book
        self.today = today
        self.findings: list[Finding] = []

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
        self.findings.append(Finding(level, code, sheet, cell, column, row, value, message))

    # -- one cell ---------------------------------------------------------------------------------

    def typed(self, sheet: str, column: schema.Column, cell: RawCell | None, row: int) -> tuple[bool, Any]:
        """(ok, value) for one cell; a blank gives the column's default."""
        where = dict(sheet=sheet, column=column.name, row=row)
        if cell is not None and cell.formula and cell.value is None:
            self.add("error", "formula-not-calculated",
                     "this formula has no saved value: open the workbook in Excel or LibreOffice, save it, "
                     "and run again", cell=cell.coordinate, **where)
            return False, None
        value = None if cell is None else cell.value
        if isinstance(value, str) and value.strip().startswith("#") and cell is not None and cell.formula:
            self.add("error", "formula-error", f"the formula here shows the error {show(value)}: fix the formula",
                     cell=cell.coordinate, value=value, **where)
            return False, None
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.required:
                self.add("error", "required", f"{column.name} is required: fill in this cell",
                         cell=cell_name_for(cell, column, row, self._columns.get(sheet, {})), **where)
                return False, None
            return True, column.default
        assert cell is not None
        try:
            return True, self.parse(column, value)
        except Bad as bad:
            self.add("error", bad.code, bad.message, cell=cell.coordinate, value=text(value), **where)
            return False, None

    def parse(self, column: schema.Column, value: object) -> Any:
        kind = column.kind
        if kind == "date":
            day = parse_date(value, self.book.epoch_1904)
            return day
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
            raw = text(value)
            if looks_like_url(raw):
                return parse_url(raw)
            return raw
        if kind == "emails":
            return parse_emails(value)
        if kind == "email":
            return parse_email(value)
        return " ".join(text(value).split()) if kind == "lab" else text(value)

    # -- sheets -----------------------------------------------------------------------------------

    _columns: dict[str, dict[str, int]]

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
        for name in missing:
            self.add("error", "missing-column",
                     f"the required column {show(name)} is missing: add it to the header row",
                     sheet=spec.name, row=sheet.header_row, column=name)
        for rng in sheet.merged:
            self.add("error", "merged-cells", f"cells {rng} are merged: unmerge them so each value has its own cell",
                     sheet=spec.name, cell=rng.split(":")[0], value=rng)
        return None if missing else found

    def table(self, spec: schema.Sheet) -> list[Record]:
        sheet = self.book.sheets[spec.name]
        columns = self.header_map(spec, sheet)
        if columns is None:
            return []
        self._columns[spec.name] = columns
        record_type = RECORD_TYPES[spec.name]
        records: list[Record] = []
        for raw in sheet.rows:
            if raw.is_blank():
                continue
            values: dict[str, Any] = {"row": raw.number}
            ok = True
            for column in spec.columns:
                index = columns.get(column.name)
                cell = raw.cells.get(index) if index is not None else None
                good, value = self.typed(spec.name, column, cell, raw.number)
                ok = ok and good
                values[column.attr] = value
            if ok:
                records.append(record_type(**values))
        return records

    def settings(self) -> Settings | None:
        spec = schema.SETTINGS
        sheet = self.book.sheets[spec.name]
        columns = self.header_map(spec, sheet)
        if columns is None:
            return None
        self._columns[spec.name] = columns
        fields = {schema.header_key(f.name.rstrip("*")): f for f in schema.SETTINGS_FIELDS}
        seen: dict[str, int] = {}
        values: dict[str, Any] = {}
        ok = True
        for raw in sheet.rows:
            if raw.is_blank():
                continue
            name_cell = raw.cells.get(columns["Setting"])
            value_index = columns.get("Value", columns["Setting"] + 1)
            value_cell = raw.cells.get(value_index)
            if name_cell is None or not text(name_cell.value):
                if value_cell is not None:
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
            if value_cell is None and field_spec.required:
                pass  # reported by typed() with the Value cell's address
            ok = ok and good
            values[field_spec.attr] = value
        for field_spec in schema.SETTINGS_FIELDS:
            if field_spec.name not in seen:
                if field_spec.required:
                    self.add("error", "missing-setting", f"the setting {show(field_spec.name)} is missing: add a "
                             f"row with {field_spec.name} in the Setting column and its value beside it",
                             sheet=spec.name, column=field_spec.name)
                    ok = False
                values[field_spec.attr] = field_spec.default
        if not ok:
            return None
        values["recipients"] = values.get("recipients") or ()
        for attr in ("stale_after_days", "call_margin"):
            values[attr] = float(values[attr])
        return Settings(**values)

    # -- across sheets ----------------------------------------------------------------------------

    def cross(self, settings: Settings | None, tables: dict[str, list[Record]]) -> dict[str, list[Record]]:
        labs: list[Lab] = tables["Labs"]  # type: ignore[assignment]
        sources: list[Source] = tables["Sources"]  # type: ignore[assignment]
        lab_names = self.unique("Labs", "Lab", [(r.row, r.lab) for r in labs])
        source_names = self.unique("Sources", "Source", [(r.row, r.source) for r in sources])

        def lab_ref(sheet: str, record: Record, name: str | None, column: str = "Lab") -> str | None:
            if name is None:
                return None
            canonical = lab_names.get(name.casefold())
            if canonical is None:
                self.add("error", "unknown-lab", f"{show(name)} is not a lab on the Labs sheet: add it there or "
                         "fix the spelling", sheet=sheet, cell=self.cell(sheet, column, record.row),
                         column=column, row=record.row, value=name)
            return canonical

        out: dict[str, list[Record]] = {}
        for sheet in ("Events", "Signals"):
            fixed: list[Record] = []
            for record in tables[sheet]:
                canonical = lab_ref(sheet, record, getattr(record, "lab"))
                fixed.append(_replace(record, lab=canonical) if canonical else record)
            out[sheet] = fixed
        out["Labs"] = list(labs)
        out["Sources"] = list(sources)
        out["Milestones"] = list(tables["Milestones"])

        if settings is not None and settings.pivot_lab.casefold() not in lab_names:
            row = self.setting_row("Pivot lab")
            self.add("error", "unknown-lab", f"the pivot lab {show(settings.pivot_lab)} is not a lab on the Labs "
                     "sheet: add it there or fix the spelling", sheet="Settings",
                     cell=self.cell("Settings", "Value", row) if row else None, column="Pivot lab", row=row,
                     value=settings.pivot_lab)

        for sheet, records in out.items():
            spec = schema.sheet_named(sheet)
            for record in records:
                for column in spec.columns:
                    value = getattr(record, column.attr)
                    if column.kind == "source" and isinstance(value, str) and not looks_like_url(value):
                        if value.casefold() not in source_names:
                            self.add("warning", "unknown-source", f"{show(value)} names no row on the Sources "
                                     "sheet: add it there, or give a link", sheet=sheet,
                                     cell=self.cell(sheet, column.name, record.row), column=column.name,
                                     row=record.row, value=value)
                    if column.kind == "date" and isinstance(value, dt.date):
                        if value > self.today + dt.timedelta(days=366 * FUTURE_YEARS):
                            self.add("warning", "far-future", f"{show(value)} is more than {FUTURE_YEARS} years "
                                     "ahead: check the year", sheet=sheet,
                                     cell=self.cell(sheet, column.name, record.row), column=column.name,
                                     row=record.row, value=value.isoformat())
            if sheet == "Signals":
                for record in records:
                    if getattr(record, "source") is None:
                        self.add("warning", "no-source", "this signal has no source: name one from the Sources "
                                 "sheet, or give a link", sheet=sheet, cell=self.cell(sheet, "Source", record.row),
                                 column="Source", row=record.row)
        return out

    def unique(self, sheet: str, column: str, names: list[tuple[int, str]]) -> dict[str, str]:
        """casefolded name -> name as first written; an error for each repeat."""
        seen: dict[str, tuple[int, str]] = {}
        for row, name in names:
            key = " ".join(name.split()).casefold()
            if key in seen:
                self.add("error", "duplicate", f"{show(name)} is already on row {seen[key][0]}: each {column} "
                         "must be unique", sheet=sheet, cell=self.cell(sheet, column, row), column=column,
                         row=row, value=name)
            else:
                seen[key] = (row, name)
        return {key: name for key, (_, name) in seen.items()}

    def cell(self, sheet: str, column: str, row: int | None) -> str | None:
        index = self._columns.get(sheet, {}).get(column)
        return cell_name(index, row) if index and row else None

    def setting_row(self, name: str) -> int | None:
        sheet = self.book.sheets["Settings"]
        index = self._columns.get("Settings", {}).get("Setting")
        for raw in sheet.rows:
            cell = raw.cells.get(index) if index else None
            if cell is not None and schema.header_key(text(cell.value).rstrip("*")) == schema.header_key(name):
                return raw.number
        return None


def cell_name_for(cell: RawCell | None, column: schema.Column, row: int, columns: dict[str, int]) -> str | None:
    """The address of a cell that may be blank."""
    if cell is not None:
        return cell.coordinate
    index = columns.get(column.name) or columns.get("Value")
    return cell_name(index, row) if index else None


def _replace(record: Record, **changes: Any) -> Record:
    from dataclasses import replace

    return replace(record, **changes)


def check(book: RawWorkbook, today: dt.date | None = None) -> CheckResult:
    """Check a read workbook: every finding at once, and the records when there is no error."""
    checker = _Checker(book, today or dt.date.today())
    checker._columns = {}
    if book.macros:
        checker.add("warning", "macros-ignored", "this workbook holds macros; they are ignored and never run")
    for name in book.unknown_sheets:
        checker.add("warning", "unknown-sheet", f"the sheet {show(name)} is not one the tool uses; it is ignored",
                    sheet=name, value=name)
    settings = checker.settings()
    tables = {spec.name: checker.table(spec) for spec in schema.TABLES}
    tables = checker.cross(settings, tables)
    findings = checker.findings
    if any(f.level == "error" for f in findings) or settings is None:
        return CheckResult(None, findings)
    tracker = Tracker(
        settings=settings,
        labs=tuple(tables["Labs"]),  # type: ignore[arg-type]
        events=tuple(tables["Events"]),  # type: ignore[arg-type]
        signals=tuple(tables["Signals"]),  # type: ignore[arg-type]
        milestones=tuple(tables["Milestones"]),  # type: ignore[arg-type]
        sources=tuple(tables["Sources"]),  # type: ignore[arg-type]
    )
    pivot = tracker.lab(settings.pivot_lab)
    if pivot is not None:
        from dataclasses import replace

        tracker = replace(tracker, settings=replace(settings, pivot_lab=pivot.lab))
    return CheckResult(tracker, findings)
