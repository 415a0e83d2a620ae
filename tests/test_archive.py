"""`report archive`: the season's editions as a web archive, crawled, parsed as a feed, read at 390 px, rebuilt.

The expected trend points are the season generator's own literal figures (scripts/season.py `expected`), never
recomputed with the project's analysis.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
import season as generator
from conftest import Season, run_cli

from report.archive import ArchiveResult, archive
from report.build import build
from report.present.trend import FIRST_TREND


class _Links(HTMLParser):
    """Every href and src of a page, and every id it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("href", "src"):
            if found.get(name):
                self.links.append(str(found[name]))
        if found.get("id"):
            self.ids.add(str(found["id"]))


def links_of(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def digest(site: Path) -> dict[str, tuple[str, int]]:
    """Every file of the site: its SHA-256 and its modification time (ns)."""
    return {str(p.relative_to(site)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def site(season: Season, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ArchiveResult]:
    season.build_through(30)
    folder = tmp_path_factory.mktemp("site") / "archive"
    return folder, archive(folder, season.history)


def test_every_link_resolves_from_the_index(site: tuple[Path, ArchiveResult]) -> None:
    folder, result = site
    assert result.editions == 26 and result.notes == ()
    seen: set[Path] = set()
    queue = [folder / "index.html"]
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.add(page)
        parsed = links_of(page)
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                continue  # the sources' own links, out on the web
            assert not parts.scheme and not link.startswith("/"), f"{page.name}: {link} is not relative"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(folder)} links to {link}, which is not in the archive"
            assert folder.resolve() in target.parents or target.parent == folder.resolve()
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in links_of(target).ids, f"{link}: no such id"
            if target.suffix == ".html":
                queue.append(target)
    pages = {p for p in seen if p.parent.name == "editions"}
    assert len(pages) == 26  # every edition's page is reachable from the index
    # Each page links to its neighbours and the index.
    week2 = folder / "editions" / f"{generator.week(2).edition}.html"
    links = links_of(week2).links
    assert f"{generator.week(1).edition}.html" in links and f"{generator.week(3).edition}.html" in links
    assert "../index.html" in links
    # Over the month's gap the neighbours are the editions on either side of it.
    week19 = links_of(folder / "editions" / f"{generator.week(19).edition}.html").links
    assert f"{generator.week(14).edition}.html" in week19 and f"{generator.week(20).edition}.html" in week19
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count('href="editions/briefing-') == 26  # each edition's workbook, linked and present


def test_the_index_lists_editions_newest_first_with_their_verdicts(site: tuple[Path, ArchiveResult]) -> None:
    folder, _ = site
    index = (folder / "index.html").read_text(encoding="utf-8")
    dates = re.findall(r'<li class="edition" id="edition-(\d{4}-\d{2}-\d{2})"', index)
    assert dates == [w.edition.isoformat() for w in reversed(generator.editions())]
    for number in (1, 13, 30):
        expected = generator.expected(number)
        entry = index[index.index(f'id="edition-{generator.week(number).edition}"'):]
        entry = entry[: entry.index("</li>")]
        assert expected.state in entry
        assert f"{expected.score:+.2f}".replace("-", "\u2212") in entry


def test_the_feed_parses_without_errors_and_has_rfc_4287s_required_elements(
        site: tuple[Path, ArchiveResult]) -> None:
    folder, _ = site
    parsed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    feed = parsed.feed
    # RFC 4287 4.1.1: atom:id, atom:title, atom:updated, and atom:author (feed-level, so every entry has one).
    assert feed.id.startswith("urn:uuid:") and feed.title and feed.updated_parsed and feed.author
    assert len(parsed.entries) == 26
    ids = set()
    for entry in parsed.entries:
        # 4.1.2: atom:id, atom:title, atom:updated; a link (no content), and a summary.
        assert entry.id and entry.title and entry.updated_parsed and entry.summary
        assert entry.link.startswith("editions/") and entry.link.endswith(".html")
        ids.add(entry.id)
    assert len(ids) == 26
    newest = generator.expected(30)
    assert parsed.entries[0].link == f"editions/{generator.week(30).edition}.html"
    assert newest.state in parsed.entries[0].title and newest.state in parsed.entries[0].summary


def _points(html: str) -> list[tuple[str, float, int]]:
    return [(d, float(s), int(f)) for d, s, f in re.findall(
        r'data-edition="([\d-]+)" data-score="([^"]+)" data-followers="(\d+)"', html)]


def test_the_trend_points_are_the_generators_scores(site: tuple[Path, ArchiveResult]) -> None:
    folder, _ = site
    # The index: the latest 13 editions (12 before the newest, and the newest).
    shown = [w for w in generator.editions()][-13:]
    points = _points((folder / "index.html").read_text(encoding="utf-8"))
    assert [p[0] for p in points] == [w.edition.isoformat() for w in shown]
    for (_, score, followers), week in zip(points, shown, strict=True):
        expected = generator.expected(week.number)
        assert score == pytest.approx(expected.score, abs=1e-6)
        assert followers == len(expected.followers)
    # Week 20's own page, after the gap: only editions dated before it, the last 12 of them, then itself.
    page = (folder / "editions" / f"{generator.week(20).edition}.html").read_text(encoding="utf-8")
    literal = {4: -5.2, 5: -8.4, 6: -10.2, 7: -12.3, 8: -4.8, 9: -8.7, 10: -0.4, 11: -0.4, 12: -2.1, 13: -5.2,
               14: -7.2, 19: 0.6, 20: 5.1}
    assert [(d, s, f) for d, s, f in _points(page)] == [
        (generator.week(n).edition.isoformat(), pytest.approx(score, abs=1e-6), 1 if n >= 13 else 0)
        for n, score in literal.items()]
    for number, score in literal.items():
        assert generator.expected(number).score == score  # the literals are the generator's
    # Up in 4 (weeks 8, 10, 19, 20), down in 7, level once, from the literals above.
    assert "The score has gone from \u22125.20 to +5.10 over the last 12 editions, up in 4 and down in 7; " \
           "followers went from 0 to 1" in page


def test_an_edition_rebuilt_later_counts_only_the_editions_dated_before_it(season: Season, tmp_path: Path) -> None:
    season.build_through(30)
    out = tmp_path / "out"
    shutil.copytree(season.out, out)  # the history holds all 26 editions
    build(season.workbook(5), out, today=generator.week(30).edition)
    page = (out / f"briefing-{generator.week(5).edition}.html").read_text(encoding="utf-8")
    literal = {1: 3.1, 2: -4.1, 3: -5.9, 4: -5.2, 5: -8.4}
    assert [(d, s) for d, s, _ in _points(page)] == [
        (generator.week(n).edition.isoformat(), pytest.approx(score, abs=1e-6)) for n, score in literal.items()]
    assert all(generator.expected(n).score == score for n, score in literal.items())


def test_a_first_edition_says_there_is_none_to_compare(site: tuple[Path, ArchiveResult]) -> None:
    folder, _ = site
    page = (folder / "editions" / f"{generator.week(1).edition}.html").read_text(encoding="utf-8")
    assert FIRST_TREND in page
    assert "data-score=" not in page  # no chart of one point
    assert 'rel="prev"' not in page and 'rel="next"' in page


@pytest.mark.parametrize("name", ["index.html", f"editions/{generator.week(13).edition}.html"])
def test_the_index_and_pages_read_at_390_px_without_sideways_scroll(
        site: tuple[Path, ArchiveResult], browser: Any, artifacts: Path, name: str) -> None:
    folder, _ = site
    for width in (390, 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
        try:
            page.goto((folder / name).as_uri())
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            wide = page.evaluate(
                "Array.from(document.querySelectorAll('main *')).filter(e =>"
                " e.getBoundingClientRect().right > document.documentElement.clientWidth + 1"
                " && !e.closest('.table-wrap, .chart-figure')).map(e => e.tagName + '.' + e.className)")
            assert wide == []
            stem = "archive-index" if name == "index.html" else "archive-page"
            page.screenshot(path=str(artifacts / f"{stem}-{width}.png"), full_page=name != "index.html" or
                            width == 390)
        finally:
            page.close()


def test_writing_it_again_changes_no_byte(site: tuple[Path, ArchiveResult], season: Season) -> None:
    folder, _ = site
    before = digest(folder)
    again = archive(folder, season.history)
    assert again.written == () and again.unchanged == len(before)
    assert digest(folder) == before  # the same bytes, not even rewritten (same modification times)


def test_a_new_edition_rewrites_only_the_index_the_feed_its_page_and_its_neighbour(
        season: Season, tmp_path: Path) -> None:
    season.build_through(30)
    out = tmp_path / "out"
    shutil.copytree(season.out, out)
    last, before = generator.week(30).edition.isoformat(), generator.week(29).edition.isoformat()
    # The history as it stood before week 30 was built.
    with sqlite3.connect(out / "history.sqlite") as db:
        db.execute("DELETE FROM editions WHERE edition = ?", (last,))
        db.execute("DELETE FROM pages WHERE edition = ?", (last,))
    (out / f"briefing-{last}.xlsx").unlink()
    folder = tmp_path / "site"
    first = archive(folder, out / "history.sqlite")
    assert first.editions == 25
    build(season.workbook(30), out, today=generator.week(30).edition)
    second = archive(folder, out / "history.sqlite")
    assert set(second.written) == {"index.html", "feed.xml", f"editions/{last}.html",
                                   f"editions/briefing-{last}.xlsx", f"editions/{before}.html"}
    assert second.unchanged == len(first.written) - 3  # everything else left as it was
    assert not list(folder.glob(".archive-*"))  # the temporary folder is gone


def test_the_archive_command_prints_what_it_wrote(season: Season, tmp_path: Path) -> None:
    season.build_through(30)
    site = tmp_path / "site"
    done = run_cli("archive", str(site), "--history", str(season.history))
    assert done.returncode == 0, done.stderr
    # The first run writes every page and workbook: it says how many, and where to start, not 54 paths.
    assert done.stdout.splitlines() == [f"Archive of 26 editions in {site}: 54 files written, 0 unchanged.",
                                        f"Open {site}/index.html; the feed is {site}/feed.xml."]
    again = run_cli("archive", str(site), "--history", str(season.history))
    assert again.stdout.splitlines() == [f"Archive of 26 editions in {site}: 0 files written, 54 unchanged."]
    # A few files written (a week's run): each is named.
    (site / "feed.xml").unlink()
    (site / "index.html").write_text("stale", encoding="utf-8")
    week = run_cli("archive", str(site), "--history", str(season.history))
    assert week.stdout.splitlines() == [f"Archive of 26 editions in {site}: 2 files written, 52 unchanged.",
                                        f"{site}/feed.xml", f"{site}/index.html"]
    missing = run_cli("archive", str(tmp_path / "other"), "--history", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 2 and missing.stderr.startswith("Error: There is no history database")


@pytest.mark.parametrize(("scores", "sentence"), [
    ([1.2, 1.5, 1.4, 2.0, 2.6, 3.1, 3.4], "The score has risen in 5 of the last 6 editions, from +1.20 to +3.40"),
    ([0.6, -1.0, -2.2], "The score has fallen in 2 of the last 2 editions, from +0.60 to \u22122.20"),
    ([-0.6, -0.6, -0.6], "The score has held at \u22120.60 over the last 2 editions"),
    ([-0.6, -1.6], "The score has fallen since the previous edition, from \u22120.60 to \u22121.60"),
    ([-0.6], "First edition: there is no earlier edition to compare."),
])
def test_the_trend_in_words(scores: list[float], sentence: str) -> None:
    import datetime as dt

    from report.briefing import Trend, TrendPoint
    from report.present.trend import trend_view_of

    points = tuple(TrendPoint(dt.date(2026, 6, 1) + dt.timedelta(weeks=i), s, 0, 4) for i, s in enumerate(scores))
    assert trend_view_of(Trend(points, 2.0)).sentence.startswith(sentence)


def test_the_email_and_the_xlsx_carry_the_trend_too(season: Season) -> None:
    import email
    import email.policy
    import io
    import zipfile

    import openpyxl
    from PIL import Image

    files = season.files(20)
    message = email.message_from_bytes(files["eml"].read_bytes(), policy=email.policy.default)
    images = {part.get_filename(): part for part in message.walk() if part.get_content_type() == "image/png"}
    trend = images["trend.png"]
    picture = Image.open(io.BytesIO(trend.get_payload(decode=True)))
    assert picture.width == 1200  # drawn at twice the 600 px it is shown at: its 18-unit text is 11.25 px at 375
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    alt = re.search(r'<img[^>]+alt="(Trend across editions[^"]+)"', html)
    assert alt is not None and "20 Jul 2026: score \u22125.20, followers 1 of" in alt.group(1)
    assert "7 Sep 2026: score +5.10" in alt.group(1)
    # The xlsx: the Briefing sheet's trend table holds the generator's scores, and a native chart reads it.
    sheet = openpyxl.load_workbook(files["xlsx"])["Briefing"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    top = next(i for i, row in enumerate(rows) if row[0] == "Trend across editions")
    table = [row for row in rows[top + 3: top + 16]]
    assert [round(row[1], 6) for row in table] == [-5.2, -8.4, -10.2, -12.3, -4.8, -8.7, -0.4, -0.4, -2.1, -5.2,
                                                    -7.2, 0.6, 5.1]
    assert [row[3] for row in table] == [0] * 9 + [1] * 4
    with zipfile.ZipFile(files["xlsx"]) as book:
        charts = [book.read(name).decode() for name in book.namelist() if name.startswith("xl/charts/chart")]
    trend_chart = [c for c in charts if "Trend across editions" in c]
    assert len(trend_chart) == 1
    assert f"Briefing!$B${top + 4}:$B${top + 16}" in trend_chart[0]


def test_a_history_from_before_the_archive_is_brought_up_to_date(tmp_path: Path) -> None:
    from report.history import History
    from report.history.store import MIGRATIONS

    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as db:  # a version-1 history, as the previous release wrote it
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("PRAGMA application_id = 1380995668")  # "RPRT"
        db.execute("INSERT INTO meta VALUES ('application', 'report-history'), ('created_at', '2026-06-01')")
        db.execute("INSERT INTO editions VALUES ('2026-06-01', '2026-06-01T08:00:00+00:00', 'ab', '0.1.0', "
                   "'TOO EARLY', -0.6, '{\"followers\": 0, \"watched\": 4}', 5, '{}')")
        db.execute("INSERT INTO sends (edition, sent_at, recipients, message_id) VALUES ('2026-06-01', "
                   "'2026-06-01T09:00:00+00:00', 3, '<a@example.com>')")
        db.execute("PRAGMA user_version = 1")
    with History(path) as history:
        [row] = history.pages()
        [sent] = history.sends()
    assert (row.page, row.headline, row.followers, row.watched) == (None, "", 0, 4)
    assert (sent.sha256, sent.kind) == (None, "first")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    result = archive(tmp_path / "site", path)
    assert result.notes and "without its page" in result.notes[0]
    assert "page was not kept." in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes()).bozo is False


def test_a_write_that_fails_leaves_no_link_to_a_missing_page(season: Season, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from report import archive as archive_module
    from report.errors import OutputError

    season.build_through(30)
    out = tmp_path / "out"
    shutil.copytree(season.out, out)
    last = generator.week(30).edition.isoformat()
    with sqlite3.connect(out / "history.sqlite") as db:
        db.execute("DELETE FROM editions WHERE edition = ?", (last,))
    site = tmp_path / "site"
    real_rename = os.rename

    def no_rename(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    # A new site appears whole or not at all.
    monkeypatch.setattr(archive_module.os, "rename", no_rename)
    with pytest.raises(OutputError, match="Cannot write the archive"):
        archive(site, out / "history.sqlite")
    assert not site.exists() and not list(tmp_path.glob(".site.archive-*"))
    monkeypatch.setattr(archive_module.os, "rename", real_rename)
    archive(site, out / "history.sqlite")
    before = digest(site)

    # A new edition whose page cannot be put in place: nothing else moves first (its neighbour's "Next" link
    # would point at nothing), the index and the feed stay as they were.
    build(season.workbook(30), out, today=generator.week(30).edition)
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        if str(target).endswith(f"{last}.html"):
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(archive_module.os, "replace", replace)
    with pytest.raises(OutputError):
        archive(site, out / "history.sqlite")
    after = digest(site)
    assert after["index.html"] == before["index.html"] and after["feed.xml"] == before["feed.xml"]
    assert after == before and not list(site.glob(".archive-*"))
    for page in site.rglob("*.html"):
        for link in links_of(page).links:
            if not urlsplit(link).scheme:
                assert (page.parent / urlsplit(link).path).is_file(), (page, link)
    monkeypatch.setattr(archive_module.os, "replace", real_replace)
    assert len(archive(site, out / "history.sqlite").written) == 5  # the page, its workbook, its neighbour, index, feed


def test_each_page_is_the_page_built_at_the_time(site: tuple[Path, ArchiveResult], season: Season) -> None:
    folder, _ = site
    for number in (1, 13, 30):
        edition = generator.week(number).edition
        archived = (folder / "editions" / f"{edition}.html").read_text(encoding="utf-8")
        built = season.files(number)["html"].read_text(encoding="utf-8")
        # Take away what the archive adds (its navigation, twice, and the feed's link in the head): the rest is
        # the built page, byte for byte.
        without = re.sub(r'\n<nav class="archive-nav".*?</nav>', "", archived, count=1)  # under <main>
        without = re.sub(r'<nav class="archive-nav".*?</nav>\n', "", without, count=1)  # above </main>
        without = without.replace('<link rel="alternate" type="application/atom+xml" title="Feed" '
                                  'href="../feed.xml">\n', "", 1)
        assert without == built
        assert archived.count('class="archive-nav"') == 2


def test_the_emails_trend_reads_at_375_px(season: Season, browser: Any, artifacts: Path) -> None:
    import base64
    import email
    import email.policy

    message = email.message_from_bytes(season.files(20)["eml"].read_bytes(), policy=email.policy.default)
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            html = html.replace(f"cid:{cid[1:-1]}", "data:image/png;base64," + data)
    page = browser.new_page(viewport={"width": 375, "height": 800})  # type: ignore[attr-defined]
    try:
        page.set_content(html)
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        width = page.evaluate("document.querySelector('img[alt^=\"Trend across editions\"]')"
                              ".getBoundingClientRect().width")
        assert 300 <= width <= 375  # the 600-unit drawing shown across the phone: its 18-unit text is 9-11 px
        page.locator('img[alt^="Trend across editions"]').screenshot(path=str(artifacts / "email-trend-375.png"))
    finally:
        page.close()
