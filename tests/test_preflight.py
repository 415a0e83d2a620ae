"""`report preflight EML`: what a sender checks before pressing send (issue 11 §7)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import SAMPLE, run_cli

from report import preflight


def message(html: str | None = "<p>Hello</p>", text: str | None = "Hello", to: str = "desk@example.com",
            subject: str = "TOO EARLY: 0 of 4 labs follow · Briefing 1 Jun") -> EmailMessage:
    made = EmailMessage(policy=policy.SMTP)
    made["From"] = "briefing@example.com"
    made["To"] = to
    made["Subject"] = subject
    if text is not None:
        made.set_content(text)
        if html is not None:
            made.add_alternative(html, subtype="html")
    elif html is not None:
        made.set_content(html, subtype="html")
    return made


def codes(made: EmailMessage) -> list[tuple[str, bool]]:
    return [(p.code, p.hurts) for p in preflight.check(made)]


def test_a_clean_message_has_nothing_to_say() -> None:
    assert preflight.check(message()) == []


@pytest.mark.parametrize(("made", "expected"), [
    (message(subject="x" * 81), [("subject-long", False)]),
    (message(subject=""), [("no-subject", True)]),
    (message(text=None), [("no-plain-text", True)]),
    (message(to="a@example.com, b@example.com"), [("recipients-visible", True)]),
    (message(html="<p>Hi</p>" + "x" * (103 * 1024)), [("html-clipped", True)]),
    (message(html='<p>Hi<span style="font-size:1px;color:#fff">preheader</span></p>'), [("hidden-text", True)]),
    (message(html='<div style="color:#ffffff; background-color:#ffffff">same colour</div>'), [("hidden-text", True)]),
    (message(html='<table bgcolor="#F3F4F6"><tr><td><div style="display:none;color:#f3f4f6">pre</div>'),
     [("hidden-text", True)]),
    (message(html='<div style="display:none;font-size:1px">a 1px preheader, hidden or not</div>'),
     [("hidden-text", True)]),
    (message(html='<div style="display:none;mso-hide:all">a preheader hidden the expected way</div><p>Hi</p>'), []),
    (message(html='<img src="cid:x">'), [("image-no-alt", False), ("image-no-size", False)]),
    (message(html='<img src="cid:x" alt="Chart: 3 pays, 1 reverts" width="600" height="300">'), []),
    (message(html='<a href="http://example.com">x</a><a href="https://example.com">y</a>'
                  '<a href="mailto:desk@example.com">z</a>'), [("link-not-https", False)]),
])
def test_each_check(made: EmailMessage, expected: list[tuple[str, bool]]) -> None:
    assert codes(made) == expected


def test_warnings_are_lines_for_the_build() -> None:
    assert preflight.warnings(message(text=None)) == [
        ("email preflight: HURTS no-plain-text: there is no plain-text part; an HTML-only message scores worse with "
        "spam filters and shows nothing in text-only readers")]


def test_cli_preflight(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", str(SAMPLE), "-o", str(out), "--edition", "2026-06-01").returncode == 0
    built = run_cli("preflight", str(out / "briefing-2026-06-01.eml"))
    # The build addresses readers in Bcc, writes a plain-text part and fits the budget: nothing to say.
    assert built.returncode == 0, built.stdout
    assert built.stdout == "Nothing to fix: ready to send.\n"
    bad = tmp_path / "bad.eml"
    bad.write_bytes(message(text=None, to="a@example.com, b@example.com").as_bytes())
    result = run_cli("preflight", str(bad))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "2 problems that would hurt delivery, 0 notes."
    assert result.stdout.splitlines()[0].startswith("HURTS no-plain-text: ")
    missing = run_cli("preflight", str(tmp_path / "nope.eml"))
    assert missing.returncode == 2 and missing.stderr.startswith("Error: There is no file at")


def test_build_prints_preflights_warnings_for_the_email_it_wrote(sample_copy: Path, tmp_path: Path) -> None:
    from conftest import edit_workbook, set_cell

    edit_workbook(sample_copy, lambda book: set_cell(book, "Sources", "Source", "Seed report, 2026-05-27", "URL",
                                                     "http://example.com/seed"))
    built = run_cli("build", str(sample_copy), "-o", str(tmp_path), "--format", "eml")
    assert built.returncode == 0, built.stderr
    assert ("WARNING email preflight: NOTE link-not-https: 1 link(s) are not https (first: "
            "'http://example.com/seed')") in built.stderr
    assert "No problems found." not in built.stderr, "no all-clear line above a warning"
    clean = run_cli("build", str(SAMPLE), "-o", str(tmp_path / "clean"), "--format", "eml")
    assert clean.returncode == 0 and "preflight" not in clean.stderr


def test_an_unknown_charset_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    made = message()
    html = next(part for part in made.walk() if part.get_content_type() == "text/html")
    html.set_param("charset", "x-no-such\x1b[2J")
    assert codes(made) == [("unknown-charset", True)]
    path = tmp_path / "charset.eml"
    path.write_bytes(made.as_bytes())
    from click.testing import CliRunner

    from report.cli import cli

    result = CliRunner().invoke(cli, ["preflight", str(path)])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == (
        "HURTS unknown-charset: the HTML part declares the charset 'x-no-such\\x1b[2J', which no mail program "
        "knows; readers may see it garbled. Build the email again")


def test_a_marked_section_the_parser_refuses_is_a_problem_not_a_crash() -> None:
    assert codes(message(html="<p>Hi</p><![x>text]><p>more</p>")) == [("html-unreadable", True)]
