"""Names compare one way everywhere: a source or lab written with other spaces, case or Unicode form is the
same source or lab, in the checker and in every output."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import unicodedata
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLE, append_row, edit_workbook, set_cell

from report.build import build

SEED = "Seed report, 2026-05-27"
TODAY = dt.date(2026, 6, 1)


def _section(page: str, name: str) -> str:
    """The words of one section of the page, tags and runs of spaces dropped."""
    start = page.index(f'id="{name}"')
    end = page.index("</section>", start)
    return " ".join(re.sub(r"<[^>]+>", " ", page[start:end]).split())


def _sources_sheet(path: Path) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple(" ".join(str(v).split()) if isinstance(v, str) else v for v in row)
            for row in book["Sources"].iter_rows(values_only=True)]
    book.close()
    return rows


def _email_sources(path: Path) -> str:
    """The email's plain-text Sources section, from its heading to the signature, each line's runs of spaces as one
    (the source keeps the Sources sheet's spelling)."""
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    start = text.index("SOURCES\n")
    return "\n".join(" ".join(line.split()) for line in text[start:text.index("\n--\n", start)].splitlines())


Built = tuple[str, list[tuple[object, ...]], str]


def _built(workbook: Path, out: Path) -> Built:
    """A source's citations as each output shows them: the page's section, the xlsx's sheet, the email's text."""
    result = build(workbook, out, today=TODAY)
    html = next(p for p in result.paths if p.suffix == ".html").read_text(encoding="utf-8")
    xlsx = next(p for p in result.paths if p.suffix == ".xlsx")
    eml = next(p for p in result.paths if p.suffix == ".eml")
    return _section(html, "sources"), _sources_sheet(xlsx), _email_sources(eml)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("clean")
    workbook = folder / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    return _built(workbook, folder / "out")


def test_the_clean_sample_cites_the_seed_twelve_times(clean: Built) -> None:
    page, sheet, email = clean
    assert f"{SEED} Alibaba / Qwen / industry reporting 27 May 2026 12 rows" in page
    assert next(row for row in sheet if row and row[0] == SEED)[3] == 12  # Cited by
    assert email.split("\n")[2:4] == [f"{SEED}, Alibaba / Qwen / industry reporting, 27 May 2026",
                                       "(cited by 12 rows)"]


@pytest.mark.parametrize("variant", ["extra space on the Sources sheet", "references in another case"])
def test_a_source_spelled_another_way_is_cited_as_often(variant: str, tmp_path: Path,
                                                       clean: Built) -> None:
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)

    def change(book: openpyxl.Workbook) -> None:
        if variant == "extra space on the Sources sheet":
            set_cell(book, "Sources", "Source", SEED, "Source", "Seed report,  2026-05-27 ")
        else:
            for sheet in ("Labs", "Events", "Signals"):
                ws = book[sheet]
                for row in ws.iter_rows():
                    for cell in row:
                        if cell.value == SEED:
                            cell.value = SEED.upper()

    edit_workbook(workbook, change)
    page, sheet, email = _built(workbook, tmp_path / "out")
    assert page == clean[0]
    assert sheet == clean[1]
    assert email == clean[2]


def test_a_lab_in_another_unicode_form_is_one_lab(tmp_path: Path) -> None:
    composed = unicodedata.normalize("NFC", "Zhipu Ré")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)

    def change(book: openpyxl.Workbook) -> None:
        set_cell(book, "Labs", "Lab", "Zhipu", "Lab", composed)
        append_row(book, "Events", {"Date": dt.datetime(2026, 5, 20), "Lab": decomposed, "Kind": "Closed flagship",
                                    "Headline": "Zhipu closes its flagship", "Source": SEED})
        set_cell(book, "Labs", "Lab", composed, "Flagship weights", "Closed")
        set_cell(book, "Labs", "Lab", composed, "Status since", dt.datetime(2026, 5, 20))

    edit_workbook(workbook, change)
    result = build(workbook, tmp_path / "out", today=TODAY)
    assert result.briefing.verdict.followers == (composed,)
    page = next(p for p in result.paths if p.suffix == ".html").read_text(encoding="utf-8")
    assert decomposed not in page
    assert "1 of 4 watched labs" in _section(page, "verdict")
