"""The layouts place what report/present/ decided (issue 18 §2, "Done when"): no template and no renderer
cuts a list, picks a colour for a row or writes a sentence of its own.

A grep, in the test suite so CI holds it. It reads the files as text: a template's words outside its tags and
expressions, its expressions for slices and inline choices; a renderer's string literals (docstrings, errors,
the build's warnings to the producer and the SVG's own markup aside). Every module of report/render/ is read,
the charts among them (svg_charts.py, trend_chart.py, xlsx/chart.py, xlsx/trend.py): their titles, alt texts,
legends and labels come from report/present/ too. A sentence is four words or more; the charts are also drawn
with every word they are given replaced by a token, and must draw nothing else but figures, dates and the
workbook's own names, so a short label ("Net", "Score so far") cannot creep back in either.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from report.briefing import QuarterWeight, TimelineItem, Trend, TrendPoint
from report.present.charts import evidence_chart, timeline_chart
from report.present.trend import trend_view_of
from report.present.words import LAB_ROLES
from report.render.svg_charts import evidence_svg, timeline_svg
from report.render.trend_chart import trend_svg
from report.render.xlsx.chart import QuarterTable, add_evidence_chart
from report.render.xlsx.trend import add_trend_chart

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(p for p in (ROOT / "templates").glob("*.j2") if p.name != "_styles.html.j2")
RENDER = ROOT / "report" / "render"
# Every module of report/render/ and its xlsx package: the layouts, the charts, and the plumbing they write through.
RENDERERS = sorted(p for p in RENDER.glob("*.py") if p.name != "__init__.py") + sorted((RENDER / "xlsx").glob("*.py"))
CHARTS = {"svg_charts.py", "trend_chart.py", "xlsx/chart.py", "xlsx/trend.py"}

WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
SENTENCE_WORDS = 4  # a column heading ("Why it matters") is three words at most; a sentence is more

# What only a decision looks like in a template: a slice ([:limit], [-5:]), a row limit, a note computed
# from counts, an inline choice ({{ a if b else c }}) and a colour written out.
CHOICES = {
    "a slice": re.compile(r"\[\s*-?[\w.]*\s*:\s*-?[\w.]*\s*\]"),
    "a row limit": re.compile(r"\blimit\b"),
    "a computed note": re.compile(r"\bmore_note\b|\|\s*length\s*-"),
    "an inline choice": re.compile(r"\{\{[^}]*\bif\b[^}]*\belse\b[^}]*\}\}"),
    "a colour": re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|\brgb\("),
}


def template_words(source: str) -> list[str]:
    """The runs of words a template writes itself: everything outside comments, tags, expressions and markup."""
    text = re.sub(r"\{#.*?#\}", "", source, flags=re.DOTALL)
    text = re.sub(r"<mj-style>.*?</mj-style>", "", text, flags=re.DOTALL)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|<[^>]*>", "\x00", text, flags=re.DOTALL)
    return [" ".join(words) for chunk in text.split("\x00") if (words := WORD.findall(chunk))]


PRODUCER_CALLS = {"append", "parse_address", "check_header_text"}
# An SVG's own markup: tags, and every attribute but those a reader hears or sees (alt, title, aria-label).
MARKUP = re.compile(r'</?[\w:-]+|/?>|(?<![\w:-])(?!(?:alt|title|aria-label)=)[\w:-]+="[^"]*"')


def _called(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _literals(tree: ast.AST) -> Iterator[tuple[ast.expr, str]]:
    """Every string literal and its text; an f-string as one text, each value it formats a placeholder."""
    parts: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts.update(id(value) for value in node.values)
            yield node, "".join(v.value if isinstance(v, ast.Constant) else "\x00" for v in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            yield node, node.value


def literal_sentences(source: str) -> list[tuple[int, str]]:
    """A renderer's string literals of four words or more, docstrings, errors, warnings and markup aside."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))  # a docstring
        # What the producer is told (raise ..., warnings.append(...), the setting an address error names) is
        # not the reader's.
        if isinstance(node, ast.Raise) or (isinstance(node, ast.Call) and _called(node) in PRODUCER_CALLS):
            skip.update(id(sub) for sub in ast.walk(node))
    found = []
    for node, text in _literals(tree):
        if id(node) in skip:
            continue
        words = MARKUP.sub(" ", text)
        # Excel's page-footer codes ("&RPage &P of &N") are a format, not a sentence.
        if len(WORD.findall(words)) >= SENTENCE_WORDS and " " in words.strip() and "&" not in words:
            found.append((node.lineno, text))
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_write_no_sentence_of_their_own(template: Path) -> None:
    long = [run for run in template_words(template.read_text(encoding="utf-8"))
            if len(run.split()) >= SENTENCE_WORDS]
    assert long == [], f"{template.name} writes words of its own: {long}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_cut_no_list_and_choose_no_colour(template: Path) -> None:
    source = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL)
    found = {name: pattern.findall(source) for name, pattern in CHOICES.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}, template.name


@pytest.mark.parametrize("renderer", RENDERERS, ids=lambda p: str(p.relative_to(RENDER)))
def test_renderers_write_no_sentence_and_fall_back_to_nothing(renderer: Path) -> None:
    source = renderer.read_text(encoding="utf-8")
    name = str(renderer.relative_to(RENDER))
    assert literal_sentences(source) == [], name
    # Every renderer takes the Presentation alone: no Briefing, no present() of its own.
    assert not re.search(r"import[^\n]*\bBriefing\b|[:(,]\s*Briefing\b", source), name
    assert not re.search(r"(?<![\w.])present\(", source), name


def test_the_grep_sees_what_it_forbids() -> None:
    """The checks above fail on what they are for (each was also seen failing on the old templates and charts)."""
    assert template_words("<p>{{ x }} Built from the desk's workbook.</p>") == ["Built from the desk's workbook"]
    assert CHOICES["a slice"].search("{% for r in rows[:limit] %}")
    assert CHOICES["an inline choice"].search("{{ c.PAYS if d == 'pays' else c.REVERTS }}")
    assert literal_sentences('def f():\n    return "Every row of every list is here."\n')
    assert not literal_sentences('def f():\n    "A docstring of many words."\n    raise E("an error for the producer")\n')
    # A chart's sentence in an f-string, around the figures it formats, or in an SVG's <title>; not its markup.
    assert literal_sentences('t = f"Score so far {s}; the call needs {m}."\n')
    assert literal_sentences("""t = f'<title id="{n}-title">Trend across editions: the score</title>'\n""")
    assert literal_sentences("""t = f'<img alt="The score of each edition" src="{s}">'\n""")
    assert not literal_sentences("""t = f'<rect class="band plot" x="{x}" y="{y}" stroke-dasharray="6 5"/>'\n""")
    # Every module is read (a renamed folder would leave the grep reading nothing), the charts among them.
    read = {str(p.relative_to(RENDER)) for p in RENDERERS}
    assert {"html.py", "email.py", "jinja.py", "xlsx/__init__.py", "xlsx/briefing.py", "xlsx/sheets.py",
            "xlsx/writer.py", "xlsx/metrics.py"} | CHARTS <= read


# --- The charts draw only the words they are given ---------------------------------------------------------

# What a chart may draw of its own: figures (its ticks and nets, from numbers), and its axis' dates.
FIGURE = re.compile(r"[+\u2212]?[\d,.]+")
MONTH = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
AXIS_DATE = re.compile(rf"(\d{{1,2}} )?({MONTH})( \d{{4}})?|\d{{4}}")


def _tokens(view: Any, prefix: str = "") -> Any:
    """The view with every word it holds replaced by a token naming it (a lane's name, a point's texts too)."""
    changes: dict[str, object] = {}
    for field in dataclasses.fields(view):
        value = getattr(view, field.name)
        if isinstance(value, str):
            changes[field.name] = f"\u00a7{prefix}{field.name}\u00a7"
        elif field.name == "lanes":
            changes[field.name] = {lab: f"\u00a7lane {lab}\u00a7" for lab in value}
        elif field.name == "points":
            changes[field.name] = tuple(_tokens(p, f"point {i} ") for i, p in enumerate(value))
    return dataclasses.replace(view, **changes)


def _drawn(svg: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r"<(?:text|title|desc)\b[^>]*>([^<]*)<", svg)]


def _own_words(drawn: list[str], names: set[str]) -> list[str]:
    """What a chart drew that is neither a token it was given, a figure, an axis date nor one of `names`."""
    return [text for text in drawn if not text.startswith("\u00a7") and text not in names
            and not FIGURE.fullmatch(text) and not AXIS_DATE.fullmatch(text)]


def test_the_svg_charts_draw_only_the_words_they_are_given() -> None:
    quarters = [QuarterWeight(f"{2024 + i // 4}-Q{i % 4 + 1}", 1.0 + i, 0.5 * i, 1.0 + 0.5 * i, 2) for i in range(10)]
    evidence = evidence_svg(_tokens(evidence_chart(quarters, 2.0)))
    names = {part for q in quarters for part in q.quarter.split("-")}
    assert _own_words(_drawn(str(evidence)), names) == []
    assert evidence.alt == "\u00a7alt\u00a7"

    # Ten labs, more than the lanes drawn: the quietest share one lane, named by the chart's words too.
    labs = [f"Lab {i}" for i in range(10)]
    kinds = ["Closed flagship", "Reopened flagship", "Open-weight release", "Disclosure", "Other"]
    events = [TimelineItem(dt.date(2026, 4, 20) + dt.timedelta(days=3 * i), labs[i % 10], kinds[i % 5], "h", None,
                           None, i == 0) for i in range(40)]
    roles = {"Lab 0": LAB_ROLES.pivot, "Lab 3": LAB_ROLES.follower, "Lab 4": LAB_ROLES.watched}
    chart = _tokens(timeline_chart(events, dt.date(2026, 4, 20), dt.date(2026, 7, 1), roles))
    timeline = timeline_svg(chart)
    drawn = _drawn(str(timeline))
    assert _own_words(drawn, set(labs) | set(kinds)) == []
    assert "\u00a7others\u00a7" in drawn and "\u00a7lane Lab 0\u00a7" in drawn and "\u00a7lane Lab 3\u00a7" in drawn

    points = tuple(TrendPoint(dt.date(2026, 5, 4) + dt.timedelta(weeks=i), s, i // 3, 4)
                   for i, s in enumerate([0.5, -1.2, 2.4, 3.1, -0.3]))
    view = _tokens(trend_view_of(Trend(points, 2.0)))
    trend = trend_svg(view)
    assert _own_words(_drawn(str(trend)), {p.edition.text.replace("\u00a0", " ") for p in view.points}) == []


def _chart_words(path: Path) -> list[str]:
    """The words of every chart in an xlsx: titles, axis and series names."""
    with zipfile.ZipFile(path) as book:
        xml = "".join(book.read(name).decode() for name in book.namelist() if name.startswith("xl/charts/"))
    found = re.findall(r"<a:t>([^<]*)</a:t>|<c:tx><c:v>([^<]*)</c:v>", xml)
    return [html.unescape(title or name) for title, name in found]


def test_the_xlsx_charts_draw_only_the_words_they_are_given(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(str(tmp_path / "charts.xlsx"))
    sheet = book.add_worksheet("Charts")
    quarters = [QuarterWeight("2026-Q2", 1.2, 1.8, -0.6, 2), QuarterWeight("2026-Q3", 2.0, 0.3, 1.7, 3)]
    for row, q in enumerate(quarters, 1):
        sheet.write_row(row, 0, [q.quarter, q.pays, q.reverts, q.net])
    add_evidence_chart(book, sheet, QuarterTable(1, 2, 0, 1, 2, 3), [q.reverts for q in quarters],
                       _tokens(evidence_chart(quarters, 2.0)), (5, 0))
    points = (TrendPoint(dt.date(2026, 5, 4), 0.5, 0, 4), TrendPoint(dt.date(2026, 5, 11), 2.5, 1, 4))
    for row, p in enumerate(points, 30):
        sheet.write_row(row, 0, [p.score, p.followers])
    add_trend_chart(book, sheet, "Charts", 30, 31, 0, 1, _tokens(trend_view_of(Trend(points, 2.0))), (35, 0))
    book.close()
    words = _chart_words(tmp_path / "charts.xlsx")
    assert len(words) >= 10 and [w for w in words if not w.startswith("\u00a7")] == []
