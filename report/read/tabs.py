"""The workbook's tabs as workbook.xml lists them, and which tab is each sheet the schema knows.

A missing table sheet, or one that is a chart and not a table, is one sentence (UnreadableWorkbook);
tabs matching one table twice, tabs the tool does not use, and the README and Fix list are noted for
the checker.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from defusedxml.ElementTree import fromstring

from .. import schema
from ..errors import UnreadableWorkbook

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Tab:
    """A tab of the workbook as workbook.xml lists it."""

    name: str
    member: str | None  # the zip member of its XML
    kind: str  # "worksheet", "chartsheet", "dialogsheet", "macrosheet" ...
    state: str  # "visible", "hidden" or "veryHidden"


@dataclass(frozen=True)
class Package:
    """What workbook.xml and its relationships say."""

    tabs: list[Tab]  # in tab order
    epoch_1904: bool  # dates count from 1904
    strings_member: str | None  # the shared-strings part


@dataclass(frozen=True)
class Chosen:
    """The tab read for each schema sheet, and what the checker says about the others."""

    tabs: dict[str, Tab]  # schema sheet name -> its tab
    duplicates: dict[str, list[str]]  # schema sheet name -> every tab matching it, when more than one
    unknown: list[str]  # tabs the tool does not use, as written
    ignored: list[str]  # the README and Fix list, as written


def read_package(archive: zipfile.ZipFile) -> Package:
    """The tabs in order (name, XML part, kind, visibility), whether dates count from 1904, and the
    shared-strings part, from workbook.xml and its relationships."""
    names = set(archive.namelist())
    book_member = next((n for n in ("xl/workbook.xml",) if n in names), None)
    if book_member is None:
        book_member = next(n for n in sorted(names) if n.startswith("xl/workbook"))
    root = fromstring(archive.read(book_member))
    rels_member = str(PurePosixPath(book_member).parent / "_rels" / (PurePosixPath(book_member).name + ".rels"))
    targets: dict[str, tuple[str, str]] = {}
    if rels_member in names:
        for rel in fromstring(archive.read(rels_member)):
            target = rel.get("Target", "")
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if target.startswith("/"):
                member = target.lstrip("/")
            else:
                member = os.path.normpath(str(PurePosixPath(book_member).parent / target)).replace(os.sep, "/")
            targets[rel.get("Id", "")] = (member, kind)
    epoch_1904 = False
    entries: list[Tab] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr":
            epoch_1904 = element.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet":
            member, kind = targets.get(element.get(f"{{{REL_NS}}}id", ""), (None, "worksheet"))
            entries.append(Tab(element.get("name", ""), member, kind or "worksheet",
                               element.get("state", "visible")))
    strings = next((m for m, kind in targets.values() if kind == "sharedStrings"), None)
    if strings is None and "xl/sharedStrings.xml" in names:
        strings = "xl/sharedStrings.xml"
    return Package(entries, epoch_1904, strings)


def choose(path: Path, entries: list[Tab]) -> Chosen:
    """The tab for each schema sheet (case and spaces ignored); UnreadableWorkbook if one is missing or is
    not a table."""
    names = [e.name for e in entries]
    by_key: dict[str, list[Tab]] = {}
    for entry in entries:
        by_key.setdefault(schema.header_key(entry.name), []).append(entry)
    missing = [s.name for s in schema.SHEETS if schema.header_key(s.name) not in by_key]
    if missing:
        found = ", ".join(names) or "none"
        listed = " and ".join(", ".join(missing).rsplit(", ", 1))
        plural = "sheets" if len(missing) > 1 else "sheet"
        raise UnreadableWorkbook(
            f"{path} has no {listed} {plural} (sheets found: {found}): use a workbook made by 'report init'."
        )
    chosen: dict[str, Tab] = {}
    duplicates: dict[str, list[str]] = {}
    for spec in schema.SHEETS:
        matches = by_key[schema.header_key(spec.name)]
        tables = [m for m in matches if m.kind == "worksheet"]
        if not tables:
            what = {"chartsheet": "a chart sheet", "dialogsheet": "a dialog sheet",
                    "macrosheet": "a macro sheet"}.get(matches[0].kind, f"a {matches[0].kind}")
            raise UnreadableWorkbook(
                f"{path}: the sheet {matches[0].name!r} is {what}, not a table: rename it and add a "
                f"{spec.name} sheet with the table, as 'report init' makes it."
            )
        if len(matches) > 1:
            duplicates[spec.name] = [m.name for m in matches]
        # The exact spelling wins; otherwise the first in tab order.
        chosen[spec.name] = next((m for m in tables if m.name == spec.name), tables[0])
    known = {schema.header_key(s.name) for s in schema.SHEETS} | {
        schema.header_key(name) for name in (schema.README_SHEET, schema.FIX_LIST_SHEET)}
    unknown = [name for name in names if schema.header_key(name) not in known]
    ignored = [name for name in names if schema.header_key(name) in known - {
        schema.header_key(s.name) for s in schema.SHEETS}]
    return Chosen(chosen, duplicates, unknown, ignored)
