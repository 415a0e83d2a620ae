"""Big editions (issue 13): the page names the largest reasons and says how many more there are, the xlsx is
written row by row (constant_memory) and still holds every row with its height, and the history keeps its
snapshot compactly while still reading what older versions stored."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import zlib
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLE, edit_workbook, run_cli, set_cell, soffice_convert
from test_email_clients import grow

EDITION = "2026-06-01"
STEM = f"briefing-{EDITION}"
ADDED = 60
LONG = ("a long signal about closed weights that has to wrap inside its column " * 3).strip()
# The sample's signals that move the score on 2026-06-01: four of its five (one points to Neutral).
SAMPLE_MOVING = 4
SAMPLE_SIGNALS = 5


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with 60 more signals (and events, sources, milestones, labs), each carrying a long text, built."""
    folder = tmp_path_factory.mktemp("big")
    workbook = grow(SAMPLE, folder / "big.xlsx", ADDED, LONG)
    done = run_cli("build", str(workbook), "-o", str(folder / "out"), "--edition", EDITION)
    assert done.returncode == 0, done.stdout + done.stderr
    return folder / "out"


def test_the_page_names_ten_reasons_and_counts_the_rest(big: Path) -> None:
    page = (big / f"{STEM}.html").read_text(encoding="utf-8")
    assert page.count('<li class="reason">') == 10
    more = ADDED + SAMPLE_MOVING - 10
    # A page has no attachment: it names the workbook edition beside it.
    assert f"{more} more in the workbook edition, " in page


def test_the_email_text_counts_the_reasons_it_leaves_out(big: Path) -> None:
    message = BytesParser(policy=policy.default).parsebytes((big / f"{STEM}.eml").read_bytes())
    text = message.get_body(("plain",))
    assert text is not None
    why = str(text.get_content()).replace("\r\n", "\n").split("Why:", 1)[1].split("\nKEY FIGURES", 1)[0]
    shown = len(re.findall(r"^\s+[+\u2212]\d\.\d\d (pays|reverts)", why, flags=re.MULTILINE))
    assert 3 <= shown <= 10  # the email's budget decides how many of the page's ten it lists
    assert f"({ADDED + SAMPLE_MOVING - shown} more in the attached workbook.)" in why


def test_the_xlsx_holds_every_row_sized_and_says_where_the_other_reasons_are(big: Path) -> None:
    book = openpyxl.load_workbook(big / f"{STEM}.xlsx")
    briefing = [str(c.value) for row in book["Briefing"].iter_rows() for c in row if c.value]
    assert f"{ADDED + SAMPLE_MOVING - 10} more on the Signals sheet." in briefing
    ws = book["Signals"]
    header = [c.value for c in ws[3]]
    signal = header.index("Signal") + 1
    texts = [ws.cell(row=r, column=signal).value for r in range(4, ws.max_row + 1)]
    assert len(texts) == ADDED + SAMPLE_SIGNALS
    assert sum(1 for t in texts if str(t).endswith(LONG)) == ADDED
    # Written row by row, each long text's row was still given the height its wrapped lines need.
    long_rows = [r for r in range(4, ws.max_row + 1) if str(ws.cell(row=r, column=signal).value).endswith(LONG)]
    heights = {ws.row_dimensions[r].height for r in long_rows}
    assert None not in heights and min(heights) >= 3 * 12  # at least three lines of Arial 10


def test_libreoffice_reads_the_row_by_row_xlsx(big: Path, tmp_path: Path) -> None:
    copy = soffice_convert(big / f"{STEM}.xlsx", "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    theirs = openpyxl.load_workbook(copy)["Signals"]
    ours = openpyxl.load_workbook(big / f"{STEM}.xlsx")["Signals"]
    assert [[c.value for c in row] for row in theirs.iter_rows(min_row=3, max_col=ours.max_column)] == \
        [[c.value for c in row] for row in ours.iter_rows(min_row=3, max_col=ours.max_column)]


def _stored(history: Path, edition: str) -> object:
    with sqlite3.connect(history) as db:
        return db.execute("SELECT snapshot FROM editions WHERE edition = ?", (edition,)).fetchone()[0]


def test_the_history_keeps_a_compressed_compact_snapshot(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", str(sample_copy), "-o", str(out), "--edition", EDITION).returncode == 0
    stored = _stored(out / "history.sqlite", EDITION)
    assert isinstance(stored, bytes)
    snapshot = json.loads(zlib.decompress(stored))
    assert snapshot["format"] == 2
    labs = snapshot["sheets"]["Labs"]
    assert "lab" in labs["columns"] and all(isinstance(row, list) for row in labs["rows"])
    sheet = openpyxl.load_workbook(sample_copy)["Labs"]
    written = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert sorted(row[labs["columns"].index("lab")] for row in labs["rows"]) == sorted(written)


def test_a_history_an_older_version_wrote_still_shows_what_changed(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", str(sample_copy), "-o", str(out), "--edition", EDITION).returncode == 0
    # Rewrite the stored snapshot as the first format kept it: JSON text, a dict per row.
    history = out / "history.sqlite"
    compact = json.loads(zlib.decompress(_stored(history, EDITION)))  # type: ignore[arg-type]
    old = {**compact, "format": 1, "sheets": {name: [dict(zip(sheet["columns"], row, strict=True))
                                                     for row in sheet["rows"]]
                                              for name, sheet in compact["sheets"].items()}}
    with sqlite3.connect(history) as db:
        db.execute("UPDATE editions SET snapshot = ? WHERE edition = ?", (json.dumps(old), EDITION))
    edit_workbook(sample_copy, lambda book: set_cell(book, "Labs", "Lab", "DeepSeek", "Notes", "Watching V4 closely"))
    done = run_cli("build", str(sample_copy), "-o", str(out), "--edition", "2026-06-08", "--format", "html")
    assert done.returncode == 0, done.stderr
    page = (out / "briefing-2026-06-08.html").read_text(encoding="utf-8")
    changes = page.split('id="changes"', 1)[1].split("</section>", 1)[0]
    assert "Labs: DeepSeek" in changes and "Watching V4 closely" in changes
    assert "Signals:" not in changes  # nothing else is news: the old rows were read as they were
    shutil.rmtree(out)
