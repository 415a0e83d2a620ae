"""`report build` end to end: what a producer runs, and what they find in the folder afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import append_row, edit_workbook, run_cli, set_cell

from report import build as build_module
from report.cli import cli

STEM = "briefing-2026-06-01"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_spreading(book: openpyxl.Workbook) -> None:
    set_cell(book, "Labs", "Lab", "DeepSeek", "Flagship weights", "Closed")
    set_cell(book, "Labs", "Lab", "DeepSeek", "Status since", dt.datetime(2026, 5, 30))
    append_row(book, "Events", {"Date": dt.datetime(2026, 5, 30), "Lab": "DeepSeek", "Kind": "Closed flagship",
                                "Headline": "DeepSeek moves its flagship to closed weights"})


def test_build_writes_all_three_outputs_and_prints_their_paths(sample_copy: Path, tmp_path: Path) -> None:
    before = digest(sample_copy)
    out = tmp_path / "out"
    result = run_cli("build", str(sample_copy), "-o", str(out), "--edition", "2026-06-01")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for ext in ("xlsx", "html", "eml"):
        path = out / f"{STEM}.{ext}"
        assert path.stat().st_size > 1000
        assert str(path) in result.stdout
    assert (out / "history.sqlite").exists()
    assert "TOO EARLY" in result.stdout
    html = (out / f"{STEM}.html").read_text()
    assert "0 of 4 watched labs" in html
    assert "42 days" in html
    assert digest(sample_copy) == before, "the input workbook must never be written"
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files are left behind"


def test_the_sample_builds_from_the_committed_workbook(sample_path: Path, tmp_path: Path) -> None:
    before = digest(sample_path)
    result = run_cli("build", str(sample_path), "-o", str(tmp_path), "--edition", "2026-06-01", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.glob("briefing-*")] == [f"{STEM}.html"]
    assert digest(sample_path) == before


def test_a_closed_deepseek_makes_the_verdict_spreading(sample_copy: Path, tmp_path: Path) -> None:
    edit_workbook(sample_copy, make_spreading)
    result = run_cli("build", str(sample_copy), "-o", str(tmp_path), "--edition", "2026-06-01", "--format", "html")
    assert result.returncode == 0, result.stderr
    assert "SPREADING" in result.stdout
    html = (tmp_path / f"{STEM}.html").read_text()
    assert "SPREADING" in html
    assert "DeepSeek has followed Alibaba" in html


def test_a_workbook_with_errors_exits_1_and_writes_nothing(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", str(sample_copy), "-o", str(out), "--edition", "2026-06-01").returncode == 0
    previous = {p.name: digest(p) for p in out.iterdir()}

    edit_workbook(sample_copy, lambda book: set_cell(book, "Signals", "Signal",
                                                     "Apache-2.0 is winning the permissive-licence race",
                                                     "Points to", "maybe"))
    result = run_cli("build", str(sample_copy), "-o", str(out), "--edition", "2026-06-01")
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("The workbook has 1 error: nothing was written.")
    assert "ERROR Signals!F4 (Points to): 'maybe' is not one of Pays, Reverts, Neutral" in result.stderr
    assert "1 error" in result.stderr.splitlines()[-1]
    assert {p.name: digest(p) for p in out.iterdir()} == previous


def test_a_failed_render_leaves_the_previous_outputs_and_history_untouched(
        sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build_module.build(sample_copy, out, dt.date(2026, 6, 1))
    previous = {p.name: digest(p) for p in out.iterdir()}

    def broken(*args: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("report.render.email.render_email", broken)
    result = CliRunner().invoke(cli, ["build", str(sample_copy), "-o", str(out), "--edition", "2026-06-01"])
    assert result.exit_code == 2
    assert "unexpected problem" in result.output
    assert {p.name: digest(p) for p in out.iterdir()} == previous


def test_a_failed_first_build_leaves_no_history(sample_copy: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("report.render.html.render_html", lambda briefing, presentation=None: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        build_module.build(sample_copy, tmp_path / "out", dt.date(2026, 6, 1))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_format_limits_the_outputs(sample_copy: Path, tmp_path: Path) -> None:
    result = run_cli("build", str(sample_copy), "-o", str(tmp_path), "--edition", "2026-06-01",
                     "--format", "xlsx", "--format", "eml")
    assert result.returncode == 0, result.stderr
    assert sorted(p.suffix for p in tmp_path.glob("briefing-*")) == [".eml", ".xlsx"]


def test_formats_are_repeated_or_listed_with_commas(sample_copy: Path, tmp_path: Path) -> None:
    for given in (["--format", "html,EML"], ["--format", "html", "--format", "eml"]):
        out = tmp_path / "-".join(given)
        result = run_cli("build", str(sample_copy), "-o", str(out), *given)
        assert result.returncode == 0, result.stderr
        assert sorted(p.name for p in out.glob("briefing-*")) == ["briefing-2026-06-01.eml",
                                                                   "briefing-2026-06-01.html"]


def test_bad_usage_exits_2_with_one_sentence(sample_copy: Path, tmp_path: Path) -> None:
    result = run_cli("build", str(sample_copy), "-o", str(tmp_path), "--edition", "1 June")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == ("Error: --edition '1 June' is not a date: write it as YYYY-MM-DD, "
                                             "e.g. 2026-06-01.")
    result = run_cli("build", str(sample_copy), "--format", "pdf")
    assert result.returncode == 2
    # The sentence first, then click's usage lines (issue 12 §5).
    assert result.stderr.splitlines()[0] == "Error: Invalid value for '--format': 'pdf' is not a format: " \
                                            "choose from xlsx, html, eml (e.g. --format html,eml)."
    assert result.stderr.splitlines()[1].startswith("Usage: report build")
    # The usage line reads like a list: a second name after --format gets a sentence saying how.
    result = run_cli("build", str(sample_copy), "--format", "html", "eml")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "Error: 'eml' is not an argument: give each format its own " \
                                            "--format, or list them with commas: --format html,eml."
    (tmp_path / "a-file").write_text("")
    result = run_cli("build", str(sample_copy), "-o", str(tmp_path / "a-file"))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (f"Error: Invalid value for '-o' / '--outdir': Directory "
                                             f"'{tmp_path / 'a-file'}' is a file.")
    assert result.stderr.splitlines()[1].startswith("Usage: report build")


def test_an_unusable_file_exits_2(tmp_path: Path) -> None:
    result = run_cli("build", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "There is no file at" in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = run_cli("--debug", "build", str(tmp_path / "nope.xlsx"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_the_edition_defaults_to_the_settings_value(sample_copy: Path, tmp_path: Path) -> None:
    edit_workbook(sample_copy, lambda book: set_cell(book, "Settings", "Setting", "Edition date", "Value",
                                                     "2026-06-08"))
    result = run_cli("build", str(sample_copy), "-o", str(tmp_path), "--format", "html")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "briefing-2026-06-08.html").exists()


def test_outputs_replace_earlier_ones_atomically(sample_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_module.build(sample_copy, out, dt.date(2026, 6, 1), ("html",))
    first = (out / f"{STEM}.html").stat().st_ino
    shutil.copyfile(sample_copy, tmp_path / "again.xlsx")
    build_module.build(tmp_path / "again.xlsx", out, dt.date(2026, 6, 1), ("html",))
    # A new file was renamed over the old one (a new inode), never rewritten in place.
    assert (out / f"{STEM}.html").stat().st_ino != first
