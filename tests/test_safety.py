"""One safety module (report/safety.py): addresses, one-line/header text, names, links and cell text.

`check` and `build`/`send` use the same rules, so a hostile workbook is refused at its cells by `check`,
`build` refuses exactly those cells, and whatever `check` accepts, `build` writes and `send` takes
(issue 10 §3, issue 12 §4)."""

from __future__ import annotations

import json
import shutil
import unicodedata
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLE, run_cli, tiny_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from report import eml, safety
from report.present import present
from report.safety import Unsafe


def put(book: openpyxl.Workbook, sheet: str, cell: str, value: str) -> None:
    """Write `value` as text, even when it starts with '=' (openpyxl would store a formula)."""
    target = book[sheet][cell]
    target.value = value
    target.data_type = "s"


def hostile(tmp_path: Path, cells: dict[tuple[str, str], str]) -> Path:
    path = tmp_path / "hostile.xlsx"
    shutil.copyfile(SAMPLE, path)
    book = openpyxl.load_workbook(path)
    for (sheet, cell), value in cells.items():
        put(book, sheet, cell, value)
    book.save(path)
    return path


def setting_cell(name: str) -> str:
    book = openpyxl.load_workbook(SAMPLE, read_only=True)
    for row in book["Settings"].iter_rows(min_row=2):
        if row[0].value == name:
            return f"B{row[0].row}"
    raise KeyError(name)


# Each hostile value, where it goes, and the finding code `check` must give at that very cell.
HOSTILE: list[tuple[str, str, str, str]] = [
    ("Settings", "Title", "Briefing\r\nBcc: evil@example.com", "not-one-line"),
    ("Settings", "Title", "=?utf-8?q?x=0D=0ABcc:_evil@example.com?=", "not-one-line"),
    ("Settings", "Title", "Briefing\u2028Bcc: evil@example.com", "not-one-line"),
    ("Settings", "Title", "Brief\u202eing", "invisible-character"),
    ("Settings", "Title", "x" * 2_000_000, "too-long"),
    ("Settings", "Pivot model", "Qwen\x85Bcc: evil@example.com", "not-one-line"),
    ("Settings", "Pivot lab", "Alibaba\r\nBcc: evil@example.com", "not-one-line"),
    ("Settings", "Pivot lab", "Alibaba\u200b", "invisible-character"),
    ("Settings", "Sender", "briefing@example.com\r\nBcc: evil@example.com", "bad-email"),
    ("Settings", "Sender", "dësk@example.com", "bad-email"),
    ("Settings", "Sender", "=?utf-8?q?Evil?= <a@example.com>", "bad-email"),
    ("Settings", "Recipients", "desk@example.com\nBcc: evil@example.com", "bad-email"),
    ("Settings", "Recipients", "desk@example.com, evil@localhost", "bad-email"),
    ("Settings", "Reply-To", "a@example.com, b@example.com", "bad-email"),
    ("Settings", "List address", "list@example.com\u2029To: evil@example.com", "bad-email"),
    ("Settings", "Unsubscribe", "javascript:alert(1)", "bad-email"),
    ("Settings", "Unsubscribe", "mailto:", "bad-url"),
    ("Labs", "A3", "Deep\u200bSeek", "invisible-character"),
    ("Labs", "A4", "Moonshot\u2066Kimi", "invisible-character"),
    ("Events", "B3", "Alibaba\u200d", "invisible-character"),
    ("Sources", "C2", "javascript:alert(1)", "bad-url"),
    ("Sources", "C3", "data:text/html,<script>alert(1)</script>", "bad-url"),
    ("Sources", "C4", "file:///etc/passwd", "bad-url"),
    ("Events", "F2", "javascript:alert(1)", "bad-url"),
]


@pytest.mark.parametrize(("sheet", "where", "value", "code"), HOSTILE,
                         ids=[f"{s}-{w}-{c}-{i}" for i, (s, w, _, c) in enumerate(HOSTILE)])
def test_check_and_build_refuse_each_hostile_cell_at_the_cell(tmp_path: Path, sheet: str, where: str, value: str,
                                                              code: str) -> None:
    cell = setting_cell(where) if sheet == "Settings" else where
    path = hostile(tmp_path, {(sheet, cell): value})
    checked = run_cli("check", str(path), "--json")
    assert checked.returncode == 1, checked.stdout
    findings = json.loads(checked.stdout)
    assert [(f["sheet"], f["cell"], f["code"]) for f in findings if f["level"] == "error"] == [(sheet, cell, code)]
    built = run_cli("build", str(path), "-o", str(tmp_path / "out"), "--edition", "2026-06-01")
    assert built.returncode == 1, built.stderr
    assert f"ERROR {sheet}!{cell}" in built.stderr and "unexpected problem" not in built.stderr
    assert not (tmp_path / "out" / "briefing-2026-06-01.eml").exists()
    # Every finding line is one line: line breaks and invisible characters are shown escaped, never raw.
    human = run_cli("check", str(path))
    assert len(human.stdout.splitlines()) == 2, human.stdout  # the finding and the summary
    for line in human.stdout.splitlines() + built.stderr.splitlines():
        assert not any(ch in safety.LINE_BREAKS or ch in safety.INVISIBLE for ch in line), line


def test_what_check_accepts_build_writes_and_send_takes(tmp_path: Path) -> None:
    """Odd but valid values: an internationalised domain, names with accents, a quoted comma, an NFD lab name
    referred to in NFC, a mailto Unsubscribe, a Title of the longest length allowed."""
    nfd = unicodedata.normalize("NFD", "Café Labs")
    title = "Le briefing — été " + "x" * (safety.HEADER_LIMIT - 18)
    cells = {
        ("Settings", setting_cell("Title")): title,
        ("Settings", setting_cell("Sender")): "Le Bureau <briefing@exämple.com>",
        ("Settings", setting_cell("Recipients")): '"Desk, B" <b@example.com>; Zoë <zoe@example.com>',
        ("Settings", setting_cell("Reply-To")): "replies@example.com",
        ("Settings", setting_cell("List address")): "briefing-list@example.com",
        ("Settings", setting_cell("Unsubscribe")): "leave@example.com",
        ("Labs", "A3"): nfd,
        ("Events", "B3"): "CAFÉ LABS",
        ("Sources", "C2"): "https://example.com/report?a=1&b=2",
    }
    path = hostile(tmp_path, cells)
    checked = run_cli("check", str(path))
    assert checked.returncode == 0, checked.stdout
    out = tmp_path / "out"
    built = run_cli("build", str(path), "-o", str(out), "--edition", "2026-06-01")
    assert built.returncode == 0, built.stderr
    message = eml.read_eml(out / "briefing-2026-06-01.eml")
    assert message["From"].addresses[0].domain == "xn--exmple-cua.com"
    assert [a.addr_spec for a in message["Bcc"].addresses] == ["b@example.com", "zoe@example.com"]
    assert [a.display_name for a in message["Bcc"].addresses] == ["Desk, B", "Zoë"]
    assert message["List-Unsubscribe"] == "<mailto:leave@example.com?subject=unsubscribe>"
    # Verdict first and under 80 characters (report/present/words.py): a title this long is left to the masthead.
    assert str(message["Subject"]).startswith("TOO EARLY: 0 of 4 labs follow Alibaba")
    assert len(str(message["Subject"])) < 80
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_content()
    assert "Le briefing — été" in html
    assert "Café Labs" in html and nfd not in html.replace("Café Labs", ""), "one lab, in NFC"
    sent = run_cli("send", str(out / "briefing-2026-06-01.eml"), "--dry-run")
    assert sent.returncode == 0, sent.stderr
    assert "Bcc:        2 hidden addresses (b@example.com, zoe@example.com)" in sent.stdout


def test_a_lab_name_that_only_looks_like_another_is_refused_not_added(tmp_path: Path) -> None:
    # Deep\u200bSeek beside DeepSeek would be a fifth watched lab; it is an error at its cell instead.
    book_path = hostile(tmp_path, {})
    book = openpyxl.load_workbook(book_path)
    ws = book["Labs"]
    row = ws.max_row + 1
    ws.cell(row=row, column=1, value="Deep\u200bSeek")
    ws.cell(row=row, column=5, value="Open")
    book.save(book_path)
    findings = json.loads(run_cli("check", str(book_path), "--json").stdout)
    assert [(f["cell"], f["code"]) for f in findings if f["level"] == "error"] == [(f"A{row}", "invisible-character")]
    assert "U+200B ZERO WIDTH SPACE" in findings[0]["message"]


# -- the rules themselves ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["desk@example.com", "Desk <desk@example.com>", '"Desk, B" <b@example.com>',
                                  "Zoë <zoe@example.com>", "desk@exämple.com", "a.b+c@sub.example.co.uk"])
def test_addresses_accepted(text: str) -> None:
    address = safety.address(text)
    assert "@" in address.addr_spec and address.addr_spec.isascii()


@pytest.mark.parametrize("text", ["", "desk", "x@", "@example.com", "a@example.com b@example.com",
                                  "a@example.com, b@example.com", "group: a@example.com;", "dësk@example.com",
                                  "a@localhost", "a@example.invalid", "=?utf-8?q?Evil?= <a@example.com>",
                                  "a@example.com\r\nBcc: x@example.com", "De\u200bsk <a@example.com>",
                                  "a@exa mple.com", "a" * 400 + "@example.com"])
def test_addresses_refused(text: str) -> None:
    with pytest.raises(Unsafe) as caught:
        safety.address(text)
    assert caught.value.code == "bad-email"
    assert not any(ch in safety.LINE_BREAKS for ch in caught.value.reason)


@pytest.mark.parametrize(("text", "code"), [
    ("one\nline", "not-one-line"), ("one\u2028line", "not-one-line"), ("one\x85line", "not-one-line"),
    ("tab\x0bvertical", "not-one-line"), ("nul\x00", "not-one-line"), ("=?utf-8?b?QmNj?=", "not-one-line"),
    ("Ali\u200bbaba", "invisible-character"), ("abc\u202edcba", "invisible-character"),
    ("x" * (safety.HEADER_LIMIT + 1), "too-long"),
])
def test_one_line_refuses(text: str, code: str) -> None:
    with pytest.raises(Unsafe) as caught:
        safety.one_line(text)
    assert caught.value.code == code
    assert not any(ch in safety.LINE_BREAKS or ch in safety.INVISIBLE for ch in caught.value.reason)


def test_names_compare_in_nfc_ignoring_case_and_spaces() -> None:
    assert safety.name_key(unicodedata.normalize("NFD", "Café")) == safety.name_key("CAFÉ")
    assert safety.name_key("Moonshot  kimi") == safety.name_key("Moonshot Kimi")
    assert safety.name(unicodedata.normalize("NFD", "Café")) == "Café"


@pytest.mark.parametrize(("url", "safe"), [
    ("https://example.com/a?b=1", True), ("http://example.com", True), ("mailto:desk@example.com", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,x", False),
    ("file:///etc/passwd", False), ("https://", False), ("https://exa mple.com", False), ("mailto:", False),
    ("https://example.com/\u202e", False), ("//example.com", False), ("vbscript:x", False), ("", False),
])
def test_links(url: str, safe: bool) -> None:
    assert (safety.safe_url(url) is not None) is safe


def test_header_text_is_bounded_whatever_it_is_made_of() -> None:
    composed = safety.header_text("Title\r\n" + "y" * 2_000_000 + "=?x?=\u200b")
    assert len(composed) <= 2 * safety.HEADER_LIMIT and "\n" not in composed and "=?" not in composed


def test_value_text() -> None:
    assert safety.value_text("=SUM(A1) stays text") == "=SUM(A1) stays text"
    with pytest.raises(Unsafe, match="control character"):
        safety.value_text("bell\x07")
    with pytest.raises(Unsafe, match="more than Excel.s limit of 32,767: shorten it"):
        safety.value_text("x" * 32_768)


def test_quote_escapes() -> None:
    assert safety.quote("a\u2028b\x85c\u200bd") == "'a\\u2028b\\x85c\\u200bd'"


# Addresses a desk would write, with names in a wide alphabet (commas, semicolons, colons, quotes-in-quotes and
# accents): every one is accepted, survives being written into a header and read back by the sender, which
# accepts it again (build and send agree).
LOCAL = st.from_regex(r"[a-z0-9]([a-z0-9_+]|\.(?=[a-z0-9])){0,11}", fullmatch=True)
DOMAIN = st.tuples(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
                   st.from_regex(r"[a-z]{2,6}", fullmatch=True)).map(".".join)
NAME = st.text(alphabet=st.sampled_from(list("abcXYZ09 .,;:éëÆ?+-_")), max_size=20)  # "=?" is refused on purpose


@st.composite
def desk_addresses(draw: st.DrawFn) -> tuple[str, str]:
    spec = f"{draw(LOCAL)}@{draw(DOMAIN)}"
    name = draw(NAME).strip()
    if not name:
        return spec, spec
    return (f'"{name}" <{spec}>' if draw(st.booleans()) else f"{name} <{spec}>"), spec


@settings(max_examples=300, deadline=None)
@given(desk_addresses())
def test_an_accepted_address_survives_the_message_and_is_accepted_again(given_: tuple[str, str]) -> None:
    text, spec = given_
    address = safety.address(text)
    assert address.addr_spec == spec
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = address
    message["To"] = address
    message["Subject"] = "x"
    message.set_content("x")
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    sender, recipients = eml.check_envelope(parsed)
    assert sender == recipients[0] == spec


# Text from a wide alphabet, line breaks and invisible characters included: the rule either accepts one address
# that survives as above, or refuses with a sentence that quotes what it was given. It never lets a line break
# into a header.
ADDRESS_TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ09.+-_@ <>\",;:éë\u200b\u2028\r\n=?")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(ADDRESS_TEXT)
def test_any_text_is_one_safe_address_or_a_sentence(text: str) -> None:
    try:
        address = safety.address(text)
    except Unsafe as refused:
        assert refused.code == "bad-email"
        assert refused.reason.startswith(safety.quote(text.strip()))
        return
    for ch in "\r\n\u2028":
        assert ch not in str(address)
    assert "@" in address.addr_spec


def test_a_long_composed_headline_is_built_and_sent_when_every_cell_passed(  # type: ignore[no-untyped-def]
        sample_briefing, tmp_path: Path) -> None:
    """The verdict headline names every follower: longer than any one cell may be, it must not fail the build."""
    import dataclasses

    from report.render.email import render_email

    followers = tuple(f"Lab {'x' * 90} {n}" for n in range(30))
    briefing = dataclasses.replace(sample_briefing, verdict=dataclasses.replace(sample_briefing.verdict,
                                                                                state="SPREADING", followers=followers,
                                                                                watched=30))
    from report.send import Request, run

    data = render_email(present(briefing), tiny_xlsx()).data
    assert b"Lab xxx" in data
    path = tmp_path / "briefing-2026-06-01.eml"
    path.write_bytes(data)
    lines = run(Request(path, dry_run=True)).lines
    assert any(line.startswith("Subject:    SPREADING: 30 of 30 labs follow Alibaba") for line in lines)


def test_one_line_without_a_length_rule_keeps_every_other_rule() -> None:
    """eml.check_header_text asks for no length limit (a composed headline may be long); nothing else relaxes."""
    assert safety.one_line("x" * 5_000, limit=None) == "x" * 5_000
    for bad in ("a\nb", "a\u2028b", "=?utf-8?q?x?=", "a\u200bb"):
        with pytest.raises(Unsafe):
            safety.one_line(bad * 1_000, limit=None)
    with pytest.raises(Unsafe, match="keep it to 10"):
        safety.one_line("x" * 11, limit=10)


# -- text in an xlsx (the writer's rules: report/render/xlsx calls only these) --------------------------------


def units(text: str) -> int:
    """UTF-16 code units, counted here by hand: a character above U+FFFF is two."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


@pytest.mark.parametrize("text, quote", [
    ("=1+1", True), ("+1", True), ("-1", True), ("@SUM(A1)", True), ("\tx", True), ("\rx", True),
    (" =1+1", False), ("1+1", False), ("plain", False), ("", False), ("−0.60", False), ("'=x", False),
])
def test_cell_text_quotes_what_starts_like_a_formula(text: str, quote: bool) -> None:
    assert safety.cell_text(text) == safety.CellText(text, quote, 0)
    assert safety.needs_quote(text) is quote


def test_cell_text_cuts_at_excels_limit() -> None:
    # 32,767 units: 32,742 characters kept, then the 25-character marker for the 7,259 cut.
    assert safety.cell_text("=" + "a" * 40_000) == \
        safety.CellText("=" + "a" * 32_741 + "… [cut: 7,259 characters]", quote=True, cut=7_259)
    # Two UTF-16 units each: 16,371 emoji are 32,742 units, and the marker fills the cell.
    assert safety.cell_text("😀" * 20_000) == \
        safety.CellText("😀" * 16_371 + "… [cut: 3,629 characters]", quote=False, cut=3_629)
    assert safety.cell_text("a" * 32_767) == safety.CellText("a" * 32_767, quote=False, cut=0)
    assert safety.excel_length("a😀") == 3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=40, max_value=200))
def test_cell_text_properties(text: str, limit: int) -> None:
    safe = safety.cell_text(text, limit)
    assert units(safe.text) <= limit
    assert safe.quote == safe.text.startswith(("=", "+", "-", "@", "\t", "\r"))
    clean = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF or ch in "\ufffe\uffff" else ch for ch in text)
    if safe.cut:
        kept = len(text) - safe.cut
        assert safe.text == clean[:kept] + f"… [cut: {safe.cut:,} characters]"
        # Nothing more would have fitted.
        assert units(clean[: kept + 1]) + len(f"… [cut: {safe.cut - 1:,} characters]") > limit
    else:
        assert safe.text == clean


def test_value_text_counts_as_excel_does() -> None:
    """The cell limit `check` applies is the writer's: UTF-16 units, so 16,384 emoji are one too many."""
    assert safety.value_text("😀" * 16_383) == "😀" * 16_383
    with pytest.raises(Unsafe, match="holds 32,768 characters"):
        safety.value_text("😀" * 16_384)


@pytest.mark.parametrize("name, expected", [
    ("Briefing", "Briefing"), ("Data health", "Data health"), ("a/b\\c?d*e[f]g:h", "a b c d e f g h"),
    ("x" * 40, "x" * 31), ("'quoted'", "quoted"), ("", "Sheet"), ("History", "History sheet"),
])
def test_sheet_name_is_safe(name: str, expected: str) -> None:
    assert safety.sheet_name(name) == expected


def test_sheet_name_is_unique_ignoring_case() -> None:
    assert safety.sheet_name("Labs", ["labs"]) == "Labs (2)"
    assert safety.sheet_name("y" * 31, ["y" * 31]) == "y" * 27 + " (2)"


@settings(deadline=None)  # a busy machine is no failure
@given(st.text(max_size=60), st.lists(st.text(max_size=35), max_size=4))
def test_sheet_name_always_valid(name: str, taken: list[str]) -> None:
    result = safety.sheet_name(name, taken)
    assert 1 <= len(result) <= 31
    assert not set(result) & set("[]:*?/\\") and not result.startswith("'") and not result.endswith("'")
    assert result.casefold() not in {t.casefold() for t in taken}


def test_excel_links_are_safe_urls_excel_can_hold() -> None:
    longest = "https://example.com/" + "a" * 2_059  # 2,079 characters: Excel's longest link
    assert safety.excel_link(longest) == longest
    assert safety.excel_link(longest + "a") is None
    assert safety.excel_link("mailto:desk@example.com") == "mailto:desk@example.com"
    assert safety.excel_link("javascript:alert(1)") is None
    assert safety.excel_link(None) is None and safety.excel_link("") is None


def test_excel_line_for_properties_and_page_headers() -> None:
    assert safety.excel_line(" Title\r\n\x07second\u2028line \ud800") == "Title second line \ufffd"
    assert safety.excel_line("1\u00a0Jun\u00a02026") == "1\u00a0Jun\u00a02026"  # a no-break space stays
    assert safety.excel_line("x" * 300) == "x" * 254 + "…"
    assert safety.excel_line("y" * 90, 80) == "y" * 79 + "…"
    # '&' starts a control code in a page header: doubled, it is an ampersand.
    assert safety.page_header_text("=Q&A briefing") == "=Q&&A briefing"
