"""Each rule for text that leaves the workbook lives in report/safety.py, once: no other module re-implements
one (a grep over report/ for the patterns that give a copy away), and a build applies each address rule once."""

from __future__ import annotations

import collections
import dataclasses
import re
from pathlib import Path

import pytest

from report import safety
from report.briefing import Briefing, Mailing
from report.present import present
from report.render.email import render_email

PACKAGE = Path(__file__).resolve().parents[1] / "report"

# (what the rule is, the pattern that gives a copy of it away, where it may appear outside safety.py and why)
FORBIDDEN: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("names in NFC (safety.nfc)", r"unicodedata\.normalize", {}),
    ("address syntax (safety.address)", r"email_validator|validate_email", {}),
    ("how names compare (safety.name_key)", r"split\(\)\)\.casefold\(\)",
     {"schema.py": "a header's key, not a name: every space and the required-column '*' dropped"}),
    ("how addresses compare (safety.address_key)", r"\b(addr|a|r)\.casefold\(\)", {}),
    ("one-line text: which characters break a line (safety.LINE_BREAKS)", r"\\u2028|\\x85|\\u2029", {}),
    ("printable text (safety.one_line, safety.terminal)", r"\.isprintable\(\)", {}),
    ("links: scheme and host (safety.url)", r"\burlsplit\b|\burlparse\b", {}),
    ("Excel's cell limit (safety.EXCEL_CELL_LIMIT)", r"32[_,]?767", {}),
    ("a display name's forbidden characters (safety.display_name)", r"""['"]<>\\?"\\\\@['"]""", {}),
    ("encoded words in headers (safety.one_line)", r"""["']=\?["']""", {}),
    ("zero-width and bidi characters (safety.INVISIBLE)", r"\\u200b|\\u202e|\\u2066", {}),
    ("Excel's link limit (safety.EXCEL_URL_LIMIT)", r"2[_,]?079", {}),
    ("length as Excel counts it, in UTF-16 units (safety.excel_length)", r"surrogatepass", {}),
    ("what XML cannot hold (safety.xml_text)", r"\\ud800|\\udfff|\\ufffe|\\uffff", {}),
    ("a formula's first characters (safety.FORMULA_STARTS)", r"""["']=["'],\s*["']\+["']""", {}),
    ("the marker of a cut text (safety.cut_marker)", r"\[cut: ", {}),
    ("'&' in a page header (safety.page_header_text)", r"""replace\(["']&["'],\s*["']&&["']\)""", {}),
)


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of a module with comments and docstrings' prose left in: a rule quoted in a docstring is a
    copy waiting to drift, so docstrings count too (safety.py is where they are written down)."""
    return list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))


def test_no_module_re_implements_a_rule_of_safety() -> None:
    copies = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "safety.py":
            continue
        for rule, pattern, allowed in FORBIDDEN:
            if relative in allowed:
                continue
            for number, line in _code_lines(path):
                if re.search(pattern, line):
                    copies.append(f"report/{relative}:{number}: {rule}: {line.strip()}")
    assert copies == []


def test_the_grep_finds_a_copy_when_there_is_one(tmp_path: Path) -> None:
    # Each pattern matches the kind of line it is there to catch (else the test above could pass by matching
    # nothing at all).
    samples = {
        "names in NFC (safety.nfc)": 'key = unicodedata.normalize("NFC", name)',
        "address syntax (safety.address)": "from email_validator import validate_email",
        "how names compare (safety.name_key)": 'wanted = " ".join(text.split()).casefold()',
        "how addresses compare (safety.address_key)": "seen.add(addr.casefold())",
        "one-line text: which characters break a line (safety.LINE_BREAKS)": 'BREAKS = "\\r\\n\\u2028"',
        "printable text (safety.one_line, safety.terminal)": "if value.isprintable():",
        "links: scheme and host (safety.url)": "scheme = urlsplit(text).scheme",
        "Excel's cell limit (safety.EXCEL_CELL_LIMIT)": "LIMIT = 32_767",
        "a display name's forbidden characters (safety.display_name)": """name = name.strip('<>"\\\\@')""",
        "encoded words in headers (safety.one_line)": 'if "=?" in value:',
        "zero-width and bidi characters (safety.INVISIBLE)": 'HIDDEN = "\\u200b\\u200c"',
        "Excel's link limit (safety.EXCEL_URL_LIMIT)": "MAX_URL_CHARS = 2_079",
        "length as Excel counts it, in UTF-16 units (safety.excel_length)":
            'units = len(text.encode("utf-16-le", "surrogatepass")) // 2',
        "what XML cannot hold (safety.xml_text)": 'NOT_XML = re.compile("[\\ud800-\\udfff\\ufffe\\uffff]")',
        "a formula's first characters (safety.FORMULA_STARTS)": 'STARTS = ("=", "+", "-", "@", "\\t", "\\r")',
        "the marker of a cut text (safety.cut_marker)": 'return f"… [cut: {count:,} characters]"',
        "'&' in a page header (safety.page_header_text)": 'title = title.replace("&", "&&")',
    }
    assert set(samples) == {rule for rule, _, _ in FORBIDDEN}
    for rule, pattern, _ in FORBIDDEN:
        assert re.search(pattern, samples[rule]), rule


def test_a_build_checks_each_address_once(sample_briefing: Briefing, monkeypatch: pytest.MonkeyPatch) -> None:
    """The email's addresses are checked where the headers are set (report/eml.py), not again by the renderer."""
    checked: collections.Counter[str] = collections.Counter()
    rule = safety.address

    def counting(text: str):  # type: ignore[no-untyped-def]
        checked[text] += 1
        return rule(text)

    monkeypatch.setattr(safety, "address", counting)
    mailing = Mailing(list_address="briefing@lists.example.com", reply_to="Desk <desk@example.com>",
                      unsubscribe="leave@example.com", sign_off_required=False, editor=None, web_address=None)
    briefing = dataclasses.replace(sample_briefing, recipients=("desk@example.com", "Ann <ann@example.com>"),
                                   mailing=mailing)
    render_email(present(briefing), b"xlsx")
    assert checked == {"briefing@example.com": 1, "desk@example.com": 1, "Ann <ann@example.com>": 1,
                       "briefing@lists.example.com": 1, "Desk <desk@example.com>": 1, "leave@example.com": 1}
