"""Linear on hostile sizes (issue 20 §4): the envelope, preflight and upgrade grow with their input, not with its
square. Each test measures the same work at two sizes ten times apart and compares the times: linear work
grows about tenfold, quadratic work a hundredfold. Wall time itself is never asserted."""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from conftest import EDITION, SAMPLE

from report import preflight
from report.build import build
from report.send import Request, run
from report.upgrade import upgrade

LINEAR = 30  # the largest growth accepted for ten times the input: linear is about 10, quadratic about 100


def seconds(work: Callable[[], object], repeat: int = 3) -> float:
    """The quickest of `repeat` runs: the least disturbed by whatever else the machine is doing."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()  # the collector's passes grow with everything alive, not with the work measured
        try:
            start = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def growth(work: Callable[[int], object], small: int, large: int) -> float:
    """How many times longer `work` takes at `large` than at `small`."""
    work(small)  # warm up: imports, caches
    return seconds(lambda: work(large)) / seconds(lambda: work(small))


@pytest.fixture(scope="module")
def eml_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    build(SAMPLE, out, EDITION, ("eml",))
    return out / f"briefing-{EDITION.isoformat()}.eml"


def test_the_envelope_is_linear_in_bcc(eml_file: Path) -> None:
    def dry_run(count: int) -> None:
        bcc = tuple(f"reader{n}@example.com" for n in range(count))
        lines = run(Request(eml_file, bcc=bcc, dry_run=True, server="127.0.0.1:9")).lines
        assert f"to {count + 2} addresses" in "\n".join(lines)

    ratio = growth(dry_run, 1_000, 10_000)
    print(f"10,000 Bcc vs 1,000: {ratio:.1f} times as long")
    assert ratio < LINEAR


def nested(depth: int) -> EmailMessage:
    return html_message('<div style="color:#333">text' * depth + "</div>" * depth)


def test_preflight_is_linear_in_nesting() -> None:
    messages = {depth: nested(depth) for depth in (3_000, 30_000)}
    ratio = growth(lambda depth: preflight.check(messages[depth]), 3_000, 30_000)
    print(f"30,000 nested elements vs 3,000: {ratio:.1f} times as long")
    assert ratio < LINEAR


def wide(folder: Path, columns: int, rows: int = 30) -> Path:
    """The sample with `columns` unknown columns on Events, filled on `rows` rows."""
    path = folder / f"wide-{columns}.xlsx"
    shutil.copyfile(SAMPLE, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Events"]
    first = sheet.max_column + 1
    for offset in range(columns):
        sheet.cell(row=1, column=first + offset, value=f"Extra {offset}")
        for row in range(2, rows + 2):
            sheet.cell(row=row, column=first + offset, value=f"v{row}.{offset}")
    book.save(path)
    return path


def test_upgrade_is_linear_in_unknown_columns(tmp_path: Path) -> None:
    sources = {count: wide(tmp_path, count) for count in (100, 1_000)}

    def run_upgrade(count: int) -> None:
        done = upgrade(sources[count], tmp_path / f"new-{count}.xlsx", force=True)
        assert sum(1 for item in done.not_placed if item.startswith("the column 'Extra ")) == count

    ratio = growth(run_upgrade, 100, 1_000)
    print(f"1,000 unknown columns vs 100: {ratio:.1f} times as long")
    assert ratio < LINEAR


def html_message(html: str) -> EmailMessage:
    made = EmailMessage(policy=policy.SMTP)
    made["From"] = "briefing@example.com"
    made["To"] = "desk@example.com"
    made["Subject"] = "Hostile"
    made.set_content("Hello")
    made.add_alternative(html, subtype="html")
    return made


@pytest.mark.parametrize("piece", ["<a ", "<!--<b>", '<div a="<b>', "<"])
def test_preflight_is_linear_in_brackets_that_open_no_tag(piece: str) -> None:
    # Python's HTMLParser rescans the rest of the page from each '<' that opens no tag: quadratic or worse.
    # (Before: '<a ' x 8,000 took 31 s.)
    messages = {count: html_message("<p>Hi</p>" + piece * count) for count in (10_000, 100_000)}
    ratio = growth(lambda count: preflight.check(messages[count]), 10_000, 100_000)
    print(f"{piece!r} x 100,000 vs x 10,000: {ratio:.1f} times as long")
    assert ratio < LINEAR


def test_a_bracket_that_opens_no_tag_hides_nothing_and_hides_no_tag() -> None:
    html = ('<p>3 < 4 and <b>bold</b> <span style="font-size:1px">tiny</span> <a href="http://x">x</a> 5 <'
            '<!--[if mso]><table><![endif]-->')
    assert [(p.code, p.hurts) for p in preflight.check(html_message(html))] == [("hidden-text", True),
                                                                             ("link-not-https", False)]
