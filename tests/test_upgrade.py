"""`report upgrade OLD.xlsx NEW.xlsx`, and `check` on a workbook from an older template."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import EDITION, SAMPLE, checked_tracker, edit_workbook, records, run_cli, soffice_convert

from report import schema
from report.analysis import analyse
from report.edition import as_of

DROPPED_SETTINGS = ("Editor", "Call margin")
DROPPED_COLUMN = ("Signals", "Notes")


def previous_template(book: openpyxl.Workbook) -> None:
    """The sample as an older template had it: two optional settings and an optional column fewer. The desk
    also added a column and a sheet of its own."""
    ws = book["Settings"]
    for row in range(ws.max_row, 1, -1):
        if ws.cell(row=row, column=1).value in DROPPED_SETTINGS:
            ws.delete_rows(row)
    signals = book[DROPPED_COLUMN[0]]
    headers = [c.value for c in signals[1]]
    signals.delete_cols(headers.index(DROPPED_COLUMN[1]) + 1)
    last = signals.max_column + 1
    signals.cell(row=1, column=last, value="Reviewer")
    signals.cell(row=2, column=last, value="Li")
    signals.cell(row=3, column=last, value="Sam")
    book.create_sheet("Scratch")["A1"] = "ideas"


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The older workbook, as LibreOffice saved it."""
    folder = tmp_path_factory.mktemp("upgrade")
    made = folder / "made" / "tracker.xlsx"
    made.parent.mkdir()
    made.write_bytes(SAMPLE.read_bytes())
    edit_workbook(made, previous_template)
    return soffice_convert(made, "xlsx", folder)


def test_an_older_workbook_still_checks_and_check_suggests_upgrade(old: Path) -> None:
    # Named from the folder above, as a user would: the suggested command names the file the same way.
    named = f"{old.parent.name}/{old.name}"
    done = run_cli("check", "--json", named, cwd=old.parent.parent)
    assert done.returncode == 0, done.stdout
    findings = json.loads(done.stdout)
    older = [f for f in findings if f["code"] == "older-template"]
    assert len(older) == 1 and older[0]["level"] == "warning"
    assert older[0]["message"] == (
        "this workbook comes from an older template: it lacks the Editor setting, the Call margin setting "
        f"and the Notes column on Signals (defaults are used); run 'report upgrade {named} "
        f"{old.parent.name}/tracker-upgraded.xlsx' to bring it up to date")
    t = checked_tracker(old)
    assert t.settings.call_margin == 2.0 and t.settings.editor is None  # the defaults


def test_upgrade_carries_every_record_and_says_what_it_added_and_left(old: Path, tmp_path: Path) -> None:
    before = old.read_bytes()
    new = tmp_path / "upgraded.xlsx"
    done = run_cli("upgrade", str(old), str(new))
    assert done.returncode == 0, done.stderr
    assert old.read_bytes() == before  # OLD is only read
    assert done.stdout.splitlines() == [
        (f"Wrote {new} from {old}, carrying across every record (Settings 9, Labs 5, Events 2, Signals 5, "
        "Milestones 2, Sources 4)."),
        ("Added from the current template: the Editor setting; the Call margin setting; the Notes column on "
        "Signals."),
        f"Next: report check {new}",
    ]
    assert done.stderr.splitlines() == [
        ("WARNING not carried across, having no place in the template: the sheet 'Scratch'; the column 'Reviewer' "
        "on Signals (2 values)."),
    ]
    # It is the current template: every setting of the schema, in order, and every column.
    book = openpyxl.load_workbook(new)
    settings = book["Settings"]
    assert [settings.cell(row=r, column=1).value for r in range(2, settings.max_row + 1)] == [
        f.name for f in schema.SETTINGS_FIELDS]
    for spec in schema.TABLES:
        assert [c.value for c in book[spec.name][1]] == [c.name + ("*" if c.required else "") for c in spec.columns]
    done = run_cli("check", str(new))
    assert (done.returncode, done.stdout) == (0, "No problems found.\n")
    # The same records, so the same edition: verdict, score, figures, every section.
    assert records(checked_tracker(new)) == records(checked_tracker(old))
    assert analyse(as_of(checked_tracker(new), EDITION)) == analyse(as_of(checked_tracker(old), EDITION))


def test_upgraded_builds_the_same_edition(old: Path, tmp_path: Path) -> None:
    new = tmp_path / "upgraded.xlsx"
    assert run_cli("upgrade", str(old), str(new)).returncode == 0
    lines = []
    for workbook in (old, new):
        done = run_cli("build", str(workbook), "-o", str(tmp_path / workbook.stem), "--edition",
                       EDITION.isoformat(), "--format", "html")
        assert done.returncode == 0, done.stderr
        lines.append(done.stdout.splitlines()[0])
    assert lines[0] == lines[1] and lines[0].startswith("Edition 2026-06-01: TOO EARLY")


def test_upgrade_never_writes_old(old: Path, tmp_path: Path) -> None:
    before = old.read_bytes()
    link = tmp_path / "link.xlsx"
    link.symlink_to(old)
    for target in (old, link, old.parent / "." / old.name):
        done = run_cli("upgrade", str(old), str(target), "--force")
        assert done.returncode == 2
        assert done.stderr.startswith(f"Error: {target} is the workbook being upgraded"), done.stderr
    assert old.read_bytes() == before
    existing = tmp_path / "existing.xlsx"
    existing.write_bytes(b"keep")
    done = run_cli("upgrade", str(old), str(existing))
    assert done.returncode == 2 and "already exists" in done.stderr
    assert existing.read_bytes() == b"keep"


def test_a_current_workbook_upgrades_to_itself(tmp_path: Path) -> None:
    """Nothing added, nothing left behind: the upgrade of a fresh sample is the sample."""
    new = tmp_path / "new.xlsx"
    done = run_cli("upgrade", str(SAMPLE), str(new))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "Added" not in done.stdout
    assert new.read_bytes() == SAMPLE.read_bytes()


def test_upgrade_names_what_it_cannot_carry(tmp_path: Path) -> None:
    """A formula never calculated has no value to carry; an editor's own sheet named like the Fix list is theirs."""
    from click.testing import CliRunner

    from report.cli import cli

    old = tmp_path / "old.xlsx"
    old.write_bytes(SAMPLE.read_bytes())
    coordinate = ""

    def change(book: openpyxl.Workbook) -> None:
        nonlocal coordinate
        signals = book["Signals"]
        column = [str(c.value).rstrip("*").strip() for c in signals[1]].index("Value") + 1
        cell = signals.cell(row=3, column=column, value="=2+3")  # openpyxl saves no value for it
        coordinate = cell.coordinate
        book.create_sheet("Fix list")["A1"] = "my own list of things to fix"

    edit_workbook(old, change)
    new = tmp_path / "new.xlsx"
    done = CliRunner().invoke(cli, ["upgrade", str(old), str(new)])
    assert done.exit_code == 0, done.output
    assert done.stderr.splitlines() == [
        "WARNING not carried across, having no place in the template: the sheet 'Fix list'.",
        (f"WARNING not carried across, having no saved value (a formula never calculated): Signals!{coordinate}. "
        f"Open {old} in Excel or LibreOffice, save it, and upgrade again."),
    ]
