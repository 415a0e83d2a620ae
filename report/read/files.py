"""The file before it is parsed: is it there, a regular file, small enough, an xlsx package and not
another format, free of zip bombs and XML entity declarations? Each "no" is one sentence
(UnreadableWorkbook) before any memory is spent.

The file is opened read-only and read once into memory; it is never written.
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import python_calamine
from defusedxml import DefusedXmlException

from ..errors import UnreadableWorkbook

# A real desk workbook is well under a megabyte; these caps stop a zip bomb long before memory does.
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # compressed XML of blank styled rows reaches ~100:1; bombs reach 1000:1

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
# Workbooks never declare a DTD; one in any part is an entity bomb or an external-entity attack.
DTD_MARKS = tuple(mark.encode(codec) for mark in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le",
                                                                                          "utf-16-be"))
SCAN_CHUNK = 1024 * 1024  # a zip member is inflated this much at a time

DAMAGED = "is damaged (a truncated or corrupt file): save the workbook again, or use a backup."
ENTITIES = ("contains XML entity declarations, which workbooks never need (it may be an attack): it was not "
            "opened.")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, after the checks that need no parsing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnreadableWorkbook(f"There is no file at {path}: check the path and try again.") from None
    except OSError as error:
        raise UnreadableWorkbook(f"{path} cannot be read ({error.strerror}): check its permissions.") from error
    if stat.S_ISDIR(info.st_mode):
        raise UnreadableWorkbook(f"{path} is a folder, not a workbook: give the path of an .xlsx file.")
    # A pipe would block and a device never end: neither is opened.
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableWorkbook(_NOT_REGULAR.format(path=path))
    size = info.st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableWorkbook(
            f"{path} is {size // (1024 * 1024)} MB, too large for a desk workbook: remove what is not needed "
            "and save it again."
        )
    try:
        with path.open("rb") as handle:  # read-only: the input is never written
            # Read one byte past the cap: files under /proc say 0 bytes and are not.
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise UnreadableWorkbook(f"{path} cannot be read ({error.strerror}): check its permissions.") from error
    if size == 0 and data:
        raise UnreadableWorkbook(_NOT_REGULAR.format(path=path))
    if not data:
        raise UnreadableWorkbook(f"{path} is an empty file (0 bytes): save the workbook again from Excel or LibreOffice.")
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableWorkbook(f"{path} is too large for a desk workbook: remove what is not needed and save it "
                                 "again.")
    return data


_NOT_REGULAR = ("{path} is not a regular file (it is a device, a pipe or a system file): give the path of an .xlsx "
                "file.")


def sniff(path: Path, data: bytes) -> bool:
    """Raise UnreadableWorkbook unless `data` looks like an xlsx package; True if it holds macros."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_MARK in data:
            raise UnreadableWorkbook(
                f"{path} is a password-protected workbook: save an unprotected copy and use that."
            )
        raise UnreadableWorkbook(
            f"{path} is an old Excel 97-2003 (.xls) file: open it in Excel or LibreOffice and save it as .xlsx."
        )
    if not data.startswith(ZIP_MAGIC):
        head = _text_head(data)
        if head is not None and (head.startswith(("<!doctype html", "<html", "<table", "<?xml")) or "<html" in head):
            what = "an HTML or XML page"
        elif head is not None and ("," in head or ";" in head or "\t" in head):
            what = "a text (CSV) file"
        else:
            raise UnreadableWorkbook(
                f"{path} is not an Excel workbook: give the path of an .xlsx file saved by Excel or LibreOffice."
            )
        named = " named like a workbook" if path.suffix.lower() in (".xlsx", ".xlsm") else ", not a workbook"
        raise UnreadableWorkbook(
            f"{path} is {what}{named}: open it in Excel or LibreOffice and save it as .xlsx."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnreadableWorkbook(f"{path} {DAMAGED}") from error
    with archive:
        if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
            raise UnreadableWorkbook(
                f"{path} is an OpenDocument spreadsheet (.ods): save it as Excel 2007-365 (.xlsx) and use that."
            )
        if "xl/workbook.bin" in names:
            raise UnreadableWorkbook(
                f"{path} is an Excel binary workbook (.xlsb): save it as Excel Workbook (.xlsx) and use that."
            )
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/workbook") for n in names):
            if any(n.startswith("word/") for n in names):
                what = "a Word document, not an Excel workbook"
            elif any(n.startswith("ppt/") for n in names):
                what = "a PowerPoint presentation, not an Excel workbook"
            else:
                what = "a zip archive but not an Excel workbook"
            raise UnreadableWorkbook(f"{path} is {what}: give the path of an .xlsx file.")
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if total > MAX_UNPACKED_BYTES or (info.file_size > 10 * 1024 * 1024 and ratio > MAX_RATIO):
                raise UnreadableWorkbook(
                    f"{path} unpacks to far more data than a workbook holds (a zip bomb?): it was not opened."
                )
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels", ".vml")) and _declares_dtd(path, archive, info):
                raise UnreadableWorkbook(f"{path} {ENTITIES}")
        content_types = archive.read("[Content_Types].xml")
    # Sizes were capped above; zipfile never inflates a member past its declared size.
    return b"macroEnabled" in content_types or "xl/vbaProject.bin" in names


def _text_head(data: bytes) -> str | None:
    """The start of the file, lower-cased, if it is text (UTF-8, Windows code page, or UTF-16 as Excel's
    "Unicode text"); None if it is binary."""
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    else:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            text = head.decode("latin-1")  # Excel's CSV on Windows is cp1252; only the ASCII matters here
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    return text.lstrip("\ufeff \t\r\n").lower()


def _declares_dtd(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True if the member declares a DTD anywhere (read in chunks: a DOCTYPE may follow long padding)."""
    overlap = max(len(mark) for mark in DTD_MARKS)
    tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(SCAN_CHUNK):
                window = tail + chunk
                if any(mark in window for mark in DTD_MARKS):
                    return True
                tail = window[-overlap:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
        raise UnreadableWorkbook(f"{path} {DAMAGED}") from error
    return False


@contextmanager
def unreadable(path: Path) -> Iterator[None]:
    """Turn what a damaged or hostile package raises into UnreadableWorkbook and a sentence."""
    try:
        yield
    except UnreadableWorkbook:
        raise
    except Exception as error:  # the readers raise many kinds, often wrapping the cause
        causes = _causes(error)
        if any(isinstance(cause, DefusedXmlException) for cause in causes):
            raise UnreadableWorkbook(f"{path} {ENTITIES}") from error
        if any(isinstance(cause, (zipfile.BadZipFile, zlib.error, EOFError, python_calamine.ZipError,
                                  python_calamine.XmlError)) for cause in causes):
            raise UnreadableWorkbook(f"{path} {DAMAGED}") from error
        raise UnreadableWorkbook(
            f"{path} could not be read as a workbook ({_plain_cause(error)}): open it in Excel or LibreOffice, "
            "save it again, and retry."
        ) from error


def _plain_cause(error: BaseException) -> str:
    """What went wrong, in words rather than a class name where we can."""
    if isinstance(error, (KeyError, StopIteration)):
        return "a part it lists is missing"
    return "its contents do not follow the Excel format"  # calamine's own errors included


def _causes(error: BaseException) -> list[BaseException]:
    """The error and everything it was raised from or during."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
