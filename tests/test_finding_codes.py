"""The finding codes are a contract (`check --json`): every code the checker can emit is in the README."""

from __future__ import annotations

import re

from conftest import ROOT

from report.check import rules

# A code is written once, as Rule("code", "error", ...) in the checker's catalogue (report/check/rules.py),
# Bad("code", ...) for a cell's value, Finding("warning", "code", ...) for the edition's and the contradictions'
# findings, or Unsafe("code", ...) for the safety rules that check and build share.
MADE = re.compile(r"""(?:\bFinding\(\s*"(?:error|warning)",\s*|\b(?:Bad|Unsafe|Rule)\(\s*)"([a-z0-9-]+)\"""")
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


def test_each_rule_of_the_checker_has_the_level_the_readme_gives_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {code: level for code, level, _ in LISTED.findall(readme)}
    declared = [rule for rule in vars(rules).values() if isinstance(rule, rules.Rule)]
    assert {"required", "unknown-lab", "edition-before-pivot"} <= {rule.code for rule in declared}
    wrong = sorted(rule.code for rule in declared if listed.get(rule.code) not in (rule.level, "either"))
    assert not wrong, f"rules whose level differs from the README's catalogue: {wrong}"
