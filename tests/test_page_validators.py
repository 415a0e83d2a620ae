"""The page checked by tools no one here wrote (issue 18): the Nu HTML Checker (npm vnu-jar, run with Java) finds
no error, and axe-core (npm, injected in Chromium) no serious or critical violation at 390 and 1280 px, on the
sample and on weeks 1, 13 and 26 of the season. scripts/test installs both."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, Season, run_cli


def node_file(relative: str) -> Path:
    """A file of an npm package: in .ci/node (where scripts/test installs), else in a NODE_PATH folder."""
    folders = [ROOT / ".ci" / "node" / "node_modules"]
    folders += [Path(f) for f in os.environ.get("NODE_PATH", "").split(os.pathsep) if f]
    return next((f / relative for f in folders if (f / relative).is_file()), folders[0] / relative)


VNU = node_file("vnu-jar/build/dist/vnu.jar")
AXE = node_file("axe-core/axe.min.js")
WEEKS = (1, 13, 26)


@pytest.fixture(scope="module")
def pages(season: Season, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's page and the season's weeks 1, 13 and 26 (built in sequence, so What changed is full)."""
    out = tmp_path_factory.mktemp("sample-page")
    done = run_cli("build", str(SAMPLE), "-o", str(out), "--format", "html")
    assert done.returncode == 0, done.stdout + done.stderr
    found = {"sample": out / "briefing-2026-06-01.html"}
    found.update({f"week {n}": season.files(n)["html"] for n in WEEKS})
    return found


def test_the_nu_html_checker_finds_no_error(pages: dict[str, Path]) -> None:
    assert shutil.which("java"), "java is missing: scripts/test installs default-jre-headless"
    assert VNU.is_file(), "vnu-jar is missing: scripts/test installs it under .ci/node"
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages.values())],
                          capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    names = {str(path): name for name, path in pages.items()}  # vnu names a file file:/tmp/...
    errors = [f"{names.get(re.sub('^file:/*', '/', m.get('url', '')), m.get('url'))} line {m.get('lastLine')}: "
              f"{m['message']}" for m in messages]
    assert errors == []


@pytest.mark.parametrize("width", [390, 1280])
def test_axe_finds_no_serious_or_critical_violation(browser, pages: dict[str, Path], width: int) -> None:  # type: ignore[no-untyped-def]
    assert AXE.is_file(), "axe-core is missing: scripts/test installs it under .ci/node"
    found: dict[str, list[object]] = {}
    for name, path in pages.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(path.as_uri())
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("""async () => (await axe.run(document)).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' '))])""")
        finally:
            page.close()
        if violations:
            found[name] = violations
    assert found == {}


@pytest.mark.parametrize("width", [320, 390])
def test_no_region_scrolls_sideways_on_a_phone(browser, pages: dict[str, Path], width: int) -> None:  # type: ignore[no-untyped-def]
    # A table that scrolls inside the page is a region the keyboard cannot reach (axe: scrollable-region-
    # focusable) and a reader must swipe; every table reflows to fit instead.
    found: dict[str, object] = {}
    for name, path in pages.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.goto(path.as_uri())
            scrolling = page.evaluate("""() => Array.from(document.querySelectorAll('*')).filter(e => {
                const s = getComputedStyle(e);
                return /(auto|scroll)/.test(s.overflowX) && e.scrollWidth > e.clientWidth + 1;
            }).map(e => (e.closest('section') || e).id + ': ' + e.scrollWidth + ' > ' + e.clientWidth)""")
            page_width = page.evaluate("() => document.documentElement.scrollWidth")
        finally:
            page.close()
        if scrolling or page_width > width:
            found[name] = (scrolling, page_width)
    assert found == {}
