"""The README's commands work when pasted in order, and it needs nothing outside the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def bash_blocks(text: str) -> list[str]:
    """The ```bash blocks, in order."""
    return re.findall(r"```bash\n(.*?)```", text, re.DOTALL)


def commands(block: str) -> list[str]:
    """Each command line of a block, without comments, installs or the test run itself (this is it)."""
    out = []
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line or line.startswith("#") or line == "bash scripts/test":
            continue
        steps = [step.strip() for step in line.split("&&")]
        # The install steps are what `bash scripts/test` (and its wheel check) has just done.
        steps = [s for s in steps if not s.startswith("python3 -m venv") and "pip install" not in s]
        out.extend(step.replace(".venv/bin/", f"{BIN}/") for step in steps)
    return out


def test_the_readme_commands_run_as_pasted_in_order(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "workbooks", tmp_path / "workbooks")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("REPORT_SMTP_PASSWORD", None)
    ran = []
    for block in bash_blocks(README):
        for command in commands(block):
            result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                                    timeout=300, check=False)
            assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
            assert "Traceback" not in result.stderr
            ran.append(command)
    assert any(c.startswith(f"{BIN}/report build workbooks/bifurcation-tracker.xlsx") for c in ran)
    assert any(c.startswith("report send") for c in ran), "the producer's week ends with a send"
    # The first command builds exactly the edition the README describes.
    assert (tmp_path / "out" / "briefing-2026-06-01.html").exists()


def test_the_readme_describes_the_edition_its_first_command_builds() -> None:
    assert "edition 2026-06-01" in README
    assert "42 days" in README
    assert "Edition date" in README


def test_the_readme_needs_nothing_outside_the_repository() -> None:
    assert "../shared" not in README
    assert "SPEC.md" not in README


def test_the_readmes_check_example_is_what_check_prints(tmp_path: Path) -> None:
    """The example under `report check`: a signal without a source on row 3, a bad direction on row 7."""
    import datetime as dt

    import openpyxl
    from conftest import SAMPLE

    start = README.index("```\nWARNING Signals!J3") + 4
    block = README[start:README.index("```", start)]
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    book = openpyxl.load_workbook(workbook)
    ws = book["Signals"]
    ws["J3"] = None
    for cell, value in {"A7": "2026-Q2", "B7": "A signal with a bad direction", "F7": "maybe",
                        "I7": dt.datetime(2026, 5, 27), "J7": "Seed report, 2026-05-27"}.items():
        ws[cell] = value
    book.save(workbook)
    result = subprocess.run([str(BIN / "report"), "check", str(workbook)], capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 1
    assert result.stdout == block


def test_the_readmes_python_example_runs_as_pasted(tmp_path: Path) -> None:
    """The library section's code, run from a copy of the repository's folder in a fresh interpreter."""
    [code] = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    shutil.copytree(ROOT / "workbooks", tmp_path / "workbooks")
    env = {k: v for k, v in os.environ.items() if k != "REPORT_SMTP_PASSWORD"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "0 errors, 0 warnings"
    assert lines[1].startswith("2026-06-01 TOO EARLY -0.60 The pivot is being watched, not imitated")
    assert lines[2:5] == ["out/briefing-2026-06-01.xlsx", "out/briefing-2026-06-01.html",
                          "out/briefing-2026-06-01.eml"]
    assert lines[5] == "2026-06-01 TOO EARLY -0.6"
    assert lines[6].startswith("Dry run: nothing was sent"), lines
    assert lines[-1] == "There is no file at no-such-workbook.xlsx: check the path and try again."
    assert "Signals!B2 1.2 Chinese-cloud customer traction on Max-Preview reportedly strong" in lines
    assert (tmp_path / "out" / "history.sqlite").exists()
