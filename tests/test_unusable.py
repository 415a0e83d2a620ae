"""Files that cannot be used at all (SPEC §5, §7): exit 2 and one plain sentence, never a traceback
(unless --debug), and the input is never written."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FILES, SAMPLE, run_cli
from msoffcrypto.format.ooxml import OOXMLFile

from report.check import check_file
from report.cli import cli
from report.errors import UnreadableWorkbook
from report.read import files

SHEETS_FOUND = "README, Settings, Labs, Events, Milestones, Sources"
DAMAGED = "is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
ENTITIES = "contains XML entity declarations, which workbooks never need (it may be an attack): it was not opened."
CSV = ("{path} is a text (CSV) file named like a workbook: open it in Excel or LibreOffice and save it as "
       ".xlsx.")
BOMB = "unpacks to far more data than a workbook holds (a zip bomb?): it was not opened."

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


# -- building the bad files ----------------------------------------------------------------------------------


def rezip(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)))
    return out.getvalue()


def with_doctype(member: str, padding: int = 0) -> Callable[[Path], None]:
    """A billion-laughs DTD in one part, after `padding` bytes of comment (a reader that looks only at the
    first few KB would miss it)."""

    def make(path: Path) -> None:
        def change(name: str, payload: bytes) -> bytes:
            if name != member:
                return payload
            text = payload.decode("utf-8")
            declaration, rest = text.split("?>", 1)
            comment = f"<!--{'x' * padding}-->" if padding else ""
            rest = rest.replace('name="README"', 'name="&lol9;"', 1)
            return f"{declaration}?>{comment}{LAUGHS}{rest}".encode()

        path.write_bytes(rezip(SAMPLE.read_bytes(), change))

    return make


def zip_bomb(size_mb: int, level: int) -> Callable[[Path], None]:
    """The sample with its README sheet replaced by `size_mb` MB of zeros, streamed so nothing big is held."""

    def make(path: Path) -> None:
        with zipfile.ZipFile(SAMPLE) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                              compresslevel=level) as dst:
            for info in src.infolist():
                if info.filename == "xl/worksheets/sheet1.xml":
                    with dst.open(info.filename, "w", force_zip64=True) as member:
                        block = b"\0" * (1 << 20)
                        for _ in range(size_mb):
                            member.write(block)
                else:
                    dst.writestr(info.filename, src.read(info))

    return make


def encrypted(path: Path) -> None:
    with SAMPLE.open("rb") as plain, path.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)


def truncated(path: Path) -> None:
    data = SAMPLE.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def corrupt(path: Path) -> None:
    """Bytes flipped inside a sheet's compressed data; the zip's directory is intact."""
    data = bytearray(SAMPLE.read_bytes())
    with zipfile.ZipFile(SAMPLE) as z:
        info = z.getinfo("xl/worksheets/sheet5.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 40, start + 80):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def plain_zip(members: dict[str, bytes]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as z:
            for name, payload in members.items():
                z.writestr(name, payload)

    return make


def without(*sheets: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        book = openpyxl.load_workbook(SAMPLE)
        for name in sheets:
            del book[name]
        book.save(path)

    return make


def text_file(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def copy_of(source: Path) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(source.read_bytes())


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'

# name -> (file name to create, how to make it, the sentence after the path)
CASES: dict[str, tuple[str, Callable[[Path], None] | None, str]] = {
    "missing": ("nope.xlsx", None, "There is no file at {path}: check the path and try again."),
    "folder": ("folder.xlsx", lambda p: p.mkdir(), "{path} is a folder, not a workbook: give the path of an .xlsx file."),
    "empty": ("empty.xlsx", lambda p: p.write_bytes(b""),
              "{path} is an empty file (0 bytes): save the workbook again from Excel or LibreOffice."),
    "xls": ("old.xls", copy_of(FILES / "sample.xls"),
            "{path} is an old Excel 97-2003 (.xls) file: open it in Excel or LibreOffice and save it as .xlsx."),
    "xls-named-xlsx": ("old.xlsx", copy_of(FILES / "sample.xls"),
                       ("{path} is an old Excel 97-2003 (.xls) file: open it in Excel or LibreOffice and save it as "
                       ".xlsx.")),
    "ods": ("sheet.ods", copy_of(FILES / "sample.ods"),
            "{path} is an OpenDocument spreadsheet (.ods): save it as Excel 2007-365 (.xlsx) and use that."),
    "ods-named-xlsx": ("sheet.xlsx", copy_of(FILES / "sample.ods"),
                       ("{path} is an OpenDocument spreadsheet (.ods): save it as Excel 2007-365 (.xlsx) and use "
                       "that.")),
    "csv": ("export.xlsx", text_file("Lab,Country,Flagship weights\nAlibaba,China,Closed\n"),
            ("{path} is a text (CSV) file named like a workbook: open it in Excel or LibreOffice and save it as "
            ".xlsx.")),
    "csv-windows": ("windows.xlsx", lambda p: p.write_bytes("Lab;Country\nZürich AI;Schweiz\n".encode("cp1252")),
                    CSV),
    "csv-unicode-text": ("unicode.xlsx", lambda p: p.write_bytes("Lab\tCountry\nAlibaba\tChina\n".encode("utf-16")),
                         CSV),
    "csv-named-csv": ("export.csv", text_file("Lab,Country\nAlibaba,China\n"),
                      ("{path} is a text (CSV) file, not a workbook: open it in Excel or LibreOffice and save it as "
                       ".xlsx.")),
    "html": ("page.xlsx", text_file("<!DOCTYPE html>\n<html><body><table><tr><td>Alibaba</td></tr></table>"
                                    "</body></html>\n"),
             ("{path} is an HTML or XML page named like a workbook: open it in Excel or LibreOffice and save it as "
             ".xlsx.")),
    "binary": ("noise.xlsx", lambda p: p.write_bytes(bytes(range(256)) * 4),
               "{path} is not an Excel workbook: give the path of an .xlsx file saved by Excel or LibreOffice."),
    "encrypted": ("locked.xlsx", encrypted,
                  "{path} is a password-protected workbook: save an unprotected copy and use that."),
    "truncated": ("cut.xlsx", truncated, "{path} " + DAMAGED),
    "corrupt": ("corrupt.xlsx", corrupt, "{path} " + DAMAGED),
    "not-a-workbook": ("archive.xlsx", plain_zip({"notes.txt": b"not a workbook"}),
                       "{path} is a zip archive but not an Excel workbook: give the path of an .xlsx file."),
    "docx": ("letter.xlsx", plain_zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>"}),
             "{path} is a Word document, not an Excel workbook: give the path of an .xlsx file."),
    "xlsb": ("binary.xlsx", plain_zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.bin": b"\0"}),
             "{path} is an Excel binary workbook (.xlsb): save it as Excel Workbook (.xlsx) and use that."),
    "missing-sheet": ("short.xlsx", without("Signals"),
                      (f"{{path}} has no Signals sheet (sheets found: {SHEETS_FOUND}): use a workbook made by "
                      "'report init'.")),
    "missing-sheets": ("shorter.xlsx", without("Signals", "Sources"),
                       ("{path} has no Signals and Sources sheets (sheets found: README, Settings, Labs, Events, "
                       "Milestones): use a workbook made by 'report init'.")),
    "entity-bomb": ("laughs.xlsx", with_doctype("xl/workbook.xml"), "{path} " + ENTITIES),
    "entity-bomb-padded": ("padded.xlsx", with_doctype("xl/workbook.xml", padding=200_000), "{path} " + ENTITIES),
    "zip-bomb": ("bomb.xlsx", zip_bomb(600, level=1), "{path} " + BOMB),
    "zip-bomb-ratio": ("dense.xlsx", zip_bomb(20, level=9), "{path} " + BOMB),
}


def make(tmp_path: Path, case: str) -> tuple[Path, str]:
    name, builder, sentence = CASES[case]
    path = tmp_path / name
    if builder is not None:
        builder(path)
    return path, sentence.format(path=path)


# -- the cases ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_unusable_file_exits_2_with_one_sentence(tmp_path: Path, case: str) -> None:
    path, sentence = make(tmp_path, case)
    done = CliRunner().invoke(cli, ["check", str(path)])
    assert done.exit_code == 2, done.output
    assert done.stderr.splitlines() == [f"Error: {sentence}"]
    assert done.stdout == ""
    with pytest.raises(UnreadableWorkbook) as raised:
        check_file(path)
    assert str(raised.value) == sentence


@pytest.mark.parametrize("case", ["missing", "encrypted", "corrupt", "entity-bomb", "missing-sheet"])
def test_in_a_real_process_no_traceback(tmp_path: Path, case: str) -> None:
    path, sentence = make(tmp_path, case)
    done = run_cli("check", str(path))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == f"Error: {sentence}"
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("case", ["encrypted", "truncated"])
def test_debug_shows_the_traceback(tmp_path: Path, case: str) -> None:
    path, sentence = make(tmp_path, case)
    done = run_cli("--debug", "check", str(path))
    assert done.returncode == 2
    assert "Traceback (most recent call last)" in done.stderr
    assert "UnreadableWorkbook" in done.stderr
    assert done.stderr.splitlines()[-1] == f"Error: {sentence}"


def test_json_output_still_exits_2_with_the_sentence(tmp_path: Path) -> None:
    path, sentence = make(tmp_path, "encrypted")
    done = CliRunner().invoke(cli, ["check", "--json", str(path)])
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [f"Error: {sentence}"]
    assert done.stdout == ""


def test_entity_declarations_are_refused_by_the_parser_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the up-front scan miss a DTD, defusedxml inside openpyxl still refuses it, with the same sentence."""
    path, sentence = make(tmp_path, "entity-bomb")
    monkeypatch.setattr(files, "_declares_dtd", lambda *args: False)
    with pytest.raises(UnreadableWorkbook) as raised:
        check_file(path)
    assert str(raised.value) == sentence


def test_zip_bomb_is_small_on_disk_and_refused_before_inflating(tmp_path: Path) -> None:
    path, _ = make(tmp_path, "zip-bomb")
    assert path.stat().st_size < 10 * 1024 * 1024
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == 600 * 1024 * 1024


# -- the input is only ever read ------------------------------------------------------------------------------


def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file in the folder: content hash, modification time and mode."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, p.stat().st_mode)
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("source", [SAMPLE, FILES / "errors.xlsx", FILES / "formulas.xlsx", FILES / "macros.xlsm"])
def test_check_never_writes_the_workbook(tmp_path: Path, source: Path) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    path = folder / source.name
    path.write_bytes(source.read_bytes())
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = fingerprint(folder)
    for args in (["check", str(path)], ["check", "--json", str(path)]):
        done = CliRunner().invoke(cli, args)
        assert done.exit_code in (0, 1), done.output
    assert fingerprint(folder) == before  # same bytes, same mtime, no lock or temporary files beside it


def test_an_unusable_file_is_not_written_either(tmp_path: Path) -> None:
    path, _ = make(tmp_path, "encrypted")
    before = fingerprint(tmp_path)
    assert CliRunner().invoke(cli, ["check", str(path)]).exit_code == 2
    assert fingerprint(tmp_path) == before


def test_a_read_only_workbook_can_be_checked(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    path.chmod(0o444)
    try:
        done = CliRunner().invoke(cli, ["check", str(path)])
    finally:
        path.chmod(0o644)
    assert done.exit_code == 0, done.output
