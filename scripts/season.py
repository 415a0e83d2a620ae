"""A season of weekly editions to test on: the sample story grown week by week for 30 weeks.

    python scripts/season.py OUTDIR            # OUTDIR/week-01.xlsx ... one workbook per edition
    python scripts/season.py OUTDIR --build    # and builds every edition in sequence into OUTDIR/out

The season starts from the sample (report/sample.py) on the first Monday after the pivot and adds, every
week, 10 to 15 signals with values and units, now and then a new lab (20 in all, some watched, some with long
names), events, sources with links and milestones. Moonshot Kimi, a watched lab, closes its flagship in week
13. Weeks 15 to 18 have no edition (a month's gap), so 26 editions are published out of 30 weeks.

Everything is drawn from a seeded random generator, so every run writes the same workbooks. `expected(week)`
gives each edition's score, followers and state worked out here with plain arithmetic from the records the
generator wrote, never with the project's analysis: tests hold the tool to these literal figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from report import sample
from report.new_workbook import workbook_bytes

FIRST_EDITION = dt.date(2026, 4, 27)  # the first Monday after the pivot (2026-04-20)
WEEKS = 30
GAP = range(15, 19)  # no edition in weeks 15 to 18: a month's gap
FOLLOWER = "Moonshot Kimi"
FOLLOWER_WEEK = 13
FOLLOWER_DAY = FIRST_EDITION + dt.timedelta(weeks=FOLLOWER_WEEK - 1, days=-4)  # the Thursday before week 13

# Twenty more labs, joining the board one at a time: (name, country, watched).
NEW_LABS: tuple[tuple[str, str, bool], ...] = (
    ("MiniMax", "China", True),
    ("StepFun", "China", True),
    ("Beijing Academy of Artificial Intelligence", "China", True),
    ("Tencent Hunyuan", "China", True),
    ("ByteDance Seed", "China", True),
    ("Baidu ERNIE", "China", True),
    ("Shanghai Artificial Intelligence Laboratory", "China", False),
    ("01.AI", "China", True),
    ("Baichuan Intelligent Technology", "China", False),
    ("iFlytek Spark", "China", False),
    ("SenseTime SenseNova", "China", True),
    ("Xiaomi MiMo", "China", True),
    ("Meituan LongCat", "China", False),
    ("Kuaishou Kwaipilot", "China", False),
    ("Huawei Pangu", "China", True),
    ("Mistral AI", "France", True),
    ("Meta Superintelligence Labs", "United States", True),
    ("Google DeepMind", "United Kingdom", False),
    ("Technology Innovation Institute", "United Arab Emirates", False),
    ("Allen Institute for AI", "United States", False),
)

# Signal templates: (text, points to, unit, low, high, decimals). {lab} is filled with a lab's name.
SIGNALS: tuple[tuple[str, str, str, float, float, int], ...] = (
    ("Max-Preview API throughput on Alibaba Cloud", "Pays", "tokens/s", 900, 1800, 2),
    ("Enterprise sign-ups for the closed Max-Preview tier", "Pays", "customers", 40, 400, 0),
    ("Alibaba Cloud AI revenue growth quarter on quarter", "Pays", "%", 5, 45, 1),
    ("Price premium of Max-Preview over open-weight peers", "Pays", "%", 10, 80, 1),
    ("Qwen 27B downloads on model hubs", "Reverts", "thousand", 200, 2500, 0),
    ("Apache-2.0 share of new open-weight releases", "Reverts", "%", 40, 85, 1),
    ("{lab} ships an open-weight flagship update", "Reverts", "B params", 30, 1100, 0),
    ("Procurement reviews citing open-weight licences", "Reverts", "%", 20, 70, 1),
    ("{lab} says closed weights are under review", "Pays", "", 0, 0, 0),
    ("Developer survey: preference for open weights at flagship scale", "Reverts", "%", 45, 90, 1),
    ("Closed-tier churn among Max-Preview pilots", "Reverts", "%", 2, 25, 1),
    ("Benchmark gap between Max-Preview and the best open model", "Neutral", "points", 0.5, 9, 1),
    ("{lab} fine-tunes on Qwen 27B for a product", "Neutral", "", 0, 0, 0),
)
CONFIDENCES = ("Confirmed", "Reported", "Reported", "Rumoured")
FACTOR = {"Confirmed": 1.0, "Reported": 0.6, "Rumoured": 0.3}
SIGN = {"Pays": 1, "Reverts": -1, "Neutral": 0}
PUBLISHERS = ("Caixin", "The Information", "SCMP Tech", "36Kr", "Reuters", "Hugging Face Blog", "SemiAnalysis")


@dataclass(frozen=True, slots=True)
class Week:
    """One week of the season: its number (1-30), its Monday, and whether an edition is published."""

    number: int
    edition: dt.date
    published: bool


@dataclass(frozen=True, slots=True)
class Expected:
    """An edition's verdict, worked out by the generator itself."""

    score: float
    pays: float
    reverts: float
    followers: tuple[str, ...]
    watched: int
    state: str
    signals: int  # signals counted (observed on or before the edition)


def weeks() -> list[Week]:
    """All 30 weeks, published or not."""
    return [Week(n, FIRST_EDITION + dt.timedelta(weeks=n - 1), n not in GAP) for n in range(1, WEEKS + 1)]


def editions() -> list[Week]:
    """The 26 weeks with an edition."""
    return [w for w in weeks() if w.published]


def week(number: int) -> Week:
    """Week `number` (1-30)."""
    return weeks()[number - 1]


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _season() -> tuple[list[dict[str, object]], list[dict[str, object]], list[dict[str, object]],
                       list[dict[str, object]], list[dict[str, object]]]:
    """Every record the season adds, each with a hidden '_from' date: the week's Monday it is first on the sheet."""
    rng = random.Random(2026)
    labs: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    signals: list[dict[str, object]] = []
    milestones: list[dict[str, object]] = []
    sources: list[dict[str, object]] = []
    known = [str(r["Lab"]) for r in sample.ROWS["Labs"]]
    new_labs = list(NEW_LABS)
    for w in weeks():
        monday = w.edition
        # A new lab most weeks until the twenty have joined.
        if new_labs and (w.number <= 2 or rng.random() < 0.75):
            name, country, watched = new_labs.pop(0)
            since = dt.date(2025, rng.randint(1, 12), rng.randint(1, 28))
            labs.append({"_from": monday, "Lab": name, "Country": country, "Flagship weights": "Open",
                         "Flagship licence": rng.choice(("Apache-2.0", "MIT", "Llama-style community")),
                         "Flagship model": f"{name.split()[0]} flagship", "Status since": since,
                         "Watch": "Yes" if watched else "No", "Source": sample.SEED if not sources else
                         str(sources[-1]["Source"]), "Notes": "Joined the board this season."})
            known.append(name)
        # Two sources a week, with links.
        for k in range(2):
            publisher = rng.choice(PUBLISHERS)
            name = f"{publisher}, {monday.isoformat()} #{k + 1}"
            sources.append({"_from": monday, "Source": name, "Publisher": publisher,
                            "URL": f"https://news.example.org/{monday:%Y/%m/%d}/{w.number:02d}-{k + 1}",
                            "Published": monday - dt.timedelta(days=rng.randint(1, 6))})
        # Ten to fifteen signals observed over the past week.
        for k in range(rng.randint(10, 15)):
            text, points, unit, low, high, decimals = rng.choice(SIGNALS)
            lab = rng.choice(known[1:]) if "{lab}" in text else rng.choice(("Alibaba", "", ""))
            observed = monday - dt.timedelta(days=rng.randint(1, 7))
            value: object = round(rng.uniform(low, high), decimals) if unit else ""
            if decimals == 0 and unit:
                value = int(value)  # type: ignore[call-overload]
            row: dict[str, object] = {
                "_from": monday, "Quarter": _quarter(observed),
                "Signal": f"{text.format(lab=lab)} (week {w.number}, #{k + 1})",
                "Lab": lab, "Value": value, "Unit": unit, "Points to": points,
                "Strength": rng.choice((1, 1, 2, 2, 3)), "Confidence": rng.choice(CONFIDENCES),
                "Observed": observed,
                # One signal in twenty has no source yet: the data-health summary has something to say.
                "Source": "" if rng.random() < 0.05 else str(rng.choice(sources[-2:])["Source"]),
            }
            signals.append(row)
        # An event most weeks: releases and disclosures by the labs on the board.
        if rng.random() < 0.8:
            lab = rng.choice(known[1:])
            kind = rng.choice(("Open-weight release", "Disclosure", "Other"))
            events.append({"_from": monday, "Date": monday - dt.timedelta(days=rng.randint(1, 6)), "Lab": lab,
                           "Kind": kind, "Headline": f"{lab}: {kind.lower()} (week {w.number})",
                           "Source": str(sources[-1]["URL"])})
        if w.number == FOLLOWER_WEEK:
            events.append({"_from": monday, "Date": FOLLOWER_DAY, "Lab": FOLLOWER, "Kind": "Closed flagship",
                           "Headline": "Moonshot Kimi moves its flagship to closed weights, following Alibaba",
                           "Model": "Kimi flagship", "Source": str(sources[-1]["Source"])})
        if w.number % 6 == 3:
            due = monday + dt.timedelta(weeks=rng.randint(3, 10))
            milestones.append({"_from": monday, "Due": due,
                               "Milestone": f"Watch for follow-up disclosures (set in week {w.number})",
                               "Why it matters": "More evidence either way on whether the closed tier pays.",
                               "Status": "Upcoming"})
    return labs, events, signals, milestones, sources


def records(upto: dt.date) -> tuple[dict[str, object], dict[str, list[dict[str, object]]]]:
    """The workbook as it stands on `upto` (a Monday of the season): settings and rows by sheet."""
    labs, events, signals, milestones, sources = _season()

    def upto_(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if k != "_from"} for r in rows if r["_from"] <= upto]  # type: ignore[operator]

    settings = dict(sample.SETTINGS)
    settings["Edition date"] = upto
    # The sample's own rows join the sheets when they were written: the seed piece's on its day.
    dated = {"Events": "Date", "Signals": "Observed", "Sources": "Published"}
    rows: dict[str, list[dict[str, object]]] = {
        sheet: [dict(r) for r in sample.ROWS[sheet]
                if not isinstance(r.get(dated.get(sheet, "")), dt.date) or r[dated[sheet]] <= upto]  # type: ignore[operator]
        for sheet in sample.ROWS}
    lab_rows = rows["Labs"] + upto_(labs)
    if upto >= FOLLOWER_DAY:
        for row in lab_rows:
            if row["Lab"] == FOLLOWER:
                row["Flagship weights"] = "Closed"
                row["Status since"] = FOLLOWER_DAY
    for row in milestones:
        # Milestones pass: a due date a week gone is marked Happened, with an outcome.
        if row["_from"] <= upto and row["Due"] < upto - dt.timedelta(weeks=1):  # type: ignore[operator]
            row["Status"] = "Happened"
            row["Outcome"] = "Disclosures came in; see the signals of that week."
    rows["Labs"] = lab_rows
    rows["Events"] = rows["Events"] + upto_(events)
    rows["Signals"] = rows["Signals"] + upto_(signals)
    rows["Milestones"] = rows["Milestones"] + upto_(milestones)
    rows["Sources"] = rows["Sources"] + upto_(sources)
    return settings, rows


def workbook(number: int) -> bytes:
    """Week `number`'s workbook, as the editors left it on its Monday."""
    settings, rows = records(week(number).edition)
    return workbook_bytes(settings, rows)


def write_week(folder: Path, number: int) -> Path:
    """Write week `number`'s workbook as `folder/week-NN.xlsx`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"week-{number:02d}.xlsx"
    path.write_bytes(workbook(number))
    return path


def expected(number: int) -> Expected:
    """Week `number`'s verdict, by the rules of SPEC §4, from the records alone."""
    edition = week(number).edition
    settings, rows = records(edition)
    pays = reverts = 0.0
    counted = 0
    for row in rows["Signals"]:
        observed = row.get("Observed")
        if isinstance(observed, dt.date) and observed > edition:
            continue
        counted += 1
        weight = int(row.get("Strength") or 1) * FACTOR[str(row.get("Confidence") or "Reported")]
        sign = SIGN[str(row["Points to"])]
        if sign > 0:
            pays += weight
        elif sign < 0:
            reverts += weight
    watched = [r for r in rows["Labs"] if r["Lab"] != settings["Pivot lab"] and r.get("Watch", "Yes") == "Yes"]
    followers = tuple(str(r["Lab"]) for r in watched
                      if r["Flagship weights"] == "Closed" and isinstance(r.get("Status since"), dt.date)
                      and sample.PIVOT < r["Status since"] <= edition)  # type: ignore[operator]
    score = round(pays - reverts, 6)
    margin = float(settings["Call margin"])  # type: ignore[arg-type]
    state = ("SPREADING" if followers else "LEANING PAYS" if score >= margin
             else "LEANING REVERTS" if score <= -margin else "TOO EARLY")
    return Expected(score, round(pays, 6), round(reverts, 6), followers, len(watched), state, counted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the season's weekly workbooks (and build them).")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--build", action="store_true", help="build every edition in sequence into OUTDIR/out")
    args = parser.parse_args(argv)
    for w in editions():
        path = write_week(args.outdir, w.number)
        e = expected(w.number)
        print(f"{path}  {w.edition}  {e.state}  score {e.score:+.2f}  followers {len(e.followers)}/{e.watched}")
        if args.build:
            subprocess.run([sys.executable, "-m", "report", "build", str(path), "-o", str(args.outdir / "out")],
                           check=True, stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
