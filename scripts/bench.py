"""Speed and memory, measured side by side in one run, with ratios.

    .venv/bin/python scripts/bench.py [--signals 5000] [--repeat 3]

It writes a large workbook (the sample plus thousands of labs, events, signals and milestones, and
10,000 formatted empty rows), then times each stage in a fresh subprocess and reads its peak memory:

- the floor: openpyxl's own read-only pass over every cell (what any reader must pay);
- report check (our reader and checker);
- report build, one format at a time, then all three.

The ratios say what each stage costs over the floor. Machines here are noisy: the median of
--repeat runs is shown; no test asserts a wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import sample, schema
from report.new_workbook import SAFE, _settings, _styles, _table

PROBE = r"""
import json, resource, sys, time
start = time.perf_counter()
{body}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

FLOOR = """
from openpyxl import load_workbook
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
cells = sum(1 for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)
"""

CHECK = """
from report.checks import check_file
result = check_file(sys.argv[1])
assert result.tracker is not None, [f.line() for f in result.errors][:5]
"""

BUILD = """
import datetime as dt
from pathlib import Path
from report.build import build
build(Path(sys.argv[1]), Path(sys.argv[2]), dt.date(2026, 11, 30), tuple(sys.argv[3].split(",")))
"""


def big_workbook(signals: int) -> bytes:
    """The sample, grown: labs x signals/25, events x signals/2, milestones x signals/10, sources x signals/20."""
    rows = {name: list(records) for name, records in sample.ROWS.items()}
    labs = [f"Lab {i:04d}" for i in range(max(signals // 25, 1))]
    rows["Labs"] += [{"Lab": name, "Country": "China", "Flagship weights": "Open", "Watch": "Yes",
                      "Status since": dt.date(2026, 1, 1), "Source": sample.SEED} for name in labs]
    rows["Sources"] += [{"Source": f"Source {i}", "Publisher": "Desk", "URL": f"https://example.com/{i}",
                         "Published": dt.date(2026, 5, 1)} for i in range(max(signals // 20, 1))]
    points = ("Pays", "Reverts", "Neutral")
    rows["Signals"] += [{"Quarter": f"2026-Q{2 + i % 3}", "Signal": f"Signal number {i} about the pivot",
                         "Lab": labs[i % len(labs)], "Value": i * 1.5, "Unit": "%", "Points to": points[i % 3],
                         "Strength": 1 + i % 3, "Confidence": "Reported", "Observed": dt.date(2026, 6, 1),
                         "Source": f"Source {i % max(signals // 20, 1)}"} for i in range(signals)]
    rows["Events"] += [{"Date": dt.date(2026, 5, 1) + dt.timedelta(days=i % 180), "Lab": labs[i % len(labs)],
                        "Kind": "Disclosure", "Headline": f"Event {i}", "Source": sample.SEED}
                       for i in range(signals // 2)]
    rows["Milestones"] += [{"Due": dt.date(2027, 1, 1) + dt.timedelta(days=i), "Milestone": f"Milestone {i}",
                            "Status": "Upcoming"} for i in range(signals // 10)]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **SAFE})
    styles = _styles(book)
    _settings(book, styles, sample.SETTINGS)
    for spec in schema.TABLES:
        _table(book, styles, spec, rows[spec.name])
    # Editors' sheets often carry thousands of formatted, empty rows below the data.
    ws = book.get_worksheet_by_name("Signals")
    assert ws is not None
    filler = book.add_format({"bg_color": "#FFFFEE"})
    for r in range(len(rows["Signals"]) + 1, len(rows["Signals"]) + 10_001):
        ws.set_row(r, None, filler)
        ws.write_blank(r, 0, None, filler)
    book.close()
    return buffer.getvalue()


def measure(body: str, *args: str, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE.format(body=body), *args], capture_output=True,
                             text=True, cwd=ROOT, check=False)
        if out.returncode != 0:
            raise SystemExit(f"benchmark step failed:\n{out.stderr[-2000:]}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signals", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.xlsx"
        path.write_bytes(big_workbook(options.signals))
        print(f"workbook: {path.stat().st_size / 1024:.0f} KB, {options.signals} signals, "
              f"{options.signals // 2} events, {options.signals // 25} labs, 10,000 formatted empty rows")
        stages = {"floor: openpyxl read-only pass": measure(FLOOR, str(path), repeat=options.repeat),
                  "report check": measure(CHECK, str(path), repeat=options.repeat)}
        for formats in ("html", "xlsx", "eml", "xlsx,html,eml"):
            out = Path(folder) / f"out-{formats.replace(',', '-')}"
            stages[f"report build --format {formats}"] = measure(BUILD, str(path), str(out), formats,
                                                                  repeat=options.repeat)
        floor = stages["floor: openpyxl read-only pass"]
        print(f"{'stage':<40} {'seconds':>8} {'× floor':>8} {'peak MB':>8} {'× floor':>8}")
        for name, figures in stages.items():
            print(f"{name:<40} {figures['seconds']:>8.2f} {figures['seconds'] / floor['seconds']:>8.2f} "
                  f"{figures['peak_mb']:>8.0f} {figures['peak_mb'] / floor['peak_mb']:>8.2f}")
        sizes = {p.name: p.stat().st_size for p in (Path(folder) / "out-xlsx-html-eml").glob("briefing-*")}
        print("outputs: " + ", ".join(f"{name} {size / 1024:.0f} KB" for name, size in sorted(sizes.items())))


if __name__ == "__main__":
    main()
