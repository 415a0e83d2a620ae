"""The HTML page: sections in SPEC order, safe with hostile cells, self-contained, readable at 390 and 1280 px."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import EDITION, SAMPLE, append_row, edit_workbook, flagship_moves, set_cell

from report import schema
from report.analysis import analyse
from report.briefing import (
    Briefing,
    Changes,
    FieldChange,
    FigureMove,
    HealthItem,
    HealthSummary,
    LeftOut,
    Link,
    QuarterWeight,
    RowChange,
    WatchItem,
)
from report.check import check_file
from report.edition import as_of
from report.present import present
from report.render.html import href, nobreak, render_html

PAYLOAD = "<script>alert(1)</script> <img src=x onerror=alert(1)> javascript:alert(1) {{ 7*7 }} {% raw %}"
EVIL = "Evil " + PAYLOAD  # a lab and a source named with the payload
# SPEC §6's sections as a reader meets them, in order (the trend follows Key figures): each section's id and its
# h2 (the masthead's heading is the title).
SECTION_IDS = ["masthead", "verdict", "key-figures", "trend", "changes", "labs", "evidence", "timeline", "watchlist",
               "health", "sources"]
SECTION_HEADINGS = ["Verdict", "Key figures", "Trend across editions", "What changed since the last edition",
                    "Lab board", "Evidence by quarter", "Timeline since the pivot", "Watchlist", "Data health",
                    "Sources"]
HOSTILE_URLS = ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
                "vbscript:msgbox(1)", "java\tscript:alert(1)", "//evil.example/x", "file:///etc/passwd")


# Helpers


def briefing_of(path: Path, edition: dt.date = EDITION) -> Briefing:
    result = check_file(path, today=edition)
    assert result.tracker is not None, [f.line() for f in result.findings]
    return analyse(as_of(result.tracker, edition), result.findings)


class Page:
    """A Chromium page holding the HTML, recording console errors, page errors, dialogs and network requests."""

    def __init__(self, browser: Any, html: str, width: int, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.set_content(html, wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def text(self) -> str:
        return str(self.page.inner_text("body"))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    pages: list[Page] = []

    def opener(html: str, width: int = 1280, height: int = 900) -> Page:
        page = Page(browser, html, width, height)
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.css = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css += data


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


DOM_CHECKS = """() => ({
  scripts: document.querySelectorAll('script').length,
  images: document.querySelectorAll('img, iframe, object, embed, link').length,
  handlers: Array.from(document.querySelectorAll('*')).flatMap(
      e => Array.from(e.attributes).map(a => a.name)).filter(n => n.toLowerCase().startsWith('on')),
  hrefs: Array.from(document.querySelectorAll('[href], [src], [action], [formaction]'))
      .map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || ''),
})"""


def assert_dom_is_safe(page: Page) -> None:
    found = page.js(DOM_CHECKS)
    assert found["scripts"] == 0
    assert found["images"] == 0
    assert found["handlers"] == []
    for address in found["hrefs"]:
        # The one relative link: the xlsx edition written beside the page.
        assert re.match(r"^(https?://|mailto:|briefing-\d{4}-\d{2}-\d{2}\.xlsx$)", address), address
        assert "javascript:" not in address.lower().replace("\t", "").replace(" ", "")[:20]
    assert page.dialogs == []


# The sample


@pytest.fixture(scope="module")
def sample_html(sample_briefing: Briefing) -> str:
    return render_html(present(sample_briefing))


def test_sections_in_spec_order_with_headings(open_page: Any, sample_html: str) -> None:
    page = open_page(sample_html)
    ids = page.js("Array.from(document.querySelectorAll('section')).map(s => s.id)")
    assert ids == SECTION_IDS
    headings = page.js("Array.from(document.querySelectorAll('h1, h2')).map(h => [h.tagName, h.textContent.trim()])")
    assert headings[0] == ["H1", "The bifurcation briefing"]
    assert [text for tag, text in headings[1:]] == SECTION_HEADINGS
    assert all(tag == "H2" for tag, _ in headings[1:])
    # Each h2 sits in its own section, in order.
    owners = page.js("Array.from(document.querySelectorAll('h2')).map(h => h.closest('section').id)")
    assert owners == SECTION_IDS[1:]


def test_sample_says_what_the_story_says(open_page: Any, sample_html: str) -> None:
    text = open_page(sample_html).text()
    for expected in ("TOO EARLY", "0 of 4", "42 days", "2026-W23", "1\u00a0Jun\u00a02026", "The open-weights desk",
                     "First edition: no earlier briefing to compare.", "Every signal names its source.", "in 213 days",
                     "Alibaba Cloud's Q3 2026 AI revenue disclosures", "Seed report, 2026-05-27",
                     "pays 1.20", "reverts 1.80"):
        assert expected in text, expected
    assert "watched, not imitated" in text


def test_verdict_badge_headline_and_reasons(open_page: Any, sample_html: str) -> None:
    page = open_page(sample_html)
    badge = page.js("(() => { const b = document.querySelector('#verdict .state');"
                    " return [b.textContent, getComputedStyle(b).backgroundColor]; })()")
    assert badge[0] == "TOO EARLY"
    assert badge[1] != "rgba(0, 0, 0, 0)"
    weights = page.js("Array.from(document.querySelectorAll('#verdict .reasons .weight')).map(w => w.textContent)")
    assert weights == ["+1.20 pays", "\u22120.60 reverts", "\u22120.60 reverts", "\u22120.60 reverts"]
    facts = page.js("Array.from(document.querySelectorAll('#verdict .facts li')).map(li => li.textContent)")
    assert facts[0].startswith("No watched lab has closed its flagship")


def test_key_figures(open_page: Any, sample_html: str) -> None:
    figures = open_page(sample_html).js(
        "Array.from(document.querySelectorAll('#key-figures .figure')).map(f => f.innerText.replace(/\\s+/g, ' '))")
    assert len(figures) == 4
    assert "0 of 4" in figures[0]
    assert "\u22120.60" in figures[1] and "pays 1.20" in figures[1] and "reverts 1.80" in figures[1]
    assert "5" in figures[2] and "2026-Q2" in figures[2]
    # The milestone's Due was a quarter: it reads as one, not as a day the editor never wrote.
    assert "in 213 days" in figures[3] and "by end of 2026-Q4" in figures[3]
    assert "31 Dec" not in figures[3] and "2026-12-31" not in figures[3]


def test_lab_board_marks_pivot_and_weights(open_page: Any, sample_html: str) -> None:
    rows = open_page(sample_html).js(
        "Array.from(document.querySelectorAll('#labs tbody tr')).map(r => [r.className,"
        " r.querySelector('th').textContent.trim(), r.querySelector('.weights').textContent.trim(),"
        " r.querySelector('.role').textContent.trim()])")
    assert rows[0] == ["is-pivot", "AlibabaChina", "Closed", "Pivot lab"]
    assert [r[2] for r in rows[1:]] == ["Open"] * 4
    assert [r[3] for r in rows[1:]] == ["Watched"] * 4


def test_no_empty_columns_or_zero_counts(open_page: Any, sample_html: str) -> None:
    """A column no row fills is left out, and a source no row cites says nothing (no "Cited 0 rows")."""
    page = open_page(sample_html)
    headers = page.js("Array.from(document.querySelectorAll('#labs thead th')).map(h => h.textContent)")
    assert headers == ["Lab", "Flagship weights", "Role", "Flagship", "Since", "Mid-scale model", "Source"]
    assert "Licence" not in headers  # no lab in the sample names its flagship's licence
    cited = page.js("Array.from(document.querySelectorAll('#sources tbody td[data-label=\"Cited by\"]'))"
                    ".map(td => td.textContent.trim())")
    # Only the sources the edition cites are listed; the rest are counted.
    assert cited == ["12 rows"]
    assert "3 more on file that no row cites, briefing-2026-06-01.xlsx." in page.text()
    assert "0 rows" not in page.text()


def test_tables_have_scoped_headers(sample_html: str) -> None:
    tags = parse(sample_html).tags
    ths = [attrs for tag, attrs in tags if tag == "th"]
    assert ths and all(attrs.get("scope") in ("col", "row") for attrs in ths)
    assert sum(1 for tag, _ in tags if tag == "table") >= 6


def test_charts_are_labelled_svg(open_page: Any, sample_html: str) -> None:
    """The page inlines the charts drawn once for every format, each named for a screen reader."""
    page = open_page(sample_html)
    charts = page.js(
        "Array.from(document.querySelectorAll('svg')).map(s => [s.closest('section').id,"
        " s.getAttribute('role'), s.querySelector('title')?.textContent, s.querySelector('desc')?.textContent])")
    assert [c[0] for c in charts] == ["evidence", "timeline"]
    for _, role, title, desc in charts:
        assert role == "img" and title and desc
    evidence = page.js("document.querySelector('#evidence svg').textContent")
    assert "\u00b12.0" in evidence  # the Call margin the verdict needs is drawn


def test_self_contained(sample_html: str, open_page: Any) -> None:
    parsed = parse(sample_html)
    names = [tag for tag, _ in parsed.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert names.count("style") == 1
    for tag, attrs in parsed.tags:
        assert "src" not in attrs, tag
        if "href" in attrs:
            assert tag == "a", tag
    assert "@import" not in parsed.css and "url(" not in parsed.css
    assert "@font-face" not in parsed.css
    assert not re.search(r"https?:", parsed.css)
    page = open_page(sample_html)
    assert [url for url in page.requests if not url.startswith(("about:", "data:"))] == []


def test_layout_at_390_and_1280_and_print(open_page: Any, sample_html: str, artifacts: Path) -> None:
    phone = open_page(sample_html, width=390, height=844)
    assert phone.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # Nothing pokes out sideways either (a wrapper that scrolls its own content is allowed).
    wide = phone.js("Array.from(document.querySelectorAll('main *')).filter(e =>"
                    " e.getBoundingClientRect().right > document.documentElement.clientWidth + 1"
                    " && !e.closest('.table-wrap, .chart-figure')).map(e => e.tagName + '.' + e.className)")
    assert wide == []
    # Tables reflow into cards: no table wrapper needs to scroll on the sample.
    assert phone.js("Array.from(document.querySelectorAll('.table-wrap, .chart-figure'))"
                    ".every(w => w.scrollWidth <= w.clientWidth + 1)")
    assert phone.errors == []
    phone.page.screenshot(path=str(artifacts / "html-sample-390.png"), full_page=True)

    desk = open_page(sample_html, width=1280, height=900)
    assert desk.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    width = desk.js("document.querySelector('main').getBoundingClientRect().width")
    assert 900 <= width <= 1150
    # A comfortable measure for the headline.
    assert desk.js("document.querySelector('.headline').getBoundingClientRect().width") <= 800
    assert desk.js("Array.from(document.querySelectorAll('.table-wrap, .chart-figure'))"
                   ".every(w => w.scrollWidth <= w.clientWidth + 1)")
    assert desk.js("getComputedStyle(document.querySelector('#labs thead')).position") != "absolute"
    assert desk.errors == []
    desk.page.screenshot(path=str(artifacts / "html-sample-1280.png"), full_page=True)

    desk.page.emulate_media(media="print")
    assert desk.js("getComputedStyle(document.querySelector('.verdict')).backgroundColor") == "rgba(0, 0, 0, 0)"
    assert "attr(href)" in desk.js("getComputedStyle(document.querySelector('#sources tbody a') || document.body,"
                                   " '::after').content") or not desk.js("document.querySelector('#sources tbody a')")
    pdf = desk.page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    (artifacts / "html-sample.pdf").write_bytes(pdf)


def test_no_sideways_scroll_at_any_common_width(open_page: Any, sample_html: str) -> None:
    for width in (320, 600, 768, 960, 1024, 1120, 1440):
        page = open_page(sample_html, width=width)
        assert page.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), width
        assert page.js("Array.from(document.querySelectorAll('.table-wrap, .chart-figure'))"
                       ".every(w => w.scrollWidth <= w.clientWidth + 1)"), width
        page.close()


# Hostile cells


def _hostile(book: openpyxl.Workbook) -> None:
    """The payload in every text column of every sheet, plus a lab, a source and rows named with it."""
    keys = {("Labs", "Lab"), ("Sources", "Source")}  # renaming these would break references: add rows instead
    for sheet in schema.TABLES:
        ws = book[sheet.name]
        headers = {str(c.value).rstrip("*").strip(): c.column for c in ws[1] if c.value}
        first = headers[sheet.columns[0].name]
        for row in range(2, ws.max_row + 1):
            if ws.cell(row=row, column=first).value in (None, ""):
                continue
            for column in sheet.columns:
                if column.kind in ("text", "value") and (sheet.name, column.name) not in keys:
                    ws.cell(row=row, column=headers[column.name], value=f"{PAYLOAD} ({column.name} {row})")
    for setting in ("Title", "Publication", "Editor", "Pivot model"):
        set_cell(book, "Settings", "Setting", setting, "Value", f"{PAYLOAD} ({setting})")
    append_row(book, "Sources", {"Source": EVIL, "Publisher": PAYLOAD,
                                 "URL": "https://example.com/?q=<script>alert(1)</script>&x=\"'>",
                                 "Published": dt.datetime(2026, 5, 2)})
    append_row(book, "Labs", {"Lab": EVIL, "Country": PAYLOAD, "Flagship model": PAYLOAD, "Flagship scale": PAYLOAD,
                              "Flagship weights": "Open", "Flagship licence": PAYLOAD, "Mid-scale model": PAYLOAD,
                              "Mid-scale licence": PAYLOAD, "Watch": "Yes", "Source": EVIL, "Notes": PAYLOAD})
    append_row(book, "Events", {"Date": dt.datetime(2026, 5, 3), "Lab": EVIL, "Kind": "Open-weight release",
                                "Headline": PAYLOAD, "Model": PAYLOAD, "Source": EVIL, "Notes": PAYLOAD})
    append_row(book, "Signals", {"Quarter": "2026-Q2", "Signal": PAYLOAD, "Lab": EVIL, "Value": PAYLOAD,
                                 "Unit": PAYLOAD, "Points to": "Pays", "Strength": 3, "Confidence": "Confirmed",
                                 "Observed": dt.datetime(2026, 1, 5), "Source": EVIL, "Notes": PAYLOAD})
    append_row(book, "Milestones", {"Due": dt.datetime(2026, 5, 20), "Milestone": PAYLOAD,
                                    "Why it matters": PAYLOAD, "Status": "Upcoming", "Outcome": PAYLOAD})
    append_row(book, "Milestones", {"Due": dt.datetime(2026, 6, 5), "Milestone": "Soon: " + PAYLOAD,
                                    "Why it matters": PAYLOAD, "Status": "Upcoming"})
    # An unknown column whose header is the payload: the check warns, and the warning quotes it.
    book["Labs"].cell(row=1, column=30, value=PAYLOAD)


@pytest.fixture(scope="module")
def hostile_briefing(tmp_path_factory: pytest.TempPathFactory) -> Briefing:
    path = tmp_path_factory.mktemp("hostile") / "tracker.xlsx"
    shutil.copyfile(SAMPLE, path)
    edit_workbook(path, _hostile)
    briefing = briefing_of(path)
    # What changed, with the payload in every string, as the history would report it.
    changes = Changes(
        previous_edition=dt.date(2026, 5, 25),
        rows=(RowChange("Labs", EVIL, "added"),
              RowChange("Events", PAYLOAD, "removed"),
              RowChange("Signals", PAYLOAD, "changed", (FieldChange(PAYLOAD, PAYLOAD, "Pays"),))),
        verdict_before="TOO EARLY", verdict_after=briefing.verdict.state, score_before=0.0,
        score_after=briefing.verdict.score, figures=(FigureMove("next_milestone", (PAYLOAD, None), ("x", None)),),
    )
    return dataclasses.replace(briefing, changes=changes)


def test_hostile_cells_stay_text(open_page: Any, hostile_briefing: Briefing, artifacts: Path) -> None:
    # Every section carries some of the payload.
    assert any(PAYLOAD[:40] in item.message for item in hostile_briefing.health)  # quoted, cut at 60 characters
    assert any(item.kind == "stale" for item in hostile_briefing.health)
    assert hostile_briefing.masthead.title.startswith(PAYLOAD)
    html = render_html(present(hostile_briefing))
    assert "<script>" not in html
    assert "<img" not in html
    for width in (390, 1280):
        page = open_page(html, width=width)
        page.page.wait_for_timeout(100)
        assert_dom_is_safe(page)
        text = page.text()
        assert "{{ 7*7 }}" in text and "{% raw %}" in text
        assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
        assert text.count("{{ 7*7 }}") >= 30
        assert page.js("document.title").startswith(PAYLOAD)
        assert page.errors == []
        assert page.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        # Every section shows the payload as text.
        for section_id in SECTION_IDS:
            if section_id in ("key-figures", "trend", "health"):
                continue  # figures and the trend are numbers; the next milestone is the sample's; health quotes
                # values cut short
            assert page.js(f"document.getElementById('{section_id}').textContent.includes('{{{{ 7*7 }}}}')"), \
                section_id
        page.page.screenshot(path=str(artifacts / f"html-hostile-{width}.png"), full_page=True)
    # The payload's source has a real https URL: it is linked, its query escaped inside the attribute.
    hrefs = open_page(html).js("Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    assert "https://example.com/?q=<script>alert(1)</script>&x=\"'>" in hrefs
    # The SVG labels carry the payload as text too.
    svg_text = open_page(html).js("Array.from(document.querySelectorAll('svg text, svg desc'))"
                                  ".map(t => t.textContent).join(' ')")
    assert "Evil <" in svg_text


def test_hostile_links_never_become_hrefs(open_page: Any, sample_briefing: Briefing) -> None:
    """The analysis only passes http(s)/mailto links; the page checks again and never links anything else."""
    briefing = sample_briefing
    for index, url in enumerate(HOSTILE_URLS):
        link = Link(f"source {index}", url)
        briefing = dataclasses.replace(
            briefing,
            sources=tuple(dataclasses.replace(s, link=link, url_text=url) for s in briefing.sources),
            labs=tuple(dataclasses.replace(lab, source=link) for lab in briefing.labs),
            timeline=tuple(dataclasses.replace(e, source=link) for e in briefing.timeline),
            latest_signals=tuple(dataclasses.replace(s, source=link) for s in briefing.latest_signals),
            verdict=dataclasses.replace(briefing.verdict, reasons=tuple(
                dataclasses.replace(r, source=link) for r in briefing.verdict.reasons)),
        )
        html = render_html(present(briefing))
        page = open_page(html)
        assert page.js("document.querySelectorAll('[href]:not(.workbook)').length") == 0, url
        assert_dom_is_safe(page)
        assert f"source {index}" in page.text()
        page.close()
    assert href(Link("x", "https://example.com/a")) == "https://example.com/a"
    assert href(Link("x", "mailto:desk@example.com")) == "mailto:desk@example.com"
    assert href(None) is None


SEED_URL = "https://example.com/seed?a=1&b=2"
QUOTED_URL = 'https://example.com/q?x="><script>alert(1)</script>'
LAB_URL = "https://deepseek.example/news"


def _linked(book: openpyxl.Workbook) -> None:
    set_cell(book, "Sources", "Source", "Seed report, 2026-05-27", "URL", SEED_URL)
    set_cell(book, "Sources", "Source", "Hugging Face Blog — Best Open-Source LLM Models 2026", "URL", QUOTED_URL)
    set_cell(book, "Labs", "Lab", "DeepSeek", "Source", LAB_URL)  # a link given directly in a Source cell
    # Cited by a row, so the Sources section lists it (a source no row cites is only counted).
    set_cell(book, "Labs", "Lab", "Zhipu", "Source", "Hugging Face Blog — Best Open-Source LLM Models 2026")


def test_links_a_reader_can_click(open_page: Any, sample_copy: Path) -> None:
    """A workbook with real links, one of them full of markup: exactly those links are clickable, by name."""
    html = render_html(present(briefing_of(edit_workbook(sample_copy, _linked))))
    page = open_page(html)
    assert_dom_is_safe(page)
    anchors = page.js("Array.from(document.querySelectorAll('a:not(.workbook)')).map(a => [a.closest('section').id,"
                      " a.textContent, a.getAttribute('href')])")
    assert {href for _, _, href in anchors} == {SEED_URL, QUOTED_URL, LAB_URL}
    seed = {section for section, text, href in anchors if href == SEED_URL}
    # The source's name links to its URL wherever a row cites it.
    assert seed == {"verdict", "labs", "evidence", "timeline", "sources"}
    assert {text for _, text, href in anchors if href == SEED_URL} == {"Seed report, 2026-05-27"}
    assert [(section, text) for section, text, href in anchors if href == QUOTED_URL] == [
        ("labs", "Hugging Face Blog — Best Open-Source LLM Models 2026"),
        ("sources", "Hugging Face Blog — Best Open-Source LLM Models 2026")]
    assert [text for section, text, href in anchors if href == LAB_URL] == [LAB_URL]
    assert not any("O-Mega" in text for _, text, _ in anchors)  # no URL: its name is plain text
    # The markup in the URL stayed inside the attribute: no element came of it.
    assert page.js("document.querySelectorAll('script').length") == 0
    # On paper the Sources section prints each address after its name.
    page.page.emulate_media(media="print")
    after = page.js("getComputedStyle(document.querySelector('#sources tbody a'), '::after').content")
    assert "attr(href)" in after or SEED_URL in after


def test_safe_links_are_links(open_page: Any, sample_briefing: Briefing) -> None:
    link = Link("Seed report", "https://example.com/seed?a=1&b=2")
    briefing = dataclasses.replace(
        sample_briefing, sources=tuple(dataclasses.replace(s, link=link) for s in sample_briefing.sources))
    page = open_page(render_html(present(briefing)))
    assert page.js("Array.from(document.querySelectorAll('#sources tbody a')).map(a => a.href)") == [
        "https://example.com/seed?a=1&b=2"] * len([s for s in sample_briefing.sources if s.cited])


def test_long_unbroken_text_wraps_inside_tables(open_page: Any, sample_briefing: Briefing) -> None:
    """Editors paste bare URLs as sources and long run-on strings: tables still fit, without scrolling."""
    url = "https://example.com/" + "a-very-long-path-segment-" * 8 + "?with=query&and=more"
    link = Link(url, url)
    briefing = dataclasses.replace(
        sample_briefing,
        sources=tuple(dataclasses.replace(s, name=url, link=link, url_text=url) for s in sample_briefing.sources),
        labs=tuple(dataclasses.replace(lab, source=link) for lab in sample_briefing.labs),
        timeline=tuple(dataclasses.replace(e, source=link, headline="x" * 150) for e in sample_briefing.timeline),
        latest_signals=tuple(dataclasses.replace(s, source=link, signal="y" * 150)
                             for s in sample_briefing.latest_signals),
    )
    html = render_html(present(briefing))
    for width in (390, 1280):
        page = open_page(html, width=width)
        assert page.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert page.js("Array.from(document.querySelectorAll('.table-wrap'))"
                       ".every(w => w.scrollWidth <= w.clientWidth + 1)"), width


def test_many_quarters_fit_the_page(open_page: Any, sample_briefing: Briefing) -> None:
    quarters = tuple(QuarterWeight(f"{2026 + n // 4}-Q{n % 4 + 1}", 0.6 * n, 0.6, 0.6 * n - 0.6, n + 1)
                     for n in range(8))
    html = render_html(present(dataclasses.replace(sample_briefing, quarters=quarters)))
    for width in (390, 1280):
        page = open_page(html, width=width)
        assert page.js("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), width
        rows = page.js("Array.from(document.querySelectorAll('#evidence .quarters tbody th')).map(t => t.textContent)")
        assert rows == [q.quarter for q in quarters]


# Other verdicts and states


def _spreading(book: openpyxl.Workbook) -> None:
    flagship_moves(book, "DeepSeek", "Closed", dt.datetime(2026, 5, 10), "DeepSeek moves its flagship to closed weights")


def test_spreading(open_page: Any, sample_copy: Path, artifacts: Path) -> None:
    briefing = briefing_of(edit_workbook(sample_copy, _spreading))
    assert briefing.verdict.state == "SPREADING"
    page = open_page(render_html(present(briefing)))
    assert page.js("document.querySelector('#verdict .state').textContent") == "SPREADING"
    assert page.js("document.querySelector('#verdict .verdict').classList.contains('verdict-spreading')")
    headline = page.js("document.querySelector('#verdict .headline').textContent")
    assert "DeepSeek" in headline and "spreading" in headline
    follower = page.js("(() => { const r = Array.from(document.querySelectorAll('#labs tbody tr'))"
                       ".find(r => r.textContent.includes('DeepSeek'));"
                       " return [r.className, r.querySelector('.weights').textContent.trim(),"
                       " r.querySelector('.role').textContent]; })()")
    assert follower == ["is-follower", "Closed", "Follower"]
    assert "1 of 4" in page.js("document.getElementById('key-figures').textContent")
    timeline = page.js("Array.from(document.querySelectorAll('#timeline tbody tr')).map(r => r.textContent)")
    assert len(timeline) == 3 and "DeepSeek" in timeline[1]
    assert page.js("document.querySelectorAll('#timeline tbody tr.is-pivot').length") == 1
    page.page.screenshot(path=str(artifacts / "html-spreading-1280.png"), full_page=True)


BADGE = """(() => {
  const b = document.querySelector('#verdict .state'); const s = getComputedStyle(b);
  const lum = c => { const v = c.match(/\\d+/g).slice(0, 3).map(x => x / 255)
    .map(x => x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const a = lum(s.color), z = lum(s.backgroundColor);
  return [b.textContent, s.backgroundColor, (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05)]; })()"""


def test_each_state_has_its_own_badge_colour(open_page: Any, sample_briefing: Briefing) -> None:
    colours = {}
    for state in ("REVERTED", "SPREADING", "LEANING PAYS", "LEANING REVERTS", "TOO EARLY"):
        verdict = dataclasses.replace(sample_briefing.verdict, state=state)
        text, colour, contrast = open_page(render_html(present(dataclasses.replace(sample_briefing, verdict=verdict)))).js(BADGE)
        assert text == state
        assert contrast >= 4.5, (state, contrast)  # WCAG AA
        colours[state] = colour
    assert len(set(colours.values())) == 5, colours


def test_changes_listed(open_page: Any, sample_briefing: Briefing) -> None:
    changes = Changes(
        previous_edition=dt.date(2026, 5, 25),
        rows=(RowChange("Labs", "DeepSeek", "changed", (FieldChange("Flagship weights", "Open", "Closed"),
                                                        FieldChange("Status since", "", "2026-05-10"))),
              RowChange("Events", "2026-05-10 · DeepSeek · Closed flagship", "added"),
              RowChange("Signals", "2026-Q2 · Old rumour", "removed")),
        verdict_before="TOO EARLY", verdict_after="SPREADING", score_before=-0.6, score_after=1.2,
        figures=(FigureMove("followers", (0, 4), (1, 4)),),
    )
    page = open_page(render_html(present(dataclasses.replace(sample_briefing, changes=changes))))
    text = page.js("document.getElementById('changes').innerText")
    assert "25\u00a0May\u00a02026" in text
    assert re.search(r"Verdict\s+changed: TOO EARLY\s*→\s*SPREADING", text)
    assert re.search(r"Score\s+moved \+1.80: \u22120.60\s*→\s*\+1.20", text)
    assert re.search(r"Key figure\s+Followers: 0 of 4\s*→\s*1 of 4", text)
    assert re.search(r"Flagship weights: Open\s*→\s*Closed", text)
    assert re.search(r"Status since: \(blank\)\s*→\s*10\u00a0May\u00a02026", text)  # a date column: house style
    assert re.search(r"Added\s+Events: 2026-05-10 · DeepSeek · Closed flagship", text, re.IGNORECASE)
    assert re.search(r"Removed\s+Signals: 2026-Q2 · Old rumour", text, re.IGNORECASE)


def test_score_move_shown_without_a_verdict_change(open_page: Any, sample_briefing: Briefing) -> None:
    changes = Changes(previous_edition=dt.date(2026, 5, 25), verdict_before="TOO EARLY", verdict_after="TOO EARLY",
                      score_before=-1.2, score_after=-0.6)
    text = open_page(render_html(present(dataclasses.replace(sample_briefing, changes=changes)))).js(
        "document.getElementById('changes').innerText")
    assert re.search(r"Score\s+moved \+0.60: \u22121.20\s*→\s*\u22120.60", text)
    assert "Verdict" not in text


def test_nothing_changed(open_page: Any, sample_briefing: Briefing) -> None:
    changes = Changes(previous_edition=dt.date(2026, 5, 25), verdict_before="TOO EARLY", verdict_after="TOO EARLY",
                      score_before=-0.6, score_after=-0.6)
    text = open_page(render_html(present(dataclasses.replace(sample_briefing, changes=changes)))).js(
        "document.getElementById('changes').innerText")
    assert "Nothing changed since the edition of 25\u00a0May\u00a02026." in text
    assert "First edition" not in text


def test_watchlist_overdue_and_soon_stand_out(open_page: Any, sample_briefing: Briefing) -> None:
    watch = (
        WatchItem(dt.date(2026, 5, 29), "Late thing", None, "Upcoming", None, -3, True, False),
        WatchItem(dt.date(2026, 6, 6), "Soon thing", "Why", "Upcoming", None, 5, False, True),
        WatchItem(dt.date(2026, 5, 1), "Done thing", None, "Happened", "It happened", -31, False, False),
        *sample_briefing.watchlist,
    )
    page = open_page(render_html(present(dataclasses.replace(sample_briefing, watchlist=watch))))
    rows = page.js("Array.from(document.querySelectorAll('#watchlist tbody tr')).map(r => [r.className,"
                   " r.querySelector('td[data-label=\"Days left\"]').innerText.trim()])")
    assert rows[0][0] == "is-overdue" and rows[0][1].lower() == "overdue 3 days overdue"
    assert rows[1][0] == "is-soon"
    assert "in 5 days" in rows[1][1] and "due soon" in rows[1][1].lower()
    assert rows[2][0] == "is-done"
    background = page.js("getComputedStyle(document.querySelector('#watchlist tr.is-overdue td')).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")


def test_data_health_for_readers_in_sentences(open_page: Any, sample_briefing: Briefing) -> None:
    """Readers get one or two sentences; the itemised list is the producer's (check, console, xlsx)."""
    health = (HealthItem("stale", "Signals row 3", "'X' was observed 40 days ago."),
              HealthItem("no-source", "Labs row 4", "'Zhipu' has no source."),
              HealthItem("warning", "Labs!M1", "Unknown column 'Extra' is ignored."))
    summary = HealthSummary(counted_signals=5, stale_signals=3, stale_after_days=28,
                            newest_observed=dt.date(2026, 5, 27), missing_sources=1, other_warnings=1)
    briefing = dataclasses.replace(sample_briefing, health=health, health_summary=summary,
                                   left_out=LeftOut(events=1, signals=1))
    text = open_page(render_html(present(briefing))).js("document.getElementById('health').innerText")
    assert ("3 of 5 counted signals were observed more than 28 days ago (the newest on 27\u00a0May\u00a02026): they "
            "still count, alongside 2 fresher signals.") in text
    assert "1 signal names no source, so readers cannot follow it up" in text
    assert "2 records dated after this edition were left out." in text
    assert "Signals row 3" not in text and "Zhipu" not in text
    assert "No problems: every counted signal is fresh and names a source." not in text
    # Said once on the whole page.
    assert open_page(render_html(present(briefing))).text().count("dated after this edition") == 1


def test_empty_sections_say_so(open_page: Any, sample_briefing: Briefing) -> None:
    briefing = dataclasses.replace(sample_briefing, quarters=(), latest_quarter=None, latest_signals=(), timeline=(),
                                   watchlist=(), sources=(), labs=())
    page = open_page(render_html(present(briefing)))
    assert page.js("document.querySelectorAll('svg').length") == 0
    text = page.text()
    for sentence in ("No signals count yet: none in the pivot's quarter or later.",
                     "No signals on the Signals sheet yet.", "No events since the pivot yet.",
                     "No milestones on the watchlist yet.", "No sources on the Sources sheet yet.",
                     "No labs on the Labs sheet yet."):
        assert sentence in text, sentence
    assert page.errors == []


# The pure pieces


def test_dates_in_free_text_never_break() -> None:
    assert str(nobreak("Seed report, 2026-05-27 <b>")) == \
        'Seed report, <span class="nowrap">2026-05-27</span> &lt;b&gt;'
    assert str(nobreak("due 2026-Q4")) == 'due <span class="nowrap">2026-Q4</span>'
    assert str(nobreak(None)) == ""
