"""Issue 18, read as a reader reads it: the season's editions (weeks 1, 13, 19 after the month's gap, 26), the
sample, and a workbook with no signals, opened as they are delivered (the page in Chromium, the email with
the `email` package, the xlsx with openpyxl). What changed leads with the score and key figures, counts per
sheet, puts what matters first and stays bounded; every list says how many more; Data health is one summary
for readers everywhere; the lead says the score once; the page names the workbook edition, never an
attachment; Sources lists what the edition cites.

Every expected figure is literal, read off the season generator's weeks (scripts/season.py).
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EDITION, SAMPLE, Season, edit_workbook

from report.build import build

NBSP = "\u00a0"
# A cell reference or an instruction to the desk: the readers' outputs never carry one.
CHORES = re.compile(r"\b(Settings|Labs|Events|Signals|Milestones|Sources)![A-Z]+\d+|\brow \d+\b|confirm or update|"
                    r"name one from|see to\b", re.IGNORECASE)


# --- Reading the outputs -------------------------------------------------------------------------------------

class _Sections(HTMLParser):
    """Each <section id=...>'s text (styles and charts left out); the email's sections by their h2's data-section."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self._current: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("style", "svg", "script"):
            self._skip += 1
        if tag == "section" and found.get("id"):
            self._current = found["id"]
        if found.get("data-section"):
            self._current = found["data-section"]
        if self._current is not None:
            self.text.setdefault(self._current, "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg", "script"):
            self._skip -= 1
        if tag in ("p", "li", "div", "tr", "br", "h2", "h3"):
            self._add("\n")

    def handle_data(self, data: str) -> None:
        self._add(data)

    def _add(self, data: str) -> None:
        if self._current is not None and not self._skip:
            self.text[self._current] += data

    @classmethod
    def of(cls, html: str) -> dict[str, str]:
        parser = cls()
        parser.feed(html)
        return {key: re.sub(r"[ \t]+", " ", value) for key, value in parser.text.items()}


@dataclass(frozen=True)
class Edition:
    html_path: Path
    html: str
    page: dict[str, str]  # section id -> text
    email_html: dict[str, str]
    email_text: str
    xlsx: Path

    @property
    def stem(self) -> str:
        return self.html_path.stem


def _edition(files: dict[str, Path]) -> Edition:
    html = files["html"].read_text(encoding="utf-8")
    message = email.message_from_bytes(files["eml"].read_bytes(), policy=email.policy.default)
    body_html, body_text = message.get_body(("html",)), message.get_body(("plain",))
    assert body_html is not None and body_text is not None
    return Edition(files["html"], html, _Sections.of(html), _Sections.of(str(body_html.get_content())),
                   str(body_text.get_content()), files["xlsx"])


@pytest.fixture(scope="module")
def week(season: Season) -> Iterator[Any]:
    cache: dict[int, Edition] = {}

    def get(number: int) -> Edition:
        if number not in cache:
            cache[number] = _edition(season.files(number))
        return cache[number]

    yield get


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    out = tmp_path_factory.mktemp("sample")
    result = build(SAMPLE, out, EDITION, today=EDITION)
    return _edition({p.suffix[1:]: p for p in result.paths})


def _no_signals(book: openpyxl.Workbook) -> None:
    ws = book["Signals"]
    ws.delete_rows(2, ws.max_row)


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Edition:
    folder = tmp_path_factory.mktemp("no-signals")
    workbook = folder / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    edit_workbook(workbook, _no_signals)
    result = build(workbook, folder / "out", EDITION, today=EDITION)
    return _edition({p.suffix[1:]: p for p in result.paths})


def flat(text: str) -> str:
    """Runs of spaces and line breaks as one space (a no-break space stays what it is)."""
    return re.sub(r"[ \t\r\n]+", " ", text)


def _text_section(text: str, heading: str) -> str:
    """A section of the plain-text part: from its underlined heading to the next one."""
    text = text.replace("\r\n", "\n")
    start = text.index(heading.upper() + "\n")
    following = re.search(r"\n[A-Z][A-Z ]+\n-{3,}\n", text[start + len(heading) + 1:])
    return text[start: start + len(heading) + 1 + following.start()] if following else text[start:]


def _sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    return [list(row) for row in ws.iter_rows(values_only=True)]


# --- What changed ---------------------------------------------------------------------------------------------

def test_what_changed_after_the_gap_is_bounded_on_the_page_like_the_email(week: Any) -> None:
    e = week(19)  # the first edition after the month with none: 78 rows changed since the edition of 27 Jul
    page = e.page["changes"]
    assert "Compared with the edition of 27\u00a0Jul\u00a02026." in page
    # The generator's own rows: Labs 18 -> 22, Events 14 -> 19, Signals 186 -> 243, Milestones 4 -> 5, Sources 32 -> 42.
    assert ("Labs: 4 added. Events: 5 added. Signals: 57 added. Milestones: 1 added, 1 changed. Sources: 10 added."
            in flat(page))
    assert "63 more in the workbook edition, briefing-2026-08-31.xlsx." in page
    rows = [line for line in page.split("\n") if line.strip().startswith(("Added", "Changed", "Removed"))]
    assert len(rows) == 15
    # The email says the same of the same list, within its own (smaller or equal) limit.
    mail = e.email_html["changes"]
    assert re.search(r"\b\d+ more in the attached workbook\.", mail)
    assert "Signals: 57 added." in mail and "Labs: 4 added." in mail
    text = flat(_text_section(e.email_text, "What changed since the last edition"))
    assert re.search(r"\(\d+ more in the attached workbook\.\)", text)
    assert "Signals: 57 added." in text
    # The xlsx keeps every change on its own sheet: 6 lead lines (the score, 5 key figures) and 78 rows.
    rows = _sheet_rows(e.xlsx, "What changed")
    header = next(i for i, row in enumerate(rows) if row[0] == "Change")
    lines = [row for row in rows[header + 1:] if row[0]]
    assert len(lines) == 6 + 78
    assert [row[0] for row in lines[:6]] == ["Score", *["Key figure"] * 5]
    assert [row[2] for row in lines[1:6]] == ["Followers", "Pays weight", "Reverts weight", "Signals this quarter",
                                              "Next milestone"]


def test_the_score_move_and_key_figures_come_before_the_rows(week: Any) -> None:
    page = week(26).page["changes"]
    order = [page.index(text) for text in (
        "Score", "moved \u22125.20", "Key figure", "Pays weight", "Signals this quarter",
        "Events: 1 added.", "Signals: 14 added.", "Milestones: 1 changed.", "Sources: 2 added.", "Added")]
    assert order == sorted(order)
    assert "\u221211.20" not in page  # nothing else moved the score
    # Dates read in the house style, in key figures and in rows' keys.
    assert f"Watch for follow-up disclosures (set in week 15), due 12{NBSP}Oct{NBSP}2026" in page
    assert "2026-10-12" not in page


def test_the_changes_that_matter_most_come_first(week: Any) -> None:
    page = week(13).page["changes"]  # Moonshot Kimi closed its flagship on 16 Jul: the season's follower
    rows = [line.strip() for line in page.split("\n") if line.strip().startswith(("Added", "Changed", "Removed"))]
    assert rows[0].startswith(f"Added Follower Events: 16{NBSP}Jul{NBSP}2026 · Moonshot Kimi · Closed flagship")
    assert rows[1].startswith("Changed Follower Labs: Moonshot Kimi")
    weights = [float(m[1].replace("\u2212", "-")) for row in rows[2:] if (m := re.match(r"Added ([+\u2212]\d\.\d\d)", row))]
    assert len(weights) >= 10 and weights[0] in (3.0, -3.0)
    assert [abs(w) for w in weights] == sorted((abs(w) for w in weights), reverse=True)  # largest first


# --- Lists stay bounded -----------------------------------------------------------------------------------------

def test_the_lab_board_keeps_the_pivot_lab_and_the_follower_and_counts_the_rest(week: Any) -> None:
    labs = week(26).page["labs"]
    assert "5 more in the workbook edition, briefing-2026-10-19.xlsx." in labs
    assert "Pivot lab" in labs and "Follower" in labs and "Moonshot Kimi" in labs
    # The xlsx keeps all 25.
    rows = _sheet_rows(week(26).xlsx, "Labs")
    header = next(i for i, row in enumerate(rows) if row[0] == "Lab")
    assert len([row for row in rows[header + 1:] if row[0]]) == 25


def test_sources_list_what_the_edition_cites_and_count_the_rest(week: Any, sample: Edition) -> None:
    assert "3 more on file that no row cites" in sample.page["sources"]
    assert re.search(r"Seed report, 2026-05-27.*12 rows", sample.page["sources"], re.DOTALL)
    assert "cited by 12 rows" in sample.email_html["sources"]
    assert "3 more on file that no row cites." in sample.email_html["sources"]
    late = week(26).page["sources"]
    assert "3 more on file that no row cites; 33 more in the workbook edition, briefing-2026-10-19.xlsx." in late
    counts = [int(n) for n in re.findall(r"(\d+) rows?\b", late)]
    assert len(counts) == 20 and counts == sorted(counts, reverse=True)  # most cited first


# --- Data health: one summary, for readers ---------------------------------------------------------------------

def test_data_health_is_one_reader_summary_in_every_output(week: Any) -> None:
    e = week(26)
    stale = "279 of 331 counted signals were observed more than 28 days ago"
    unsourced = "13 signals name no source, so readers cannot follow them up"
    text = flat(_text_section(e.email_text, "Data health"))
    briefing_sheet = " ".join(str(v) for row in _sheet_rows(e.xlsx, "Briefing") for v in row if v)
    for where, said in (("page", e.page["health"]), ("email", e.email_html["health"]), ("text", text)):
        assert stale in flat(said) and unsourced in flat(said), where
    for where, said in (("page", e.html), ("email", " ".join(e.email_html.values())), ("text", e.email_text),
                        ("Briefing sheet", briefing_sheet)):
        assert not CHORES.search(said), (where, CHORES.search(said))
    # The xlsx's Data health sheet: the summary on top, then the rows for the desk, with their cells.
    rows = _sheet_rows(e.xlsx, "Data health")
    assert str(rows[1][0]).startswith(stale)
    header = next(i for i, row in enumerate(rows) if row[0] == "Kind")
    assert header <= 4 and any(re.match(r"Signals!I\d+", str(row[1])) for row in rows[header + 1:])


def test_with_no_signal_the_lead_and_data_health_say_there_is_no_evidence_yet(empty: Edition) -> None:
    verdict = empty.page["verdict"]
    assert "there is no evidence yet to lean either way" in verdict
    assert "too mixed" not in verdict and "(score" not in verdict
    assert "There is no evidence yet: no signal counts towards the score." in empty.page["health"]
    assert "fresh" not in empty.page["health"]
    assert "There is no evidence yet" in empty.email_html["health"]
    assert "There is no evidence yet" in _text_section(empty.email_text, "Data health")


# --- The lead ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [1, 13, 26])
def test_the_headline_sits_under_the_badge_and_the_score_is_said_once(browser: Any, season: Season,
                                                                       number: int) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto(season.files(number)["html"].as_uri())
        lead = page.evaluate("""() => {
            const badge = document.querySelector('#verdict .verdict-state');
            return {next: badge.nextElementSibling.className,
                    verdict: document.querySelector('#verdict .verdict').innerText,
                    headline: document.querySelector('#verdict .headline').innerText};
        }""")
    finally:
        page.close()
    assert lead["next"] == "headline"
    assert len(re.findall(r"Score [+\u2212]?\d+\.\d\d", lead["verdict"])) == 1
    assert "score" not in lead["headline"].lower()
    assert "Evidence that closed weights pay weighs" in lead["verdict"]


# --- The page names its workbook ----------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [1, 13, 26])
def test_the_page_names_the_workbook_edition_beside_it_never_an_attachment(week: Any, number: int) -> None:
    e = week(number)
    assert "attach" not in e.html.lower()
    links = re.findall(r'<a class="workbook" href="([^"]+)"', e.html)
    assert links and set(links) == {f"{e.stem}.xlsx"}
    assert (e.html_path.parent / links[0]).is_file()  # the link works where the page is
    assert f"The workbook behind this edition is attached as {e.stem}.xlsx." in e.email_text  # the email's is


def test_the_sample_page_never_speaks_of_an_attachment(sample: Edition) -> None:
    assert "attach" not in sample.html.lower()
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", sample.html))
    assert "Every row of every list is in the workbook edition: briefing-2026-06-01.xlsx." in plain


# --- What they look like -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [1, 13, 26])
def test_screenshots_at_390_and_1280(browser: Any, season: Season, artifacts: Path, number: int) -> None:
    """The page as a phone and a desk see it, saved for a person to look at (tests/artifacts/)."""
    for width in (390, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(season.files(number)["html"].as_uri())
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            page.screenshot(path=str(artifacts / f"season-week-{number:02d}-{width}.png"), full_page=True)
        finally:
            page.close()


def test_both_timeline_charts_draw_the_same_events(week: Any, season: Season) -> None:
    """The page's chart and the email's image describe one set of events (every event since the pivot)."""
    e = week(26)
    message = email.message_from_bytes(season.files(26)["eml"].read_bytes(), policy=email.policy.default)
    body = message.get_body(("html",))
    assert body is not None
    alts = re.findall(r'<img[^>]*alt="(Timeline of[^"]*)"', str(body.get_content()))
    described = re.findall(r"Timeline of \d+ events since the pivot:[^<]*", e.html)
    assert len(alts) == 1 and described
    assert alts[0].startswith("Timeline of 24 events since the pivot: 2026-04-20 Alibaba, closed flagship")
    assert described[0].replace("&#39;", "'").startswith(alts[0][:200])
