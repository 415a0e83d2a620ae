"""The finding codes are a contract (`check --json`): every code the checker can emit is in the README."""

from __future__ import annotations

import re

from conftest import ROOT

# A finding is made as add("error", "code", ...), Finding("warning", "code", ...), Bad("code", ...) or, for the
# safety rules that check and build share, Unsafe("code", ...).
MADE = re.compile(r"""(?:\b(?:add|Finding)\(\s*"(?:error|warning)",\s*|\b(?:Bad|Unsafe)\(\s*)"([a-z0-9-]+)\"""")
LISTED = re.compile(r"^\| `([a-z0-9-]+)` \| (error|warning|either) \| (.+) \|$", re.MULTILINE)


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "report").rglob("*.py"):
        codes.update(MADE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_the_scan_finds_the_codes_it_should() -> None:
    # If the way findings are made changes, this scan must change with it, not silently find nothing.
    assert {"not-a-choice", "required", "bad-date", "stale-signal", "after-edition", "future-edition"} <= emitted_codes()


def test_every_finding_code_is_listed_in_the_readme_with_its_meaning() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {code: meaning for code, _, meaning in LISTED.findall(readme)}
    missing = sorted(emitted_codes() - set(listed))
    assert not missing, f"finding codes missing from the README's catalogue: {missing}"
    stale = sorted(set(listed) - emitted_codes())
    assert not stale, f"the README lists codes the tool no longer emits: {stale}"
    assert all(len(meaning.split()) >= 3 for meaning in listed.values())
