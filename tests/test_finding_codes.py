"""The finding codes are a contract (`check --json`): every code the tool can emit is in the README."""

from __future__ import annotations

import importlib
import pkgutil
import re

from conftest import ROOT

import report
from report.check.rules import BAD_VALUE
from report.findings import Rule

# Every finding comes from a declared Rule (report.findings.Rule: a code, a level, a message): the checker's in
# report/check/rules.py, the edition's in report/edition.py, the contradictions' in report/contradictions.py. A
# cell's bad value is worded where it is found, as Bad("code", ...) in values.py or Unsafe("code", ...) in
# safety.py, and reported through the rule of its code (check.rules.BAD_VALUE).
LISTED = re.compile(r"^\| `([a-z0-9-]+)` \| (error|warning|either) \| (.+) \|$", re.MULTILINE)
RAISED = re.compile(r"""\b(?:Bad|Unsafe)\(\s*"([a-z0-9-]+)\"""")
MADE_BY_HAND = re.compile(r"\bFinding\(")


def declared_rules() -> list[Rule]:
    """Every Rule that report's modules hold: each on its own, or in a table (a dict or tuple of rules)."""
    rules: dict[int, Rule] = {}
    for module in pkgutil.walk_packages(report.__path__, "report."):
        if module.name.endswith("__main__"):  # running it runs the CLI
            continue
        for value in vars(importlib.import_module(module.name)).values():
            items = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else (value,)
            rules.update((id(item), item) for item in items if isinstance(item, Rule))
    return list(rules.values())


def sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in (ROOT / "report").rglob("*.py")}


def readme_catalogue() -> dict[str, tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return {code: (level, meaning) for code, level, meaning in LISTED.findall(readme)}


def test_the_rules_found_are_the_tools() -> None:
    # If the way rules are declared changes, this search must change with it, not silently find nothing.
    codes = {rule.code for rule in declared_rules()}
    assert {"required", "unknown-lab", "edition-before-pivot", "not-a-choice", "bad-date", "bad-email",
            "stale-signal", "after-edition", "future-edition", "nothing-to-score", "signal-both-ways"} <= codes


def test_every_finding_code_is_listed_in_the_readme_with_its_meaning() -> None:
    listed = readme_catalogue()
    declared = {rule.code for rule in declared_rules()}
    missing = sorted(declared - set(listed))
    assert not missing, f"finding codes missing from the README's catalogue: {missing}"
    stale = sorted(set(listed) - declared)
    assert not stale, f"the README lists codes the tool no longer emits: {stale}"
    assert all(len(meaning.split()) >= 3 for _, meaning in listed.values())


def test_each_rule_has_the_level_the_readme_gives_it() -> None:
    listed = readme_catalogue()  # a code missing from it is the test above's to report
    wrong = sorted(rule.code for rule in declared_rules()
                   if rule.code in listed and listed[rule.code][0] not in (rule.level, "either"))
    assert not wrong, f"rules whose level differs from the README's catalogue: {wrong}"


def test_every_finding_is_made_by_a_rule() -> None:
    # A Finding made by hand would carry a code no Rule declares, which the README checks above cannot see.
    by_hand = sorted(path for path, text in sources().items()
                     if path != "report/findings.py" and MADE_BY_HAND.search(text))
    assert not by_hand, f"modules that make a Finding by hand instead of through a Rule: {by_hand}"


def test_every_code_a_bad_value_raises_has_its_rule() -> None:
    raised = {code for text in sources().values() for code in RAISED.findall(text)}
    assert {"not-a-choice", "bad-date", "ambiguous-date", "bad-email", "too-long"} <= raised
    undeclared = sorted(raised - set(BAD_VALUE))
    assert not undeclared, f"codes raised for a bad value with no rule in check.rules.BAD_VALUE: {undeclared}"
    unraised = sorted(set(BAD_VALUE) - raised)
    assert not unraised, f"rules in check.rules.BAD_VALUE for codes nothing raises: {unraised}"
