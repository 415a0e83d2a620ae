"""Nothing raw reaches the terminal (issue 20 §3, §7): text from a message, a workbook or the history is printed
with control and line-break characters made visible, and a closed stdout ends quietly."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import EDITION, ROOT, SAMPLE

from report.build import build
from report.cli import cli
from report.safety import terminal

# What may reach a terminal: printable text, a tab, and the line ends the CLI writes itself.
RAW = [chr(c) for c in range(32) if chr(c) not in "\t\n"] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)] + \
    ["\u2028", "\u2029", "\u202e", "\u200b"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def raw_in(text: str) -> list[str]:
    return sorted({repr(ch) for ch in text if ch in RAW})


@pytest.mark.parametrize("text", ["\x1b]0;owned\x07", "\x1b[2J\x1b[H", "a\rb", "a\nb", "\x9b31m", "x\u2028y",
                                  "\u202eevil", "nul\x00"])
def test_terminal_makes_every_control_and_line_break_visible(text: str) -> None:
    shown = terminal(text)
    assert raw_in(shown) == [] and "\n" not in shown
    assert shown != text


def test_terminal_leaves_plain_text_alone() -> None:
    assert terminal("Edition 2026-06-01: TOO EARLY — 0 of 4 labs follow · Zoë") == \
        "Edition 2026-06-01: TOO EARLY — 0 of 4 labs follow · Zoë"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    build(SAMPLE, out, EDITION, ("eml",))
    return out


def crafted(built: Path, tmp_path: Path) -> Path:
    """The built .eml with a Subject and a link that would retitle and clear the terminal."""
    path = tmp_path / "briefing.eml"
    data = (built / f"briefing-{EDITION.isoformat()}.eml").read_bytes()
    start = data.index(b"\r\nSubject: ") + 2
    end = data.index(b"\r\n", start)
    data = data[:start] + b"Subject: =?utf-8?q?=1B]0;owned=07=1B[2J_" + b"x" * 90 + b"?=" + data[end:]
    path.write_bytes(data)
    return path


def test_preflight_and_the_dry_run_show_a_crafted_subject_escaped(built: Path, tmp_path: Path) -> None:
    path = crafted(built, tmp_path)
    for args in (["preflight", str(path)], ["send", str(path), "--dry-run", "--smtp", "127.0.0.1:9"]):
        result = invoke(*args)
        assert result.exit_code in (0, 1), result.output
        assert "unexpected" not in result.output
        assert raw_in(result.output) == [], args
        assert "\\x1b]0;owned\\x07" in result.output, result.output


def test_a_link_with_control_characters_is_shown_escaped(built: Path, tmp_path: Path) -> None:
    from email import policy
    from email.message import EmailMessage

    made = EmailMessage(policy=policy.SMTP)
    made["From"] = "briefing@example.com"
    made["To"] = "desk@example.com"
    made["Subject"] = "A subject"
    made.set_content("Hello")
    made.add_alternative('<a href="http://x/\x1b]0;owned\x07">x</a>', subtype="html")
    path = tmp_path / "link.eml"
    path.write_bytes(made.as_bytes())
    result = invoke("preflight", str(path))
    assert result.exit_code == 0, result.output
    assert raw_in(result.output) == []
    assert "NOTE link-not-https: 1 link(s) are not https (first: 'http://x/\\x1b]0;owned\\x07')" in result.output


def test_a_forged_approver_with_a_line_break_stays_on_its_line(built: Path, tmp_path: Path) -> None:
    out = Path(shutil.copytree(built, tmp_path / "out"))
    with sqlite3.connect(out / "history.sqlite") as db:
        db.execute("INSERT INTO approvals (edition, sha256, approved_by, approved_at, file) VALUES (?, ?, ?, ?, ?)",
                   (EDITION.isoformat(), "0" * 64, "Mallory\n2026-06-01 forged line\x1b[2J",
                    "2026-06-01T08:00:00+00:00", "x.eml"))
    result = invoke("history", "--history", str(out / "history.sqlite"))
    assert result.exit_code == 0, result.output
    assert raw_in(result.output) == []
    [line] = [line for line in result.stdout.splitlines() if "Mallory" in line]
    assert line.endswith("Mallory\\n2026-06-01 forged line\\x1b[2J")


def test_an_error_naming_a_crafted_path_is_escaped(tmp_path: Path) -> None:
    result = invoke("preflight", str(tmp_path / "\x1b]0;owned\x07.eml"))
    assert result.exit_code == 2
    assert raw_in(result.stderr) == [] and "\\x1b]0;owned\\x07.eml" in result.stderr


# -- a closed stdout ---------------------------------------------------------------------------------------------


def test_a_closed_stdout_ends_quietly(built: Path, tmp_path: Path) -> None:
    out = Path(shutil.copytree(built, tmp_path / "out"))
    history = out / "history.sqlite"
    with sqlite3.connect(history) as db:  # enough lines that the pipe fills after head has gone
        db.executemany("INSERT INTO sends (edition, sent_at, recipients, message_id) VALUES (?, ?, ?, ?)",
                       [(EDITION.isoformat(), "2026-06-01T08:00:00+00:00", 2, f"<{n}@example.com>")
                        for n in range(20_000)])
    pipeline = subprocess.run(
        f"'{sys.executable}' -m report history --history '{history}' | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert pipeline.stdout.startswith("Edition")
    assert pipeline.stderr == ""
    assert pipeline.returncode == 141  # 128 + SIGPIPE, what `yes | head -1` gives


def test_check_json_escapes_what_json_dumps_leaves_raw(sample_copy: Path) -> None:
    import json

    from conftest import edit_workbook, set_cell

    crafted = "maybe\u2028\x9b2J\u202e"
    edit_workbook(sample_copy, lambda book: set_cell(book, "Settings", "Setting", "Title", "Value", crafted))
    result = invoke("check", "--json", str(sample_copy))
    assert result.exit_code == 1, result.output
    assert raw_in(result.stdout) == []
    assert crafted in [finding["value"] for finding in json.loads(result.stdout)]


def test_the_debug_traceback_is_escaped_too(tmp_path: Path) -> None:
    result = invoke("--debug", "preflight", str(tmp_path / "\x1b]0;owned\x07.eml"))
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert raw_in(result.stderr) == []
