"""`report archive SITE_DIR`: the web archive of every edition, written from the history alone.

    SITE_DIR/index.html                        the trend across editions, then every edition, newest first
    SITE_DIR/feed.xml                          an Atom feed (RFC 4287, written by feedgen), newest first
    SITE_DIR/editions/2026-06-01.html          each edition's page, with links to the previous, the next, the index
    SITE_DIR/editions/briefing-2026-06-01.xlsx the edition's workbook, when its build's folder still has it

Each edition's page is the page built at the time, kept in the history when the edition was recorded
(compressed, beside its snapshot), not rebuilt from the snapshot: the archive shows exactly what readers were
shown (the check's warnings, the trend as of that edition, the words of the version of the tool that built it),
which a rebuild with today's code could not promise. The archive only adds a navigation bar (previous, index,
next) and, with the Web address setting, a canonical link.

Links between the archive's files are relative, so the folder can be served from anywhere; with a Web address
the feed's links and each page's canonical link are absolute. The same history always gives the same bytes
(nothing depends on the clock), and only files whose bytes change are written: a new edition rewrites the
index, the feed, its page and its neighbours' pages (their navigation). A new site is written whole in a
folder beside SITE_DIR and renamed into place. Later, changed files are written into a temporary folder inside
SITE_DIR first, then renamed into place, new files first, then changed pages, then the index and the feed, so
nothing links to a page that is not there yet; the folder is locked while it is written.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from . import __version__, palette
from .analysis import TREND_EDITIONS
from .analysis import web_address as base_url
from .briefing import Trend, TrendPoint
from .errors import OutputError
from .formatting import signed
from .history import History, PageRow
from .output import sync_folder
from .present.trend import band_caption, trend_view_of
from .present.words import NBSP, as_day, corrected_on, house_date
from .publish import open_history, taking_turns

EDITIONS = "editions"
TEMP_PREFIX = ".archive-"

# The index's own rules, beside the page's stylesheet (templates/_styles.html.j2).
INDEX_CSS = """\
.editions { list-style: none; margin: 0; padding: 0; }
.edition { border-top: 1px solid var(--rule); padding: 0.9rem 0; display: grid; gap: 0.3rem; }
.edition-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.3rem 0.9rem; }
.edition-date { font-weight: 700; font-size: 1.0625rem; }
.edition-score { font-variant-numeric: tabular-nums; color: var(--muted); }
.edition-headline { margin: 0; max-width: 70ch; overflow-wrap: anywhere; }
.edition-links { display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; font-size: 0.9375rem; }
.edition-corrected { color: var(--muted); font-size: 0.9375rem; }
.archive-intro { color: var(--muted); max-width: 65ch; }"""


@dataclass(frozen=True)
class ArchiveResult:
    """What `archive` did: the files it wrote (relative to the site), how many it left as they were."""

    site: Path
    editions: int
    written: tuple[str, ...]
    unchanged: int
    notes: tuple[str, ...]


def page_name(edition: dt.date) -> str:
    return f"{EDITIONS}/{edition.isoformat()}.html"


def xlsx_name(edition: dt.date) -> str:
    return f"{EDITIONS}/briefing-{edition.isoformat()}.xlsx"


def archive(site: Path, history_path: Path) -> ArchiveResult:
    """Write the web archive of the history at `history_path` into `site` (see the module docstring)."""
    with open_history(history_path) as history:
        rows = history.pages()
        settings = _latest_settings(history, rows)
    if not rows:
        raise OutputError(f"{history_path} records no edition yet: build one first.")
    files, notes = site_files(rows, settings)
    written, unchanged = write_site(site, files)
    return ArchiveResult(site, len(rows), tuple(written), unchanged, tuple(notes))


def _latest_settings(history: History, rows: list[PageRow]) -> dict[str, object]:
    if not rows:
        return {}
    latest = history.previous(rows[-1].edition + dt.timedelta(days=1))
    settings = latest.snapshot.get("settings") if latest is not None else None
    return dict(settings) if isinstance(settings, dict) else {}


# --- The files ---------------------------------------------------------------------------------------------

def site_files(rows: list[PageRow], settings: dict[str, object]) -> tuple[dict[str, bytes], list[str]]:
    """Every file of the site by its path relative to the site, and notes on what could not be kept."""
    web = base_url(str(settings.get("web_address") or "")) or next(
        (base_url(r.web_address) for r in reversed(rows) if r.web_address), None)
    files: dict[str, bytes] = {}
    notes: list[str] = []
    xlsx: dict[dt.date, bytes] = {}
    for row in rows:
        data = _xlsx_of(row)
        if data is not None:
            xlsx[row.edition] = data
            files[xlsx_name(row.edition)] = data
    for index, row in enumerate(rows):
        if row.page is None:
            notes.append(f"Edition {row.edition.isoformat()} was recorded without its page (built before the "
                         "archive kept pages, or without the html format): it is listed without one.")
            continue
        before = next((r for r in reversed(rows[:index]) if r.page is not None), None)
        after = next((r for r in rows[index + 1:] if r.page is not None), None)
        files[page_name(row.edition)] = archived_page(row.page, row.edition, before, after, web)
    files["index.html"] = index_page(rows, settings, web, set(xlsx)).encode("utf-8")
    files["feed.xml"] = feed(rows, settings, web)
    return files, notes


def _xlsx_of(row: PageRow) -> bytes | None:
    if not row.folder:
        return None
    try:
        return (Path(row.folder) / f"briefing-{row.edition.isoformat()}.xlsx").read_bytes()
    except OSError:
        return None


def _nav(edition: dt.date, before: PageRow | None, after: PageRow | None) -> Markup:
    """Previous, all editions, next: relative links, laid out to wrap on a phone."""
    links = []
    if before is not None:
        links.append(Markup('<a rel="prev" href="{}">\u2190 Previous: {}</a>').format(
            f"{before.edition.isoformat()}.html", house_date(before.edition)))
    links.append(Markup('<a href="../index.html">All editions</a>'))
    if after is not None:
        links.append(Markup('<a rel="next" href="{}">Next: {} \u2192</a>').format(
            f"{after.edition.isoformat()}.html", house_date(after.edition)))
    style = ("display:flex;flex-wrap:wrap;gap:0.4rem 1.5rem;margin:0 0 1.25rem;padding:0.6rem 0;"
             f"border-bottom:1px solid {palette.RULE};font-size:0.9375rem")
    return Markup('<nav class="archive-nav" aria-label="Editions" style="{}">{}</nav>').format(
        style, Markup("").join(links))


def archived_page(page: bytes, edition: dt.date, before: PageRow | None, after: PageRow | None,
                  web: str | None) -> bytes:
    """The page as built, with the archive's navigation above and below its content and, with a Web address,
    its canonical link; the feed is named in the head so a browser can offer it."""
    html = page.decode("utf-8")
    nav = str(_nav(edition, before, after))
    head = '<link rel="alternate" type="application/atom+xml" title="Feed" href="../feed.xml">\n'
    if web:
        head = (str(Markup('<link rel="canonical" href="{}">\n').format(f"{web}{page_name(edition)}"))
                + head.replace('href="../feed.xml"', f'href="{escape(web)}feed.xml"'))
    html = html.replace("</head>", head + "</head>", 1)
    if '<main class="page">' in html:
        html = html.replace('<main class="page">', '<main class="page">\n' + nav, 1)
        html = html.replace("</main>", nav + "\n</main>", 1)
    else:  # a page from another version of the layout: the navigation goes first in the body
        html = html.replace("<body>", "<body>\n" + nav, 1)
    return html.encode("utf-8")


def _text(value: object) -> str | None:
    return " ".join(str(value).split()) if value not in (None, "") else None


def index_page(rows: list[PageRow], settings: dict[str, object], web: str | None, with_xlsx: set[dt.date]) -> str:
    """The index: the trend of the latest editions, then every edition, newest first."""
    from .render.jinja import environment
    from .render.trend_chart import trend_svg

    latest = rows[-1]
    margin = settings.get("call_margin")
    trend = Trend(tuple(TrendPoint(r.edition, r.score, r.followers, r.watched) for r in rows[-(TREND_EDITIONS + 1):]),
                  float(margin) if isinstance(margin, (int, float)) else 2.0)
    view = trend_view_of(trend)
    editions = []
    for row in reversed(rows):
        day = as_day(row.edition)
        editions.append({
            "iso": row.edition.isoformat(), "date": day, "state": row.state,
            "figures": f"Score {signed(row.score)} \u00b7 followers {row.followers} of {row.watched}",
            "headline": row.headline or "(no headline recorded)",
            "corrected": corrected_on(row.corrected_on) if row.corrected_on else None,
            "page": page_name(row.edition) if row.page is not None else None,
            "xlsx": xlsx_name(row.edition) if row.edition in with_xlsx else None,
        })
    title = _text(settings.get("title")) or "The briefing"
    count = len(rows)
    words = {
        "intro": (f"Every edition, newest first: {count} edition{'s' if count != 1 else ''} from "
                  f"{house_date(rows[0].edition)} to {house_date(latest.edition)}. Follow new editions with the"),
        "feed": "Atom feed",
        "caption": band_caption("the latest editions", view.margin),
        "not_kept": "This edition's page was not kept.",
        "footer": "the archive of every edition, written by report from its history.",
        "read": "Read the edition",
        "xlsx": "The workbook (xlsx)",
    }
    return environment().get_template("archive_index.html.j2").render(
        title=title, publication=_text(settings.get("publication")), palette=palette.CSS, words=words,
        css=Markup(INDEX_CSS),
        canonical=f"{web}index.html" if web else None, feed_url=f"{web}feed.xml" if web else "feed.xml",
        trend=view, trend_chart=trend_svg(view) if not view.first else None, editions=editions,
    )


def _when(stamp: str) -> dt.datetime:
    """A history timestamp (ISO, UTC) as an aware datetime; a date alone is its midnight UTC."""
    try:
        value = dt.datetime.fromisoformat(stamp)
    except ValueError:
        value = dt.datetime(2000, 1, 1)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _story_id(settings: dict[str, object], *parts: str) -> str:
    """An id that never changes for this story (its pivot lab and date), whatever the title or address."""
    story = f"report:{settings.get('pivot_lab')}:{settings.get('pivot_date')}"
    return uuid.uuid5(uuid.NAMESPACE_URL, ":".join((story, *parts))).urn


def feed(rows: list[PageRow], settings: dict[str, object], web: str | None) -> bytes:
    """The Atom feed of every edition, newest first (feedgen writes the XML; nothing here reads the clock)."""
    from feedgen.feed import FeedGenerator

    title = _text(settings.get("title")) or "The briefing"
    author = _text(settings.get("editor")) or _text(settings.get("publication")) or title
    base = web or ""
    fg = FeedGenerator()
    fg.id(_story_id(settings, "feed"))
    fg.title(title)
    if _text(settings.get("publication")):
        fg.subtitle(f"{_text(settings.get('publication'))}: every edition of the weekly briefing")
    fg.author({"name": author})
    fg.link(href=f"{base}index.html", rel="alternate", type="text/html")
    if web:
        fg.link(href=f"{web}feed.xml", rel="self", type="application/atom+xml")
    fg.language("en")
    fg.generator("report", version=__version__)
    fg.updated(max(_when(r.built_at) for r in rows))
    for row in reversed(rows):
        entry = fg.add_entry(order="append")
        entry.id(_story_id(settings, "edition", row.edition.isoformat()))
        day = house_date(row.edition).replace(NBSP, " ")
        entry.title(f"{day}: {row.state}" + (" (corrected)" if row.corrected_on else ""))
        entry.updated(_when(row.built_at))
        entry.published(dt.datetime.combine(row.edition, dt.time(), dt.UTC))
        href = f"{base}{page_name(row.edition)}" if row.page is not None else f"{base}index.html#edition-{row.edition}"
        entry.link(href=href, rel="alternate", type="text/html")
        score = signed(row.score)
        corrected = f" {corrected_on(row.corrected_on).replace(NBSP, ' ')}." if row.corrected_on else ""
        entry.summary(f"{row.state}, score {score}, followers {row.followers} of {row.watched}. "
                      f"{row.headline}{corrected}")
        entry.category(term=row.state)
    return bytes(fg.atom_str(pretty=True))


# --- Writing -----------------------------------------------------------------------------------------------

def write_site(site: Path, files: dict[str, bytes]) -> tuple[list[str], int]:
    """Write the files whose bytes differ from what `site` holds, all through a temporary folder then renames;
    (the files written, the number left as they were). A new site is written whole beside its place and renamed
    into it, so it appears complete or not at all."""
    try:
        site.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"Cannot create the folder for the archive {site} ({error.strerror}): choose a folder "
                          "you can write to.") from error
    with taking_turns([site.parent]):
        for stray in site.parent.glob(f".{site.name}{TEMP_PREFIX}*"):  # a killed first run's folder
            shutil.rmtree(stray, ignore_errors=True)
        if not site.exists() or (site.is_dir() and not any(site.iterdir())):
            return _write_new(site, files), 0
    with taking_turns([site]):
        for stray in site.glob(TEMP_PREFIX + "*"):  # a killed run's temporary folder: nothing in it was placed
            shutil.rmtree(stray, ignore_errors=True)
        changed = [name for name, data in files.items() if _read(site / name) != data]
        if not changed:
            return [], len(files)
        # New files first, then the pages that change (a neighbour's new "Next" link), then the index and the
        # feed: a run stopped half-way leaves new pages nothing links to yet, never a link to a missing page.
        changed.sort(key=lambda name: (name in ("index.html", "feed.xml"), (site / name).exists(), name))
        temporary = site / f"{TEMP_PREFIX}{os.getpid()}"
        try:
            (site / EDITIONS).mkdir(exist_ok=True)
            temporary.mkdir()
            staged = []
            for number, name in enumerate(changed):
                path = temporary / f"{number}.tmp"
                _write_synced(path, files[name])
                staged.append((path, site / name))
            sync_folder(temporary)
            for path, target in staged:
                os.replace(path, target)
            sync_folder(site / EDITIONS)
            sync_folder(site)
        except OSError as error:
            raise _cannot_write(site, error) from error
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    return changed, len(files) - len(changed)


def _write_new(site: Path, files: dict[str, bytes]) -> list[str]:
    """A site written whole in a folder beside its place, then renamed into it."""
    temporary = site.parent / f".{site.name}{TEMP_PREFIX}{os.getpid()}"
    try:
        shutil.rmtree(temporary, ignore_errors=True)
        (temporary / EDITIONS).mkdir(parents=True)
        for name, data in files.items():
            _write_synced(temporary / name, data)
        sync_folder(temporary / EDITIONS)
        sync_folder(temporary)
        if site.is_dir():
            site.rmdir()  # empty (checked under the lock): the new site takes its place
        os.rename(temporary, site)
        sync_folder(site.parent)
    except OSError as error:
        raise _cannot_write(site, error) from error
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return sorted(files, key=lambda name: (name in ("index.html", "feed.xml"), name))


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _cannot_write(site: Path, error: OSError) -> OutputError:
    return OutputError(f"Cannot write the archive in {site} ({error.strerror}): check the folder and free space, "
                       "then run report archive again; the archive is as it was, or has new pages that nothing "
                       "links to yet.")


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
