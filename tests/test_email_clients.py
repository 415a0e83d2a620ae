"""The email as real inboxes meet it (issue 11): caniemail's support data for the desk's mail clients, a local
SpamAssassin, and Chromium at phone and desktop widths. Each edition is built through the CLI."""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import json
import re
import shutil
import subprocess
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, SAMPLE, contrast, run_cli

LINT = ROOT / ".ci" / "node" / "caniemail-lint.mjs"
README = ROOT / "README.md"


def grow(source: Path, target: Path, rows: int, text: str) -> Path:
    """The sample workbook with `rows` more signals, events, sources, milestones and labs, each carrying `text`."""
    book = openpyxl.load_workbook(source)
    headers = {ws.title: {str(c.value).rstrip("*").strip(): c.column for c in ws[1] if c.value} for ws in book}
    next_row = {ws.title: ws.max_row + 1 for ws in book}  # ws.max_row scans every cell: ask once

    def add(sheet: str, values: dict[str, object]) -> None:
        row = next_row[sheet]
        next_row[sheet] += 1
        for name, value in values.items():
            book[sheet].cell(row=row, column=headers[sheet][name], value=value)

    day = dt.datetime(2026, 4, 21)
    for i in range(rows):
        add("Sources", {"Source": f"Source {i}", "Publisher": "Wire desk",
                        "URL": f"https://news.example.com/{i}/{'a-long-path-segment-' * 6}{i}", "Published": day})
        add("Signals", {"Quarter": "2026-Q2", "Signal": f"Signal {i}: {text}", "Lab": "DeepSeek",
                        "Points to": "Pays" if i % 3 else "Reverts", "Strength": 1 + i % 3, "Confidence": "Reported",
                        "Observed": day + dt.timedelta(days=i % 30), "Source": f"Source {i}"})
        add("Events", {"Date": day + dt.timedelta(days=i % 40), "Lab": "DeepSeek", "Kind": "Other",
                       "Headline": f"Event {i}: {text}", "Source": f"Source {i}"})
        add("Milestones", {"Due": dt.datetime(2026, 7, 1) + dt.timedelta(days=i % 200),
                           "Milestone": f"Milestone {i}: {text}", "Status": "Upcoming"})
        add("Labs", {"Lab": f"Lab {i}", "Flagship weights": "Open", "Source": f"Source {i}"})
    book.save(target)
    return target


def build_eml(workbook: Path, outdir: Path) -> tuple[bytes, str]:
    """`report build --format eml`: the .eml's bytes and what the build printed."""
    done = run_cli("build", str(workbook), "-o", str(outdir), "--edition", "2026-06-01", "--format", "eml")
    assert done.returncode == 0, done.stdout + done.stderr
    return (outdir / "briefing-2026-06-01.eml").read_bytes(), done.stdout + done.stderr


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def html_with_images(message: EmailMessage) -> str:
    """The HTML part with each cid: image as a data: URI, as a mail client shows it."""
    body = message.get_body(("html",))
    assert body is not None
    html = str(body.get_content())
    for part in message.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_type() == "image/png":
            png = part.get_payload(decode=True)
            assert isinstance(png, bytes)
            html = html.replace(f"cid:{cid[1:-1]}", "data:image/png;base64," + base64.b64encode(png).decode())
    return html


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The sample's email and a 3,000-row edition's."""
    base = tmp_path_factory.mktemp("editions")
    sample, _ = build_eml(SAMPLE, base / "sample")
    big = grow(SAMPLE, base / "big.xlsx", 3000, "A lab said it would keep publishing weights for its mid-scale models.")
    large, _ = build_eml(big, base / "big")
    return {"sample": sample, "big": large}


# -- caniemail -------------------------------------------------------------------------------------------------

def lint(html: str, tmp: Path) -> dict[str, dict[str, list[str]]]:
    node = shutil.which("node")
    assert node, "Node is installed by scripts/test"
    assert (ROOT / ".ci" / "node" / "node_modules" / "caniemail").is_dir(), "scripts/test installs caniemail"
    page = tmp / "email.html"
    page.write_text(html, encoding="utf-8")
    done = subprocess.run([node, str(LINT), str(page)], capture_output=True, text=True, timeout=120, check=True)
    result: dict[str, dict[str, list[str]]] = json.loads(done.stdout)
    return result


def readme_features() -> dict[str, str]:
    """The README's table of what caniemail flags: feature -> the fallback that covers it."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### What caniemail flags"):]
    section = section[: section.index("\n## ", 1) if "\n## " in section[1:] else len(section)]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$", section, flags=re.MULTILINE)
    return {feature: fallback.strip() for feature, _, fallback in rows}


def test_caniemail_flags_only_what_the_readme_covers(editions: dict[str, bytes], tmp_path: Path) -> None:
    """Every feature caniemail flags for Gmail, Outlook and Apple Mail is in the README with its fallback, and the
    README lists nothing the email no longer uses: a new unsupported feature fails here until someone decides."""
    flagged: set[str] = set()
    for data in editions.values():
        found = lint(html_with_images(parse(data)), tmp_path)
        flagged |= set(found["errors"]) | set(found["warnings"])
    listed = readme_features()
    assert all(len(fallback) > 10 for fallback in listed.values())
    assert sorted(flagged - set(listed)) == [], "flagged by caniemail but not in the README"
    assert sorted(set(listed) - flagged) == [], "in the README but no longer flagged"


def test_no_web_fonts_imports_or_links(editions: dict[str, bytes]) -> None:
    for data in editions.values():
        html = html_with_images(parse(data)).lower()
        assert "@import" not in html and "<link" not in html and "fonts.googleapis" not in html


# -- SpamAssassin ----------------------------------------------------------------------------------------------

def spam_score(data: bytes) -> float:
    binary = shutil.which("spamassassin")
    assert binary, "SpamAssassin is installed by scripts/test"
    done = subprocess.run([binary, "-L", "-t"], input=data, capture_output=True, timeout=300, check=False)
    match = re.search(rb"X-Spam-Status: \w+, score=(-?[\d.]+)", done.stdout)
    assert match, done.stdout[:2000] + done.stderr[:2000]
    return float(match.group(1))


def test_spamassassin_scores_the_sample_below_1_and_a_big_edition_below_2(editions: dict[str, bytes]) -> None:
    assert spam_score(editions["sample"]) < 1.0
    assert spam_score(editions["big"]) < 2.0


def test_preheader_is_hidden_the_way_mail_clients_expect(editions: dict[str, bytes]) -> None:
    html = html_with_images(parse(editions["sample"]))
    hidden = re.search(r'<div class="preheader" style="([^"]*)">([^<]*)</div>', html)
    assert hidden, "the preheader is the body's first element"
    style = hidden.group(1).replace(" ", "")
    assert "display:none" in style and "mso-hide:all" in style
    # Not the tiny, background-coloured text SpamAssassin punishes.
    assert "font-size:1px" not in style and "color:" not in style
    assert hidden.group(2).startswith("Score ")


# -- Chromium --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [320, 375, 600])
@pytest.mark.parametrize("which", ["sample", "big"])
def test_no_sideways_scroll(browser, artifacts: Path, editions: dict[str, bytes], which: str,  # type: ignore[no-untyped-def]
                            width: int) -> None:
    html = html_with_images(parse(editions[which]))
    requests: list[str] = []
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
        try:
            page.on("request", lambda request: requests.append(request.url))
            page.set_content(html, wait_until="load")
            if which == "sample":
                page.screenshot(path=str(artifacts / f"email-{width}-{scheme}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert not [url for url in requests if not url.startswith(("data:", "about:"))]
            # Every chart loaded and spans the text's width, inside its 20-px margins (issue 18), so its
            # 18-unit text is 18 * shown / 600 CSS px: at least 10 px at 375.
            shown = page.evaluate("Array.from(document.images).map(i => [i.complete && i.naturalWidth,"
                                  " i.getBoundingClientRect().width])")
            assert len(shown) == 2
            for natural, rendered in shown:
                assert natural == 1200 and rendered == min(600, width) - 40
                if width >= 375:
                    assert 18 * rendered / 600 >= 10
        finally:
            page.close()


TEXT_COLOURS = """() => {
    const rgba = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
        const box = el.getBoundingClientRect();
        if (!own || box.width === 0 || getComputedStyle(el).display === 'none') continue;
        let bg = null;
        for (let up = el; up && !bg; up = up.parentElement) {
            const c = rgba(getComputedStyle(up).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0)) bg = c.slice(0, 3);
        }
        out.push([el.textContent.trim().slice(0, 40), rgba(getComputedStyle(el).color).slice(0, 3), bg || [255, 255, 255]]);
    }
    return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_reads_on_its_background(browser, editions: dict[str, bytes], scheme: str) -> None:  # type: ignore[no-untyped-def]
    """A deliberate dark mode: every piece of text, light or dark, is at least 4.5:1 on what is behind it."""
    from report import palette

    page = browser.new_page(viewport={"width": 375, "height": 900}, color_scheme=scheme)
    try:
        page.set_content(html_with_images(parse(editions["sample"])), wait_until="load")
        found = page.evaluate(TEXT_COLOURS)
    finally:
        page.close()

    def hexed(rgb: list[float]) -> str:
        return "#" + "".join(f"{int(n):02x}" for n in rgb)

    assert len(found) > 50
    poor = [(text, hexed(fg), hexed(bg)) for text, fg, bg in found if contrast(hexed(fg), hexed(bg)) < 4.5]
    assert poor == []
    backgrounds = {hexed(bg) for _, _, bg in found}
    assert (palette.DARK_BACKGROUND in backgrounds) == (scheme == "dark")
