"""Build the messy workbooks in tests/files/, the way editors make them.

Run it again whenever the sample or the template changes:

    .venv/bin/python tests/files/make_files.py

Each file starts from the sample workbook (`report init --sample`), is edited with openpyxl the way an
editor would edit it in Excel, and is then opened and saved by headless LibreOffice, so the bytes on
disk are what a real office suite writes. A few files are touched after LibreOffice saved them, at the
XML level, because the thing under test is exactly what LibreOffice would repair (a formula with no
saved value, a lying <dimension>, a macro project). tests/test_workbook_files.py asserts what
`report check` finds in each.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Border, PatternFill, Side
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from report.new_workbook import template_bytes

SEED = "Seed report, 2026-05-27"


# -- helpers --------------------------------------------------------------------------------------


def sample_book() -> openpyxl.Workbook:
    """The sample workbook, as `report init --sample` writes it, open for editing."""
    return openpyxl.load_workbook(io.BytesIO(template_bytes(with_sample=True)))


def headers(ws: Worksheet, row: int = 1) -> dict[str, int]:
    """Header text without the '*' -> column index."""
    return {str(c.value).rstrip("*").strip(): c.column for c in ws[row] if c.value is not None}


def cell(ws: Worksheet, column: str, row: int, header_row: int = 1):  # type: ignore[no-untyped-def]
    """The cell under header `column` on `row`."""
    return ws.cell(row=row, column=headers(ws, header_row)[column])


def rewrite_columns(ws: Worksheet, layout: list[tuple[str | None, str]]) -> None:
    """Lay the sheet's columns out again: (old header or None for a new column, new header text).

    Values and number formats move with their column, as when an editor cuts and pastes columns.
    """
    old = headers(ws)
    last = ws.max_row
    columns: list[list[tuple[object, str]]] = []
    for source, _ in layout:
        if source is None:
            columns.append([(None, "General")] * (last - 1))
        else:
            index = old[source]
            columns.append([(ws.cell(row=r, column=index).value, ws.cell(row=r, column=index).number_format)
                            for r in range(2, last + 1)])
    # Validations and filters follow positions, not headers: drop them, as pasting over them would.
    ws.data_validations.dataValidation = []
    ws.auto_filter.ref = None
    for row in ws.iter_rows(min_row=1, max_row=last, max_col=max(ws.max_column, len(layout))):
        for c in row:
            c.value = None
            c.number_format = "General"
    for index, ((_, header), values) in enumerate(zip(layout, columns, strict=True), start=1):
        ws.cell(row=1, column=index, value=header)
        for r, (value, number_format) in enumerate(values, start=2):
            target = ws.cell(row=r, column=index, value=value)
            target.number_format = number_format


def soffice_to_xlsx(source: Path, outdir: Path, to: str = "xlsx") -> Path:
    """Open `source` in headless LibreOffice and save it as `to`, with a private profile."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui")
    profile = Path(tempfile.gettempdir()) / f"lo-profile-{uuid.uuid4().hex}"
    outdir.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", to, "--outdir", str(outdir), str(source)],
            capture_output=True, text=True, timeout=180, check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    produced = outdir / f"{source.stem}.{to.split(':')[0]}"
    if done.returncode != 0 or not produced.exists():
        raise SystemExit(f"LibreOffice could not convert {source}:\n{done.stdout}{done.stderr}")
    return produced


def through_libreoffice(book: openpyxl.Workbook, name: str, work: Path) -> bytes:
    """Save `book` with openpyxl, then open and save it in LibreOffice; the LibreOffice bytes."""
    stem = Path(name).stem
    source = work / "in" / f"{stem}.xlsx"
    source.parent.mkdir(parents=True, exist_ok=True)
    book.save(source)
    return soffice_to_xlsx(source, work / "out").read_bytes()


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a package member by member: `change(name, bytes)` returns new bytes, or None to drop it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = change(info.filename, src.read(info))
            if new is not None:
                dst.writestr(info.filename, new)
        for name, payload in (extra or {}).items():
            dst.writestr(name, payload)
    return out.getvalue()


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name -> its part name inside the package (xl/worksheets/sheetN.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = dict(re.findall(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({rid: target for target, rid in
                    re.findall(r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts: dict[str, str] = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', workbook):
        target = targets[rid].lstrip("/")
        parts[name] = target if target.startswith("xl/") else f"xl/{target}"
    return parts


# -- the files ------------------------------------------------------------------------------------


def sample_libreoffice(work: Path) -> bytes:
    """The sample, opened and saved by LibreOffice: nothing to report, the same records."""
    return through_libreoffice(sample_book(), "sample-libreoffice", work)


def reordered(work: Path) -> bytes:
    """Columns moved, headers re-cased and spaced, a column and a sheet added, a sheet renamed."""
    book = sample_book()
    settings = book["Settings"]
    rewrite_columns(settings, [("About", "About"), ("Value", "  VALUE "), ("Setting", "setting")])
    labs = book["Labs"]
    rewrite_columns(labs, [
        ("Notes", "Notes"), ("Lab", "LAB*"), (None, "Internal ref"),
        ("Flagship weights", "flagship   weights"), ("Watch", "watch"), ("Status since", "Status Since"),
        ("Country", "Country"), ("Flagship model", "FlagshipModel"), ("Flagship scale", "Flagship scale"),
        ("Flagship licence", "Flagship licence"), ("Mid-scale model", "Mid-Scale Model"),
        ("Mid-scale licence", "mid-scale licence"), ("Source", " Source "),
    ])
    for row in range(2, labs.max_row + 1):
        labs.cell(row=row, column=3, value=f"LAB-{row - 1:03d}")
    events = book["Events"]
    rewrite_columns(events, [
        ("Headline", "Headline"), ("Kind", "kind *"), ("Lab", "lab"), ("Date", " date "), ("Model", "Model"),
        ("Notes", "NOTES"), ("Source", "Source"),
    ])
    signals = book["Signals"]
    rewrite_columns(signals, [
        ("Signal", "SIGNAL*"), ("Points to", " points  TO "), ("Quarter", "quarter"), ("Strength", "Strength "),
        ("Confidence", "CONFIDENCE"), ("Lab", "Lab"), ("Source", "source"), ("Observed", "Observed"),
        ("Value", "value"), ("Unit", "unit"), ("Notes", "Notes"), (None, "Comments"),
    ])
    signals.cell(row=2, column=12, value="ask the analyst about this one")
    # openpyxl compares sheet names ignoring case, so a rename to "sources" alone would become "sources1".
    book["Sources"].title = "renaming"
    book["renaming"].title = "sources"
    scratch = book.create_sheet("Scratch")
    scratch["A1"] = "Editor's scratch pad"
    scratch["A2"] = "call Alibaba Cloud IR on Monday"
    return through_libreoffice(book, "reordered", work)


def blank_rows(work: Path) -> bytes:
    """Blank rows between records, a blank row above a header, 1,000 formatted empty rows, hidden
    and filtered rows."""
    book = sample_book()
    events = book["Events"]
    events.insert_rows(3, 2)  # two blank rows between the two events
    events["D4"] = "   "  # a cell holding only spaces is blank too
    signals = book["Signals"]
    signals.insert_rows(4, 1)
    signals.insert_rows(6, 3)
    fill = PatternFill("solid", fgColor="FFF2CC")
    side = Side(style="thin", color="BFBFBF")
    border = Border(left=side, right=side, top=side, bottom=side)
    first = signals.max_row + 1
    for row in range(first, first + 1000):  # formatted, never filled
        for column in range(1, 12):
            c = signals.cell(row=row, column=column)
            c.fill = fill
            c.border = border
            c.number_format = "yyyy-mm-dd" if column == 9 else "General"
    labs = book["Labs"]
    labs.row_dimensions[6].hidden = True  # Zhipu hidden by hand
    milestones = book["Milestones"]
    milestones.auto_filter.ref = "A1:E3"
    milestones.auto_filter.add_filter_column(1, ["Alibaba Cloud's Q3 2026 AI revenue disclosures"])
    milestones.row_dimensions[3].hidden = True  # filtered out
    sources = book["Sources"]
    sources.insert_rows(1, 1)  # a blank row above the header
    return through_libreoffice(book, "blank-rows", work)


def text_values(work: Path) -> bytes:
    """Dates, numbers, choices and quarters typed as text, in every accepted form; serial numbers in
    date columns. Everything reads as the sample does."""
    book = sample_book()
    s = book["Settings"]
    s["B7"] = "20 Apr 2026"  # Pivot date
    s["B8"] = " 28 "  # Stale after days
    s["B9"] = "2.0"  # Call margin
    labs = book["Labs"]
    cell(labs, "Flagship weights", 2).value = " closed "
    cell(labs, "Watch", 2).value = "NO"
    cell(labs, "Status since", 2).value = "April 20, 2026"
    cell(labs, "Flagship weights", 3).value = "OPEN"
    cell(labs, "Watch", 4).value = " yes"
    events = book["Events"]
    cell(events, "Date", 2).value = "2026-04-20"
    cell(events, "Date", 3).value = "2026/05/27"
    cell(events, "Kind", 2).value = "closed  FLAGSHIP "
    cell(events, "Kind", 3).value = "other"
    signals = book["Signals"]
    for row, quarter in zip(range(2, 7), ["Q2 2026", "2026Q2", "2026 q2", "2026-q2", " 2026-Q2 "], strict=True):
        cell(signals, "Quarter", row).value = quarter
    cell(signals, "Points to", 2).value = "pays "
    cell(signals, "Points to", 3).value = " REVERTS"
    cell(signals, "Strength", 2).value = " 2 "
    cell(signals, "Strength", 3).value = "1"
    cell(signals, "Confidence", 2).value = "reported"
    observed = cell(signals, "Observed", 2)
    observed.value = 46169  # 2026-05-27 as an Excel serial number, its date format lost
    observed.number_format = "General"
    for row, text in zip(range(3, 7), ["27 May 2026", "May 27, 2026", "2026-05-27", "2026/05/27"], strict=True):
        cell(signals, "Observed", row).value = text
    milestones = book["Milestones"]
    cell(milestones, "Due", 2).value = "Q4 2026"
    cell(milestones, "Due", 3).value = "2026 q4"
    cell(milestones, "Status", 2).value = " upcoming "
    sources = book["Sources"]
    published = cell(sources, "Published", 2)
    published.value = 46169
    published.number_format = "0"
    return through_libreoffice(book, "text-values", work)


def formulas(work: Path) -> bytes:
    """Formulas LibreOffice calculated and saved, one whose saved value was stripped (as a file written
    by a script and never opened shows it), one that shows an error, and one whose result is empty text.

    The saved value is stripped in the XML rather than by writing the formula with openpyxl after
    LibreOffice: saving with openpyxl would drop the saved values of every other formula too."""
    book = sample_book()
    signals = book["Signals"]
    cell(signals, "Strength", 2).value = "=1+1"
    cell(signals, "Strength", 3).value = "=3-2"  # its saved value is removed below
    cell(signals, "Value", 4).value = "=1/0"
    cell(signals, "Notes", 2).value = '=IF(1>2,"never","")'  # an empty result is a saved value too
    events = book["Events"]
    cell(events, "Date", 2).value = "=DATE(2026,4,20)"
    cell(events, "Headline", 3).value = (
        '="Six weeks on, no other major Chinese lab "&"has followed the closed-weight move"'
    )
    data = through_libreoffice(book, "formulas", work)
    part = sheet_parts(data)["Signals"]
    column = headers(book["Signals"])["Strength"]
    coordinate = f"{openpyxl.utils.get_column_letter(column)}3"

    def strip_saved_value(name: str, payload: bytes) -> bytes:
        if name != part:
            return payload
        text = payload.decode()
        pattern = re.compile(rf'(<c r="{coordinate}"[^>]*>)(<f\b[^>]*>[^<]*</f>)<v>[^<]*</v>(</c>)')
        text, count = pattern.subn(r"\1\2\3", text)
        assert count == 1, f"no saved value to strip at {coordinate}"
        return text.encode()

    return rezip(data, strip_saved_value)


def errors(work: Path) -> bytes:
    """Errors on every sheet at once; `report check` must list them all in one run."""
    book = sample_book()
    book["Settings"]["B10"] = "desk@example.com; not an address"  # Recipients
    labs = book["Labs"]
    labs["A7"] = "deepseek "  # the same lab again, in other case
    labs["E7"] = "Open"
    events = book["Events"]
    cell(events, "Date", 2).value = "03/04/2026"  # March 4 or 3 April?
    cell(events, "Lab", 3).value = "Mistral"
    cell(events, "Source", 3).value = "javascript:alert(1)"
    signals = book["Signals"]
    cell(signals, "Points to", 2).value = "maybe"
    cell(signals, "Quarter", 3).value = "2026-Q5"
    cell(signals, "Strength", 4).value = 5
    milestones = book["Milestones"]
    cell(milestones, "Milestone", 3).value = None
    milestones.merge_cells("D2:E2")
    cell(book["Sources"], "URL", 3).value = "ftp://example.com/report.pdf"
    return through_libreoffice(book, "errors", work)


def lying_dimension(work: Path) -> bytes:
    """Each sheet's <dimension> claims A1:B2 (readers that trust it see a 2x2 sheet)."""
    data = through_libreoffice(sample_book(), "lying-dimension", work)
    parts = set(sheet_parts(data).values())

    def lie(name: str, payload: bytes) -> bytes:
        if name not in parts:
            return payload
        text, count = re.subn(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:B2"/>', payload.decode())
        assert count == 1, name
        return text.encode()

    return rezip(data, lie)


def date1904(work: Path) -> bytes:
    """The 1904 date system (old Mac Excel): every date cell and serial number counts from 1904-01-01."""
    book = sample_book()
    book.epoch = CALENDAR_MAC_1904  # openpyxl writes date cells as 1904 serials from here on
    sources = book["Sources"]
    published = cell(sources, "Published", 2)
    published.value = (dt.date(2026, 5, 27) - dt.date(1904, 1, 1)).days  # a bare 1904 serial number
    published.number_format = "General"
    return through_libreoffice(book, "date1904", work)


def macros(work: Path) -> bytes:
    """The sample saved as a macro-enabled workbook (.xlsm) with a VBA project."""
    data = through_libreoffice(sample_book(), "macros", work)
    vba = vba_project_bin()
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro_main = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

    def macro_enable(name: str, payload: bytes) -> bytes:
        text = payload.decode("utf-8") if name.endswith((".xml", ".rels")) else None
        if text is None:
            return payload
        if name == "[Content_Types].xml":
            assert main in text
            text = text.replace(main, macro_main)
            text = text.replace(
                "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            )
        elif name == "xl/_rels/workbook.xml.rels":
            text = text.replace(
                "</Relationships>",
                '<Relationship Id="rIdVba1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
                ' Target="vbaProject.bin"/></Relationships>',
            )
        elif name == "xl/workbook.xml":
            text = re.sub(r"<workbookPr\b", '<workbookPr codeName="ThisWorkbook"', text, count=1)
        return text.encode("utf-8")

    return rezip(data, macro_enable, {"xl/vbaProject.bin": vba})


def converted(to: str) -> Callable[[Path], bytes]:
    """The sample, saved by LibreOffice in another format (.xls, .ods): files the tool must refuse."""

    def make(work: Path) -> bytes:
        source = work / "in" / "sample.xlsx"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(template_bytes(with_sample=True))
        return soffice_to_xlsx(source, work / "out", to).read_bytes()

    make.__doc__ = f"The sample saved by LibreOffice as .{to}."
    return make


# -- a VBA project (MS-OVBA) in a compound file (MS-CFB) ------------------------------------------


def _ovba_compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1 compression using literal tokens only: valid, if not small. A full 4,096-byte
    chunk that literals would make larger is stored raw, as the format allows."""
    out = bytearray(b"\x01")  # signature
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        body = bytearray()
        for i in range(0, len(chunk), 8):
            body.append(0)  # flag byte: the next eight tokens are literals
            body += chunk[i:i + 8]
        if len(body) + 2 <= 4098:
            # Header: chunk size - 3 in 12 bits, signature 0b011, flag 1 (compressed).
            out += struct.pack("<H", (len(body) + 2 - 3) | (0b011 << 12) | 0x8000) + body
        else:
            assert len(chunk) == 4096, "only a full chunk may be stored raw"
            out += struct.pack("<H", 0xFFF | (0b011 << 12)) + chunk
    return bytes(out)


def _record(record_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(payload)) + payload


def vba_project_bin() -> bytes:
    """A small, well-formed vbaProject.bin: one standard module, `Hello`, and the ThisWorkbook and
    sheet modules Excel expects. Built here because no VBA project ships with the tools we use."""
    code_page = 1252
    modules = [("ThisWorkbook", "document"), ("Module1", "standard")]
    sources = {
        "ThisWorkbook": 'Attribute VB_Name = "ThisWorkbook"\r\nAttribute VB_Base = "0{00020819-0000-0000-C000-'
                        '000000000046}"\r\nAttribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n'
                        "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
                        "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\n",
        "Module1": 'Attribute VB_Name = "Module1"\r\nSub Hello()\r\n    MsgBox "Macros are ignored by report"\r\n'
                   "End Sub\r\n",
    }

    def text_record(record_id: int, value: str, unicode_id: int | None = None) -> bytes:
        raw = _record(record_id, value.encode("cp1252"))
        if unicode_id is not None:
            raw += _record(unicode_id, value.encode("utf-16-le"))
        return raw

    directory = bytearray()
    directory += _record(0x0001, struct.pack("<I", 1))  # SYSKIND: 32-bit Windows
    directory += _record(0x0002, struct.pack("<I", 0x0409))  # LCID
    directory += _record(0x0014, struct.pack("<I", 0x0409))  # LCIDINVOKE
    directory += _record(0x0003, struct.pack("<H", code_page))  # CODEPAGE
    directory += text_record(0x0004, "VBAProject")  # NAME
    directory += text_record(0x0005, "", 0x0040)  # DOCSTRING + unicode
    directory += _record(0x0006, b"") + _record(0x003D, b"")  # HELPFILEPATH 1 and 2
    directory += _record(0x0007, struct.pack("<I", 0))  # HELPCONTEXT
    directory += _record(0x0008, struct.pack("<I", 0))  # LIBFLAGS
    directory += struct.pack("<HIIH", 0x0009, 4, 0x5FA4C1E5, 0x0011)  # VERSION (reserved size 4, major, minor)
    directory += text_record(0x000C, "", 0x003C)  # CONSTANTS + unicode
    directory += _record(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES count
    directory += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for name, kind in modules:
        directory += text_record(0x0019, name)  # MODULENAME
        directory += _record(0x0047, name.encode("utf-16-le"))  # MODULENAMEUNICODE
        directory += text_record(0x001A, name, 0x0032)  # MODULESTREAMNAME + unicode
        directory += text_record(0x001C, "", 0x0048)  # MODULEDOCSTRING + unicode
        directory += _record(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: the source starts at 0
        directory += _record(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        directory += _record(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        directory += _record(0x0021 if kind == "standard" else 0x0022, b"")  # MODULETYPE
        directory += _record(0x002B, b"")  # module terminator
    directory += _record(0x0010, b"")  # dir terminator

    project = (
        'ID="{5B3F1A2E-4C6D-4E8F-9A0B-1C2D3E4F5A6B}"\r\nDocument=ThisWorkbook/&H00000000\r\nModule=Module1\r\n'
        'Name="VBAProject"\r\nHelpContextID="0"\r\nVersionCompatible32="393222000"\r\n'
        'CMG="0000"\r\nDPB="0000"\r\nGC="0000"\r\n\r\n[Host Extender Info]\r\n'
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n\r\n"
        "[Workspace]\r\nThisWorkbook=0, 0, 0, 0, C\r\nModule1=0, 0, 0, 0, C\r\n"
    ).encode("cp1252")
    project_wm = b"".join(name.encode("cp1252") + b"\0" + name.encode("utf-16-le") + b"\0\0" for name, _ in modules)
    project_wm += b"\0\0"
    streams = {
        ("VBA", "dir"): _ovba_compress(bytes(directory)),
        ("VBA", "_VBA_PROJECT"): struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0000),
        ("PROJECT",): project,
        ("PROJECTwm",): project_wm,
    }
    for name, _ in modules:
        streams[("VBA", name)] = _ovba_compress(sources[name].encode("cp1252"))
    return compound_file(streams)


@dataclass
class _Entry:
    """A directory entry of a compound file: a storage (1), a stream (2) or the root (5)."""

    name: str
    kind: int
    path: tuple[str, ...]
    children: list[int] = field(default_factory=list)


def compound_file(streams: dict[tuple[str, ...], bytes]) -> bytes:
    """A version 3 compound file (MS-CFB) holding `streams`, by path; every stream in the mini stream
    (all of ours are under 4,096 bytes)."""
    sector = 512
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    assert all(len(data) < 4096 for data in streams.values())

    # The tree: storages and streams by path.
    entries: list[_Entry] = [_Entry("Root Entry", 5, ())]
    index_of: dict[tuple[str, ...], int] = {(): 0}
    for path in sorted(streams):
        for depth in range(1, len(path) + 1):
            sub = path[:depth]
            if sub in index_of:
                continue
            kind = 2 if depth == len(path) else 1
            index_of[sub] = len(entries)
            entries.append(_Entry(sub[-1], kind, sub))
            entries[index_of[sub[:-1]]].children.append(index_of[sub])

    # The mini stream: each stream in 64-byte mini sectors.
    mini = bytearray()
    mini_fat: list[int] = []
    starts: dict[tuple[str, ...], int] = {}
    for path, data in streams.items():
        count = max(1, -(-len(data) // 64))
        starts[path] = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [end]
        mini += data.ljust(count * 64, b"\0")

    def sectors(n_bytes: int) -> int:
        return max(1, -(-n_bytes // sector))

    mini_stream_sectors = sectors(len(mini))
    mini_fat_sectors = sectors(len(mini_fat) * 4)
    dir_sectors = sectors(len(entries) * 128)
    # Layout after the header: FAT, directory, mini FAT, mini stream.
    content = dir_sectors + mini_fat_sectors + mini_stream_sectors
    fat_sectors = 1
    while (fat_sectors + content) > fat_sectors * (sector // 4):
        fat_sectors += 1
    dir_start = fat_sectors
    mini_fat_start = dir_start + dir_sectors
    mini_stream_start = mini_fat_start + mini_fat_sectors
    fat: list[int] = [fat_sector] * fat_sectors

    def chain(start: int, count: int) -> list[int]:
        return [start + i + 1 for i in range(count - 1)] + [end]

    fat += chain(dir_start, dir_sectors) + chain(mini_fat_start, mini_fat_sectors)
    fat += chain(mini_stream_start, mini_stream_sectors)
    fat += [free] * (fat_sectors * (sector // 4) - len(fat))

    def name_key(i: int) -> tuple[int, str]:
        name = entries[i].name
        return (len(name), name.upper())

    left = [0xFFFFFFFF] * len(entries)
    right = [0xFFFFFFFF] * len(entries)
    child = [0xFFFFFFFF] * len(entries)
    for i, entry in enumerate(entries):
        kids = sorted(entry.children, key=name_key)
        if kids:
            # A degenerate (all-black, right-leaning) tree is a valid red-black tree for readers.
            child[i] = kids[0]
            for a, b in itertools.pairwise(kids):
                right[a] = b

    directory = bytearray()
    for i, entry in enumerate(entries):
        name = entry.name.encode("utf-16-le") + b"\0\0"
        kind, path = entry.kind, entry.path
        if kind == 5:
            start, size = mini_stream_start, len(mini)
        elif kind == 2:
            start, size = starts[path], len(streams[path])
        else:
            start, size = 0, 0
        directory += name.ljust(64, b"\0") + struct.pack("<HBB", len(name), kind, 1)
        directory += struct.pack("<III", left[i], right[i], child[i]) + b"\0" * 16 + b"\0" * 4
        directory += b"\0" * 16 + struct.pack("<IQ", start, size)
    empty = b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    empty += b"\0" * 36 + struct.pack("<IQ", 0, 0)
    while len(directory) < dir_sectors * sector:
        directory += empty

    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16)
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, 4096, mini_fat_start, mini_fat_sectors,
                          end, 0)
    difat = list(range(fat_sectors)) + [free] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    assert len(header) == 512

    body = b"".join(struct.pack("<I", v) for v in fat)
    body += bytes(directory)
    body += b"".join(struct.pack("<I", v) for v in mini_fat).ljust(mini_fat_sectors * sector, b"\xff")
    body += bytes(mini).ljust(mini_stream_sectors * sector, b"\0")
    return bytes(header) + body


# -- main -----------------------------------------------------------------------------------------

FILES: dict[str, Callable[[Path], bytes]] = {
    "sample-libreoffice.xlsx": sample_libreoffice,
    "reordered.xlsx": reordered,
    "blank-rows.xlsx": blank_rows,
    "text-values.xlsx": text_values,
    "formulas.xlsx": formulas,
    "errors.xlsx": errors,
    "lying-dimension.xlsx": lying_dimension,
    "date1904.xlsx": date1904,
    "macros.xlsm": macros,
    "sample.xls": converted("xls"),
    "sample.ods": converted("ods"),
}


def main(names: list[str]) -> None:
    chosen = names or list(FILES)
    unknown = [n for n in chosen if n not in FILES]
    if unknown:
        raise SystemExit(f"unknown file(s) {', '.join(unknown)}; choose from {', '.join(FILES)}")
    with tempfile.TemporaryDirectory(prefix="make-files-") as tmp:
        for name in chosen:
            work = Path(tmp) / Path(name).stem
            data = FILES[name](work)
            (HERE / name).write_bytes(data)
            print(f"wrote tests/files/{name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
