"""Issue 18 at a season's size: the charts (scale, band, labels, legend, lanes), the email on a phone, the text
part's lines, print, and numbers, judged on the sample and the season's weeks 1, 13 and 26 with real tools
(Chromium, pdftoppm, pdftotext, openpyxl, the email package). Expectations are literal."""

from __future__ import annotations

import email.policy
import re
import subprocess
import zipfile
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from conftest import SAMPLE, Season, run_cli
from markupsafe import Markup
from PIL import Image

from report import safety
from report.present.charts import evidence_chart, timeline_chart
from report.present.words import LAB_ROLES
from report.render import svg_charts

SVG = re.compile(r'<svg[^>]*class="chart chart-(\w+)".*?</svg>', re.DOTALL)


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sample")
    done = run_cli("build", str(SAMPLE), "-o", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return {fmt: out / f"briefing-2026-06-01.{fmt}" for fmt in ("xlsx", "html", "eml")}


def charts_of(html: Path) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in SVG.finditer(html.read_text(encoding="utf-8"))}


def message(path: Path) -> EmailMessage:
    parsed = BytesParser(policy=email.policy.default).parsebytes(path.read_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def texts(svg: str, pattern: str) -> list[str]:
    return re.findall(pattern, svg)


# --- The evidence chart -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("low", "high", "ticks"), [
    (-2.4, 2.4, ["\u22123", "\u22122", "\u22121", "0", "+1", "+2", "+3"]),
    (-110.4, 113.5, ["\u2212150", "\u2212100", "\u221250", "0", "+50", "+100", "+150"]),
    (-0.3, 0.2, ["\u22120.3", "\u22120.2", "\u22120.1", "0", "+0.1", "+0.2"]),
    (-7.1, 3.1, ["\u22128", "\u22126", "\u22124", "\u22122", "0", "+2", "+4"]),
    (-7, 5, ["\u22127.5", "\u22125.0", "\u22122.5", "0", "+2.5", "+5.0"]),
    (-1234, 987, ["\u22121,500", "\u22121,000", "\u2212500", "0", "+500", "+1,000"]),
])
def test_the_scale_has_round_ticks_that_cover_the_data(low: float, high: float, ticks: list[str]) -> None:
    scale = svg_charts.nice_scale(low, high)
    assert [scale.label(t) for t in scale.ticks] == ticks
    assert scale.low <= low and scale.high >= high


def test_week_26s_evidence_chart_is_drawn_to_its_weights(season: Season) -> None:
    svg = charts_of(season.files(26)["html"])["evidence"]
    # The season's quarters weigh about a hundred each way: round ticks 50 apart cover them.
    assert texts(svg, r'text-anchor="end" fill="#57606a">([^<]+)</text>') == [
        "\u2212100", "\u221250", "0", "+50", "+100"]
    legend = svg[svg.index('<g class="legend">'):]
    assert texts(legend, r"<text [^>]*>([^<]+)</text>") == [
        "Pays", "Reverts", "Net", "Score so far \u22122.40", "Call margin \u00b12.0"]
    # The legend's words are the plot's: "Net" heads the row of net figures under the quarters.
    assert ">Net</text>" in svg[: svg.index('<g class="legend">')]
    assert 'class="band"' in svg


def test_the_legend_lists_only_what_is_drawn() -> None:
    from report.briefing import QuarterWeight

    svg = str(svg_charts.evidence_svg(evidence_chart([QuarterWeight("2026-Q2", 1.2, 0.0, 1.2, 2)], 2.0)))
    legend = svg[svg.index('<g class="legend">'):]
    # No reverts weight, no blue bar: the legend has no "Reverts" either.
    assert texts(legend, r"<text [^>]*>([^<]+)</text>") == ["Pays", "Net", "Score so far +1.20", "Call margin \u00b12.0"]
    assert svg.count('class="bar"') == 1


@pytest.mark.parametrize("which", ["sample", "week 1", "week 13", "week 26"])
def test_no_label_touches_a_bar_or_a_line(browser, season: Season, sample_files, which: str) -> None:  # type: ignore[no-untyped-def]
    html = sample_files["html"] if which == "sample" else season.files(int(which.split()[1]))["html"]
    svg = charts_of(html)["evidence"]
    page = browser.new_page(viewport={"width": 700, "height": 900})
    try:
        page.set_content(f"<!doctype html><body style='margin:0'>{svg}</body>")
        found = page.evaluate("""() => {
            const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
            const shapes = Array.from(document.querySelectorAll('g.plot > *')).map(e => [e.outerHTML.slice(0, 60), box(e)]);
            const labels = Array.from(document.querySelectorAll('svg > text, svg > g:not(.legend) text'))
                .map(t => [t.textContent, box(t)]);
            const hits = [];
            for (const [words, a] of labels) for (const [what, b] of shapes)
                if (a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5) hits.push([words, what]);
            const ticks = Array.from(document.querySelectorAll('g.plot line[stroke="#d0d7de"]')).map(l => +l.getAttribute('y1'));
            const bars = Array.from(document.querySelectorAll('rect.bar')).map(box);
            return {hits, labels: labels.length, bars, top: Math.min(...ticks), bottom: Math.max(...ticks)};
        }""")
    finally:
        page.close()
    assert found["labels"] > 5 and found["hits"] == []
    # Every bar inside the outermost ticks: the scale covers the data.
    assert found["bars"] and all(found["top"] - 0.5 <= b[1] and b[3] <= found["bottom"] + 0.5 for b in found["bars"])


def test_the_xlsx_chart_is_drawn_to_the_pages_scale(season: Season) -> None:
    with zipfile.ZipFile(season.files(26)["xlsx"]) as archive:
        # The evidence chart by its title (the Briefing sheet's trend chart comes first in the file).
        xml = next(text for name in archive.namelist() if name.startswith("xl/charts/chart")
                   if "Evidence by quarter" in (text := archive.read(name).decode()))
    value_axis = xml[xml.index("<c:valAx>"):]
    assert '<c:max val="100.0"/>' in value_axis and '<c:min val="-100.0"/>' in value_axis
    assert '<c:majorUnit val="50.0"/>' in value_axis


# --- The timeline -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("week", [13, 26])
def test_the_pivot_lab_and_the_follower_keep_their_lanes_and_names_show_whole(season: Season, week: int) -> None:
    svg = charts_of(season.files(week)["html"])["timeline"]
    bold = texts(svg, r'fill="#a84300" font-weight="bold">([^<]+)</text>')
    assert bold == ["Alibaba \u00b7 Pivot lab", "Moonshot Kimi \u00b7 Follower"]
    words = texts(svg, r"<text [^>]*>([^<]+)</text>")
    assert "Beijing Academy of Artificial Intelligence" in words and not any("\u2026" in w for w in words)


def test_a_quiet_follower_is_never_folded_into_other_labs() -> None:
    import datetime as dt

    from report.briefing import TimelineItem

    day = dt.date(2026, 5, 1)
    busy = [TimelineItem(day + dt.timedelta(days=i), f"Busy lab {i % 10}", "Disclosure", "h", None, None, False)
            for i in range(60)]
    quiet = TimelineItem(dt.date(2026, 7, 16), "Quiet Lab", "Closed flagship", "h", None, None, False)
    pivot = TimelineItem(dt.date(2026, 4, 20), "Alibaba", "Closed flagship", "h", None, None, True)
    chart = timeline_chart([pivot, *busy, quiet], dt.date(2026, 4, 20), dt.date(2026, 8, 3),
                           {"Alibaba": LAB_ROLES.pivot, "Quiet Lab": LAB_ROLES.follower})
    svg = str(svg_charts.timeline_svg(chart))
    assert texts(svg, r'fill="#a84300" font-weight="bold">([^<]+)</text>') == [
        "Alibaba \u00b7 Pivot lab", "Quiet Lab \u00b7 Follower"]
    assert ">Other labs</text>" in svg


@pytest.mark.parametrize("week", [13, 26])
def test_the_page_and_the_email_draw_the_same_timeline(season: Season, week: int) -> None:
    files = season.files(week)
    svg = charts_of(files["html"])["timeline"]
    size = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert size is not None
    alt = re.search(r"<desc[^>]*>([^<]+)</desc>", svg)
    assert alt is not None
    drawn = svg_charts.ChartSvg("timeline", Markup(svg), int(size.group(1)), int(size.group(2)), alt.group(1))
    [png] = [p.get_content() for p in message(files["eml"]).walk() if p.get_filename() == "timeline.png"]
    assert png == svg_charts.png(drawn)


# --- The email on a phone -----------------------------------------------------------------------------------

def email_html(path: Path) -> str:
    body = message(path).get_body(("html",))
    assert body is not None
    html = body.get_content()
    # Inline the cid: images as data: URIs, as a mail client shows them.
    import base64
    for part in message(path).walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{cid.strip('<>')}", f"data:image/png;base64,{data}")
    return html


def test_chart_images_have_no_fixed_height_and_outlook_sizes(season: Season) -> None:
    html = email_html(season.files(26)["eml"])
    imgs = re.findall(r'<img class="chart"[^>]*>', html)
    assert len(imgs) == 2
    for img in imgs:
        style = re.search(r'style="([^"]*)"', img)
        assert style is not None and "height:auto" in style.group(1).replace(" ", "")
        assert not re.search(r"(?<![-\w])height:\s*\d", style.group(1)), img[:200]
        assert re.search(r'\swidth="560"', img) and re.search(r'\sheight="\d+"', img)


@pytest.mark.parametrize("which", ["sample", "week 26"])
def test_charts_keep_their_aspect_inside_the_text_margins_at_every_phone_width(browser, season: Season,  # type: ignore[no-untyped-def]
                                                                             sample_files, which: str) -> None:
    eml = sample_files["eml"] if which == "sample" else season.files(26)["eml"]
    html = email_html(eml)
    for width in (320, 375, 414, 480, 600):
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.set_content(html)
            found = page.evaluate("""() => Array.from(document.querySelectorAll('img.chart')).map(img => {
                const r = img.getBoundingClientRect();  // the frame; the picture is its client box
                const text = document.querySelector('h2').getBoundingClientRect();
                return {ratio: img.clientWidth / img.clientHeight, natural: img.naturalWidth / img.naturalHeight,
                        left: r.left, right: r.right, textLeft: text.left, textRight: text.left + text.width}; })""")
        finally:
            page.close()
        assert len(found) == 2, width
        for img in found:
            assert abs(img["ratio"] / img["natural"] - 1) < 0.01, (width, img)
            assert img["left"] >= img["textLeft"] - 0.5 and img["right"] <= width - img["textLeft"] + 0.5, (width, img)


def test_charts_are_framed_and_dimmed_in_dark_mode(browser, sample_files) -> None:  # type: ignore[no-untyped-def]
    html = email_html(sample_files["eml"])
    seen = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 375, "height": 900}, color_scheme=scheme)
        try:
            page.set_content(html)
            seen[scheme] = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('img.chart'));
                return [s.opacity, s.borderTopWidth, s.borderTopColor]; }""")
        finally:
            page.close()
    assert seen["light"] == ["1", "1px", "rgb(208, 215, 222)"]
    assert seen["dark"] == ["0.86", "1px", "rgb(61, 68, 77)"]


def test_from_shows_the_publication_by_name(sample_files) -> None:  # type: ignore[no-untyped-def]
    assert message(sample_files["eml"])["From"] == "The open-weights desk <briefing@example.com>"


def test_a_display_name_holds_no_header_or_address_syntax() -> None:
    assert safety.display_name('Desk <evil@example.com>\r\nBcc: x@example.com "q"') == (
        "Desk evil example.com Bcc: x example.com q")
    assert safety.display_name("Le Bureau\u200b") == "Le Bureau"
    assert len(safety.display_name("x" * 200)) == safety.DISPLAY_NAME_LIMIT


# --- The text part ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["sample", "week 1", "week 13", "week 26"])
def test_the_text_part_is_wrapped_at_76_with_hanging_indents(season: Season, sample_files, which: str) -> None:  # type: ignore[no-untyped-def]
    eml = sample_files["eml"] if which == "sample" else season.files(int(which.split()[1]))["eml"]
    body = message(eml).get_body(("plain",))
    assert body is not None
    lines = body.get_content().splitlines()
    long = [line for line in lines if len(line) > 78]
    # Only a link longer than a line may pass 78, alone on its line.
    assert all(re.fullmatch(r"\s*<?https?://\S+", line) for line in long), long


def test_a_wrapped_row_hangs_under_its_text(sample_files) -> None:  # type: ignore[no-untyped-def]
    body = message(sample_files["eml"]).get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert ("     +1.20 pays  Chinese-cloud customer traction on Max-Preview reportedly\n"
            "                 strong (Pays, Reported, strength 2; Alibaba)\n") in text
    assert ("Followers:            0 of 4 (watched labs have followed Alibaba into closed\n"
            "                      weights)\n") in text
    assert ("\n  *  No watched lab has closed its flagship since the pivot on 20\u00a0Apr\u00a02026\n"
            "     (0 of 4).\n") in text


# --- Print --------------------------------------------------------------------------------------------------

def print_pdf(browser, html: Path, out: Path) -> Path:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    try:
        page.goto(html.as_uri())
        page.pdf(path=str(out), format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        page.close()
    return out


def blank_fractions(pdf: Path, folder: Path) -> list[float]:
    """Per page, the share of its height under the last inked row (pdftoppm at 30 dpi, grey)."""
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), str(folder / "p")], check=True, timeout=120)
    shares = []
    for png in sorted(folder.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1])):
        picture = Image.open(png).convert("L")
        width, height = picture.size
        pixels = picture.load()
        assert pixels is not None
        last = max((y for y in range(height) if any(pixels[x, y] < 200 for x in range(0, width, 2))), default=0)
        shares.append(1 - last / height)
    return shares


@pytest.mark.parametrize(("which", "most"), [("sample", 3), ("week 26", 8)])
def test_print_fills_its_pages(browser, season: Season, sample_files, tmp_path: Path, which: str, most: int) -> None:  # type: ignore[no-untyped-def]
    html = sample_files["html"] if which == "sample" else season.files(26)["html"]
    shares = blank_fractions(print_pdf(browser, html, tmp_path / "page.pdf"), tmp_path)
    assert len(shares) <= most, shares
    assert all(share <= 1 / 3 for share in shares[:-1]), shares


def test_secondary_text_prints_smaller_than_the_text_it_annotates(browser, sample_files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = print_pdf(browser, sample_files["html"], tmp_path / "page.pdf")
    done = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60)
    heights: dict[str, list[float]] = {}
    for y_min, y_max, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>',
                                         done.stdout):
        heights.setdefault(word, []).append(float(y_max) - float(y_min))

    def largest(word: str) -> float:
        return max(heights[word])

    def smallest(word: str) -> float:
        return min(heights[word])

    # A lab's country under its name; a reason's detail under its text; a table's caption over its cells.
    assert largest("China") < smallest("DeepSeek")
    assert largest("Pays,") < smallest("Chinese-cloud")
    assert largest("Each") < smallest("Watched")


# --- Numbers and blanks -------------------------------------------------------------------------------------

def test_the_signals_sheet_keeps_numbers_and_units_apart_and_blanks_blank(season: Season) -> None:
    import openpyxl

    book = openpyxl.load_workbook(season.files(26)["xlsx"])
    ws = book["Signals"]
    assert [ws.cell(3, c).value for c in range(1, 7)] == ["Quarter", "Signal", "Lab", "Value", "Unit", "Points to"]
    rows = {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1)}
    row = rows["Price premium of Max-Preview over open-weight peers (week 25, #12)"]
    assert (ws.cell(row, 4).value, ws.cell(row, 5).value) == (79.5, "%")
    assert ws.cell(row, 4).number_format == '#,##0.0;"\u2212"#,##0.0'
    values = [ws.cell(r, 4).value for r in rows.values()]
    assert sum(isinstance(v, (int, float)) for v in values) > 250 and not any(isinstance(v, str) for v in values)
    # No text dash stands for a blank anywhere in the workbook.
    dashes = [(sheet.title, c.coordinate) for sheet in book for line in sheet.iter_rows() for c in line
              if isinstance(c.value, str) and c.value.strip() in ("\u2013", "-", "\u2014")]
    assert dashes == []


def test_a_unit_shows_the_same_decimals_in_the_workbook_and_on_the_page(season: Season) -> None:
    import openpyxl

    ws = openpyxl.load_workbook(season.files(26)["xlsx"])["Signals"]
    for unit, places in (("tokens/s", ".00"), ("%", ".0"), ("customers", "")):
        formats = {ws.cell(r, 4).number_format for r in range(4, ws.max_row + 1) if ws.cell(r, 5).value == unit}
        assert formats == {f'#,##0{places};"\u2212"#,##0{places}'}, unit  # 63.0 % beside 79.5 %, never 63 %
    html = season.files(26)["html"].read_text(encoding="utf-8")
    figures = re.findall(r'<span class="nowrap">([\d,.\u2212]+)</span> <span class="nowrap">tokens/s</span>', html)
    assert figures and all(re.fullmatch(r"[\d,]+\.\d\d", f) for f in figures), figures


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_page_never_breaks_inside_a_number_or_a_unit(browser, season: Season, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(season.files(26)["html"].as_uri())
        broken = page.evaluate("""() => Array.from(document.querySelectorAll('td[data-label="Value"] .nowrap'))
            .filter(e => e.getClientRects().length > 1).map(e => e.textContent)""")
        count = page.evaluate("""() => document.querySelectorAll('td[data-label="Value"] .nowrap').length""")
    finally:
        page.close()
    assert count > 10 and broken == []
