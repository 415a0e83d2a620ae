"""Speed and memory, measured side by side in one run, against the libraries' own floor.

    .venv/bin/pip install -e '.[bench]'        # pandas, for the pandas pipeline
    .venv/bin/python scripts/bench.py           # 10k, 30k and 100k signal rows (heavy: tens of minutes)
    .venv/bin/python scripts/bench.py --quick   # 2k, 5k and 10k rows, once each

For each size it writes a workbook (the sample grown: signals, events = signals/2, milestones = signals/10,
sources = signals/20, labs = signals/25, and 10,000 formatted empty rows under the signals), then runs
every stage below in a fresh process, round-robin (one run of each stage, then the next round), and
keeps the median wall time of --repeat runs and the largest peak memory (the child's ru_maxrss):

- calamine: python-calamine reading every sheet (the reader's own floor);
- floor: calamine read + XlsxWriter constant_memory write + a Jinja2 table of the same rows;
- pandas: read_excel (calamine engine) + Styler.to_excel + Styler.to_html of every sheet;
- report check, report build (all formats) and report build --format X for each format.

Then the sample workbook: `report build` against `python -c "import openpyxl, xlsxwriter, jinja2"`.
Times are whole processes (start-up and imports included). No test asserts a wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import sample, schema
from report.new_workbook import SAFE, _settings, _styles, _table

PY = sys.executable

CALAMINE = """
import sys, python_calamine
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
cells = sum(len(row) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python())
"""

FLOOR = """
import sys, python_calamine, xlsxwriter, jinja2
book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])
sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
out = xlsxwriter.Workbook(sys.argv[2] + "/floor.xlsx", {"constant_memory": True})
for name, rows in sheets.items():
    ws = out.add_worksheet(name)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(r, c, value)
out.close()
template = jinja2.Environment(autoescape=True).from_string(
    "<html><body>{% for name, rows in sheets.items() %}<h2>{{ name }}</h2><table>"
    "{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>{% endfor %}"
    "</table>{% endfor %}</body></html>")
with open(sys.argv[2] + "/floor.html", "w", encoding="utf-8") as f:
    f.write(template.render(sheets=sheets))
"""

PANDAS = """
import sys, pandas as pd
frames = pd.read_excel(sys.argv[1], sheet_name=None, engine="calamine")
with pd.ExcelWriter(sys.argv[2] + "/pandas.xlsx", engine="xlsxwriter") as writer:
    for name, frame in frames.items():
        frame.style.to_excel(writer, sheet_name=name)
with open(sys.argv[2] + "/pandas.html", "w", encoding="utf-8") as f:
    for name, frame in frames.items():
        f.write(frame.style.to_html())
"""

IMPORTS = "import openpyxl, xlsxwriter, jinja2"


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


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MB of one fresh process (its own ru_maxrss, from wait4)."""
    with tempfile.TemporaryDirectory() as folder:
        argv = [folder if a == "{out}" else a for a in argv]
        # The child's findings go to a file, not a pipe: a pipe nobody reads fills at 64 KB and the child
        # then waits for ever (10,000 stale-signal warnings are 1.6 MB).
        with tempfile.TemporaryFile() as errors:
            start = time.perf_counter()
            child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - start
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode not in (0, 1):
                errors.seek(0)
                tail = errors.read().decode(errors="replace")[-2000:]
                raise SystemExit(f"benchmark step failed: {' '.join(argv)}\n{tail}")
    return seconds, usage.ru_maxrss / 1024


def measure(stages: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """Round-robin: each round runs every stage once, so load on the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in stages}
    peaks: dict[str, float] = dict.fromkeys(stages, 0.0)
    for _ in range(repeat):
        for name, argv in stages.items():
            seconds, peak = run_once(argv)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    return {name: (statistics.median(times[name]), peaks[name]) for name in stages}


def table(title: str, figures: dict[str, tuple[float, float]], base: str, floor: str | None) -> str:
    base_name = "calamine" if "calamine" in base else "imports"
    head = f"| {title} | seconds | × {base_name} |" + (" × floor |" if floor else "") + \
        " peak MB |"
    lines = [head, "|---|---:|---:|" + ("---:|" if floor else "") + "---:|"]
    for name, (seconds, peak) in figures.items():
        row = f"| {name} | {seconds:.2f} | {seconds / figures[base][0]:.2f} |"
        if floor:
            row += f" {seconds / figures[floor][0]:.2f} |"
        lines.append(row + f" {peak:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[10_000, 30_000, 100_000],
                        help="signal rows, comma-separated (default 10000,30000,100000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2k, 5k and 10k rows, one run each")
    parser.add_argument("--no-pandas", action="store_true", help="leave the pandas pipeline out")
    parser.add_argument("--no-formats", action="store_true", help="leave out the one-format builds")
    parser.add_argument("--no-sample", action="store_true", help="leave out the sample build")
    parser.add_argument("--check-only", action="store_true", help="only python-calamine and report check")
    parser.add_argument("--write", nargs=2, metavar=("SIGNALS", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each table as soon as it is measured
    if options.write:
        Path(options.write[1]).write_bytes(big_workbook(int(options.write[0])))
        return
    if options.quick:
        options.sizes, options.repeat = [2_000, 5_000, 10_000], 1
    edition = "2026-11-30"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, median of {options.repeat}, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    with tempfile.TemporaryDirectory() as folder:
        for size in options.sizes:
            path = Path(folder) / f"signals-{size}.xlsx"
            # Written by a child process: a child's peak memory starts from its parent's size at fork, so
            # this process stays small.
            subprocess.run([PY, __file__, "--write", str(size), str(path)], check=True)
            report = [PY, "-m", "report"]
            stages = {
                "python-calamine, every sheet": [PY, "-c", CALAMINE, str(path)],
                "floor: calamine + XlsxWriter + Jinja2": [PY, "-c", FLOOR, str(path), "{out}"],
            }
            if not options.no_pandas:
                stages["pandas: read_excel + Styler"] = [PY, "-c", PANDAS, str(path), "{out}"]
            stages["report check"] = [*report, "check", str(path)]
            stages["report build (all formats)"] = [*report, "build", str(path), "-o", "{out}", "--edition", edition]
            for fmt in () if options.no_formats else ("xlsx", "html", "eml"):
                stages[f"report build --format {fmt}"] = [*report, "build", str(path), "-o", "{out}", "--edition",
                                                          edition, "--format", fmt]
            if options.check_only:
                stages = {name: argv for name, argv in stages.items()
                          if name in ("python-calamine, every sheet", "report check")}
            figures = measure(stages, options.repeat)
            print(f"{size:,} signal rows ({path.stat().st_size / 1e6:.1f} MB workbook)\n")
            check = figures["report check"][0] / figures["python-calamine, every sheet"][0]
            if options.check_only:
                print(table(f"{size:,} rows", figures, "python-calamine, every sheet", None))
                print(f"\ncheck = {check:.1f}× calamine (goal ≤ 3)\n", flush=True)
                continue
            print(table(f"{size:,} rows", figures, "python-calamine, every sheet", "floor: calamine + XlsxWriter + Jinja2"))
            build = figures["report build (all formats)"][0] / figures["floor: calamine + XlsxWriter + Jinja2"][0]
            line = f"\ncheck = {check:.1f}× calamine (goal ≤ 3); build = {build:.1f}× floor (goal ≤ 1.5)"
            if "pandas: read_excel + Styler" in figures:
                line += (f"; pandas / build = {figures['pandas: read_excel + Styler'][0] / figures['report build (all formats)'][0]:.2f}"
                         " (goal ≥ 2)")
            print(line + f"; build peak {figures['report build (all formats)'][1]:.0f} MB (goal ≤ 400)\n", flush=True)
        if options.no_sample:
            return
        sample_path = ROOT / "workbooks" / "bifurcation-tracker.xlsx"
        figures = measure({"python -c 'import openpyxl, xlsxwriter, jinja2'": [PY, "-c", IMPORTS],
                           "report build, the sample (all formats)": [PY, "-m", "report", "build", str(sample_path),
                                                                      "-o", "{out}", "--edition", "2026-06-01"]},
                          max(options.repeat, 3))
        print(table("the sample", figures, "python -c 'import openpyxl, xlsxwriter, jinja2'", None))
        ratio = figures["report build, the sample (all formats)"][0] / \
            figures["python -c 'import openpyxl, xlsxwriter, jinja2'"][0]
        print(f"\nsample build = {ratio:.1f}× the imports (goal ≤ 2.5)")


if __name__ == "__main__":
    main()
