"""Options every command shares: --version, and --debug before or after the subcommand."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from report import __version__


def test_version_prints_the_tools_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"report, version {__version__}"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_before_or_after_the_subcommand(tmp_path: Path, where: str) -> None:
    missing = str(tmp_path / "missing.xlsx")
    args = ["--debug", "check", missing] if where == "before" else ["check", missing, "--debug"]
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "missing.xlsx" in result.stderr.splitlines()[-1]


def test_without_debug_there_is_one_sentence_and_no_traceback(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path / "missing.xlsx"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_desk_takes_sends_timeout_rule() -> None:
    """`report desk` shares `report send`'s SMTP options, so an endless --timeout is refused before it serves."""
    from click.testing import CliRunner
    from conftest import SAMPLE

    from report.cli import cli

    for value in ("inf", "nan", "0", "1e308"):
        result = CliRunner().invoke(cli, ["desk", str(SAMPLE), "--no-browser", "--timeout", value])
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[0] == (f"Error: --timeout {value} is not a number of seconds from 1 to "
                                                 "3600: give one such as --timeout 120.")
