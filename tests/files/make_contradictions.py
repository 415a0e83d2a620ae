"""Build tests/files/contradiction-*.xlsx: the sample with cells that are each fine but disagree (issue 23).

    .venv/bin/python tests/files/make_contradictions.py [NAME ...]

Each file starts from the sample (`report init --sample`), is edited the way an editor would (openpyxl), and
is opened and saved by headless LibreOffice (make_files.py's helpers). tests/test_contradictions.py asserts
the finding each file gives: its code, cell and sentence.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_files import SEED, cell, sample_book, through_libreoffice

# The sample's rows: Labs 2 Alibaba, 3 DeepSeek, 4 Moonshot Kimi, 5 Ant Group, 6 Zhipu; Events 2-3; Signals 2-6.
LAB_ROW = {"Alibaba": 2, "DeepSeek": 3, "Moonshot Kimi": 4, "Ant Group": 5, "Zhipu": 6}


def add(book: openpyxl.Workbook, sheet: str, values: dict[str, object]) -> None:
    ws = book[sheet]
    row = ws.max_row + 1
    for column, value in values.items():
        cell(ws, column, row).value = value


def lab(book: openpyxl.Workbook, name: str, **values: object) -> None:
    for column, value in values.items():
        cell(book["Labs"], column.replace("_", " ").capitalize(), LAB_ROW[name]).value = value


def event(book: openpyxl.Workbook, day: dt.date, name: str, kind: str, headline: str) -> None:
    add(book, "Events", {"Date": dt.datetime.combine(day, dt.time()), "Lab": name, "Kind": kind,
                         "Headline": headline, "Source": SEED})


def status_since(book: openpyxl.Workbook) -> None:
    # Moonshot Kimi closed on 12 May (its event), but its row says since 22 May.
    event(book, dt.date(2026, 5, 12), "Moonshot Kimi", "Closed flagship", "Moonshot Kimi closes its flagship")
    lab(book, "Moonshot Kimi", flagship_weights="Closed", status_since=dt.datetime(2026, 5, 22))


def weights_vs_event(book: openpyxl.Workbook) -> None:
    # DeepSeek's closing is on the Events sheet; its row still says Open.
    event(book, dt.date(2026, 5, 20), "DeepSeek", "Closed flagship", "DeepSeek closes its flagship")


def pivot_open(book: openpyxl.Workbook) -> None:
    # Alibaba's row edited to Open, with no Reopened flagship event.
    lab(book, "Alibaba", flagship_weights="Open")


def pivot_closed(book: openpyxl.Workbook) -> None:
    # Alibaba reopened on 25 May (its event); its row still says Closed since the pivot.
    event(book, dt.date(2026, 5, 25), "Alibaba", "Reopened flagship", "Alibaba reopens the Max-Preview weights")


def duplicate_signal(book: openpyxl.Workbook) -> None:
    # Row 2's signal again, typed with other case, a double space and a full stop.
    add(book, "Signals", {"Quarter": "2026-Q2", "Signal": "Chinese-cloud customer  traction on Max-Preview "
                          "reportedly strong.", "Lab": "Alibaba", "Points to": "Pays", "Strength": 2,
                          "Confidence": "Reported", "Observed": dt.datetime(2026, 5, 28), "Source": SEED})


def both_ways(book: openpyxl.Workbook) -> None:
    # Row 4's signal (Reverts) entered again as Pays.
    add(book, "Signals", {"Quarter": "2026-Q2", "Signal": "Apache-2.0 is winning the permissive-licence race",
                          "Points to": "Pays", "Strength": 1, "Confidence": "Reported",
                          "Observed": dt.datetime(2026, 5, 28), "Source": SEED})


def unwatched(book: openpyxl.Workbook) -> None:
    # Zhipu is not watched, and closes its flagship after the pivot.
    event(book, dt.date(2026, 5, 28), "Zhipu", "Closed flagship", "Zhipu closes its flagship")
    lab(book, "Zhipu", watch="No", flagship_weights="Closed", status_since=dt.datetime(2026, 5, 28))


def nothing_to_score(book: openpyxl.Workbook) -> None:
    # Every signal deleted: nothing counts towards the score.
    book["Signals"].delete_rows(2, 5)


FILES: dict[str, Callable[[openpyxl.Workbook], None]] = {
    "contradiction-status-since.xlsx": status_since,
    "contradiction-weights-vs-event.xlsx": weights_vs_event,
    "contradiction-pivot-open.xlsx": pivot_open,
    "contradiction-pivot-closed.xlsx": pivot_closed,
    "contradiction-duplicate-signal.xlsx": duplicate_signal,
    "contradiction-both-ways.xlsx": both_ways,
    "contradiction-unwatched.xlsx": unwatched,
    "contradiction-nothing-to-score.xlsx": nothing_to_score,
}


def main(names: list[str]) -> None:
    chosen = names or list(FILES)
    with tempfile.TemporaryDirectory(prefix="make-contradictions-") as tmp:
        for name in chosen:
            book = sample_book()
            FILES[name](book)
            data = through_libreoffice(book, name, Path(tmp) / Path(name).stem)
            (HERE / name).write_bytes(data)
            print(f"wrote tests/files/{name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
