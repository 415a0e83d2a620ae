"""The same facts in all four outputs: the page, the email's HTML, its plain text, and the xlsx.

`report build` runs as a reader's producer runs it (a subprocess, with a history so "what changed" has
something to say), and each output is read back as its reader meets it: the page and the email HTML as
text in section order (an HTML parser), the text part from the .eml, the xlsx with openpyxl. The expected
facts are written out here from the story each workbook tells, not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLE, append_row, edit_workbook, flagship_moves, run_cli

SECTION_HEADINGS = ("Verdict", "Key figures", "Trend across editions", "What changed since the last edition", "Lab board",
                    "Evidence by quarter", "Timeline since the pivot", "Watchlist", "Data health", "Sources")
LABS = ("Alibaba", "DeepSeek", "Moonshot Kimi", "Ant Group", "Zhipu")
SAMPLE_SIGNALS = {  # the sample's counted signals of 2026-Q2, largest weight first, as every format words them
    "Chinese-cloud customer traction on Max-Preview reportedly strong": ("+1.20 pays", 1.2),
    "No other major Chinese lab has followed into closed weights": ("\u22120.60 reverts", -0.6),
    "Apache-2.0 is winning the permissive-licence race": ("\u22120.60 reverts", -0.6),
    "Enterprise procurement friction for the open-weight stack is near zero": ("\u22120.60 reverts", -0.6),
    "Qwen 27B stays Apache-2.0 at frontier-competitive performance": ("0.00", 0.0),
}
NEW_SIGNAL = "Open-weight downloads keep climbing"  # Reverts, strength 1, Confirmed: −1.00


@dataclass(frozen=True)
class Facts:
    """What a reader of this edition must find in every output."""

    state: str
    score: float
    score_text: str
    followers: tuple[str, ...]
    watched: int
    weights: dict[str, str]  # lab -> Open / Closed
    signals: dict[str, tuple[str, float]]  # counted signal -> (weight as shown, weight)
    changes: tuple[tuple[str, str, str | None], ...] = ()  # (label, what, before → after)
    why: dict[str, str] = field(default_factory=dict)  # what -> why the change matters
    note: str = "First edition: no earlier briefing to compare."


# --- Building the editions -----------------------------------------------------------------------------------

def _new_signal(book: openpyxl.Workbook) -> None:
    append_row(book, "Signals", {"Quarter": "2026-Q2", "Signal": NEW_SIGNAL, "Points to": "Reverts",
                                 "Strength": 1, "Confidence": "Confirmed", "Observed": dt.datetime(2026, 6, 3),
                                 "Source": "Seed report, 2026-05-27"})


def _spreading(book: openpyxl.Workbook) -> None:
    flagship_moves(book, "DeepSeek", "Closed", dt.datetime(2026, 6, 2), "DeepSeek moves its flagship to closed weights")
    _new_signal(book)


def _reverted(book: openpyxl.Workbook) -> None:
    flagship_moves(book, "Alibaba", "Open", dt.datetime(2026, 6, 3), "Alibaba reopens the Max-Preview weights")
    _new_signal(book)


OPEN = dict.fromkeys(LABS, "Open") | {"Alibaba": "Closed"}
WITH_NEW = SAMPLE_SIGNALS | {NEW_SIGNAL: ("\u22121.00 reverts", -1.0)}
SCORE_MOVE = ("Score", "moved \u22121.00", "\u22120.60 \u2192 \u22121.60")
CASES: dict[str, tuple[object, str, Facts]] = {
    "sample": (None, "2026-06-01", Facts("TOO EARLY", -0.6, "\u22120.60", (), 4, OPEN, SAMPLE_SIGNALS)),
    "spreading": (_spreading, "2026-06-08", Facts(
        "SPREADING", -1.6, "\u22121.60", ("DeepSeek",), 4, OPEN | {"DeepSeek": "Closed"}, WITH_NEW,
        changes=(("Verdict", "changed", "TOO EARLY \u2192 SPREADING"), SCORE_MOVE,
                 ("Key figure", "Followers", "0 of 4 \u2192 1 of 4"),
                 ("Added", "Signals: 2026-Q2 · " + NEW_SIGNAL, None)),
        why={"Signals: 2026-Q2 · " + NEW_SIGNAL: "\u22121.00 reverts"},
        note="Compared with the edition of 1\u00a0Jun\u00a02026.")),
    "reverted": (_reverted, "2026-06-08", Facts(
        "REVERTED", -1.6, "\u22121.60", (), 4, OPEN | {"Alibaba": "Open"}, WITH_NEW,
        changes=(("Verdict", "changed", "TOO EARLY \u2192 REVERTED"), SCORE_MOVE,
                 ("Changed", "Labs: Alibaba", None)),
        why={"Labs: Alibaba": "Reversal", "Signals: 2026-Q2 · " + NEW_SIGNAL: "\u22121.00 reverts"},
        note="Compared with the edition of 1\u00a0Jun\u00a02026.")),
}


@dataclass(frozen=True)
class Outputs:
    page: str  # text in reading order
    email_html: str
    email_text: str
    xlsx: Path


class _Text(HTMLParser):
    """The text a reader sees, in order: no <style>, <title>, hidden preheader or SVG labels."""

    SKIP = frozenset({"style", "title", "svg", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        style = (dict(attrs).get("style") or "").replace(" ", "")
        if tag in self.SKIP or (self.skipping and tag not in ("br", "img", "meta", "link")) \
                or "display:none" in style:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parser.parts))


def build(tmp: Path, case: str) -> tuple[Outputs, Facts]:
    change, edition, facts = CASES[case]
    workbook = tmp / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    out = tmp / "out"
    if change is not None:
        # The edition before: the sample as it stood on 1 June, so "what changed" compares with it.
        done = run_cli("build", str(workbook), "-o", str(out), "--edition", "2026-06-01")
        assert done.returncode == 0, done.stdout + done.stderr
        edit_workbook(workbook, change)  # type: ignore[arg-type]
    done = run_cli("build", str(workbook), "-o", str(out), "--edition", edition)
    assert done.returncode == 0, done.stdout + done.stderr
    message = email.message_from_bytes((out / f"briefing-{edition}.eml").read_bytes(), policy=email.policy.default)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    return Outputs(
        page=text_of((out / f"briefing-{edition}.html").read_text(encoding="utf-8")),
        email_html=text_of(html_part.get_content()),  # type: ignore[union-attr]
        email_text=re.sub(r"[ \t\r\n]+", " ", text_part.get_content()),  # type: ignore[union-attr]
        xlsx=out / f"briefing-{edition}.xlsx",
    ), facts


@pytest.fixture(scope="module", params=list(CASES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Outputs, Facts]:
    return build(tmp_path_factory.mktemp(request.param), request.param)


# --- Reading the text outputs --------------------------------------------------------------------------------

def sections(text: str) -> dict[str, str]:
    """The text of each section by its heading, found in order (the text part writes headings in capitals)."""
    lower = text.lower()
    starts = []
    at = 0
    for heading in SECTION_HEADINGS:
        found = lower.find(heading.lower(), at)
        assert found >= 0, f"no section {heading!r}"
        starts.append(found)
        at = found + len(heading)
    ends = [*starts[1:], len(text)]
    return {heading: text[start + len(heading):end] for heading, start, end in zip(SECTION_HEADINGS, starts, ends,
                                                                                   strict=True)}


def segments(text: str, names: list[str], weight_first: bool) -> dict[str, str]:
    """Each name's stretch of `text`: from it to the next name, or (weight_first) from the previous name to it."""
    places = sorted((text.index(name), name) for name in names)
    out: dict[str, str] = {}
    for index, (start, name) in enumerate(places):
        if weight_first:
            begin = places[index - 1][0] + len(places[index - 1][1]) if index else 0
            out[name] = text[begin:start]
        else:
            end = places[index + 1][0] if index + 1 < len(places) else len(text)
            out[name] = text[start + len(name):end]
    return out


FORMATS = {"page": False, "email_html": True, "email_text": True}  # does a signal's weight come before its name?


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_verdict_score_and_followers(built: tuple[Outputs, Facts], fmt: str) -> None:
    outputs, facts = built
    parts = sections(getattr(outputs, fmt))
    assert facts.state in parts["Verdict"]
    assert f"Score {facts.score_text}" in parts["Verdict"]
    figures = parts["Key figures"]
    assert f"{len(facts.followers)} of {facts.watched}" in figures
    assert facts.score_text in figures
    for name in facts.followers:
        assert name in figures and name in parts["Verdict"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_labs_weights(built: tuple[Outputs, Facts], fmt: str) -> None:
    outputs, facts = built
    board = sections(getattr(outputs, fmt))["Lab board"]
    for lab, stretch in segments(board, list(facts.weights), weight_first=False).items():
        words = {w.capitalize() for w in re.findall(r"\b(open|closed)\b", stretch, re.IGNORECASE)}
        assert words == {facts.weights[lab]}, (lab, stretch)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_counted_signals_weight(built: tuple[Outputs, Facts], fmt: str) -> None:
    outputs, facts = built
    evidence = sections(getattr(outputs, fmt))["Evidence by quarter"]
    evidence = evidence[evidence.find("Signals in 2026-Q2"):]
    for signal, stretch in segments(evidence, list(facts.signals), weight_first=FORMATS[fmt]).items():
        shown, _ = facts.signals[signal]
        weights = re.findall(r"[+\u2212]?\d+\.\d\d(?: pays| reverts)?", stretch)
        assert weights == [shown], (signal, stretch)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_what_changed(built: tuple[Outputs, Facts], fmt: str) -> None:
    outputs, facts = built
    changed = sections(getattr(outputs, fmt))["What changed since the last edition"]
    assert facts.note in changed
    for label, what, before_after in facts.changes:
        # A change that matters to the verdict says why between its label and what it is.
        why = re.escape(facts.why[what]) + r"\W+" if what in facts.why else ""
        assert re.search(re.escape(label) + r"\W+" + why + re.escape(what), changed), (label, what, changed)
        if before_after:
            assert re.search(r"\s*".join(re.escape(part) for part in before_after.split(" ")), changed), \
                (before_after, changed)


def test_the_xlsx(built: tuple[Outputs, Facts]) -> None:
    outputs, facts = built
    book = openpyxl.load_workbook(outputs.xlsx)

    def named(name: str) -> object:
        ((sheet, ref),) = list(book.defined_names[name].destinations)
        return book[sheet][ref.replace("$", "")].value

    assert named("Verdict") == facts.state
    assert named("Score") == pytest.approx(facts.score)
    assert named("Followers") == len(facts.followers) and named("WatchedLabs") == facts.watched
    briefing = book["Briefing"]
    texts = [[c.value for c in row] for row in briefing.iter_rows()]
    flat = {value for row in texts for value in row if isinstance(value, str)}
    for name in facts.followers:
        assert any(isinstance(v, str) and v.endswith(f": {name}") for v in flat), name

    def table(sheet: str) -> list[dict[str, object]]:
        ws = book[sheet]
        header = next(r for r in range(1, 10) if ws.cell(r, 1).value in ("Lab", "Quarter"))
        names = [c.value for c in ws[header]]
        return [dict(zip(names, (c.value for c in row), strict=False))
                for row in ws.iter_rows(min_row=header + 1) if row[0].value is not None]

    assert {row["Lab"]: row["Flagship weights"] for row in table("Labs")} == facts.weights
    counted = {row["Signal"]: row["Weight"] for row in table("Signals") if row["Counts"] == "Yes"}
    assert counted == pytest.approx({signal: weight for signal, (_, weight) in facts.signals.items()})
    assert facts.note in flat
    for label, what, before_after in facts.changes:
        assert [label, facts.why.get(what), what] in [row[:3] for row in texts], (label, what)
        if before_after:
            assert [label, what, before_after] in [[row[0], row[2], row[3]] for row in texts], before_after


# The trend across editions (issue 21), in words: the same sentence in every format, the xlsx's Briefing sheet too.
TREND = {
    "TOO EARLY": "First edition: there is no earlier edition to compare.",
    "SPREADING": "The score has fallen since the previous edition, from \u22120.60 to \u22121.60; followers went from 0 "
                 "to 1 (of 4 watched labs).",
    "REVERTED": "The score has fallen since the previous edition, from \u22120.60 to \u22121.60; followers 0 of 4 "
                "throughout.",
}


@pytest.mark.parametrize("fmt", [*FORMATS, "xlsx"])
def test_the_trend_across_editions_reads_alike(built: tuple[Outputs, Facts], fmt: str) -> None:
    outputs, facts = built
    sentence = TREND[facts.state]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(outputs.xlsx)["Briefing"]
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        assert "Trend across editions" in cells and sentence in cells
        assert cells.index("Key figures") < cells.index("Trend across editions") < cells.index(
            "What changed since the last edition")
        return
    assert sentence in sections(getattr(outputs, fmt))["Trend across editions"]
