"""An edition is published whole or not at all (issue 12 part 1): the folder and the history always agree.

Each case is reproduced at the level the producer meets it: a real `report` process killed by strace between
two renames (or anywhere else in the publish), a history held by another writer, a read-only folder or
history, a disk that fills up, and the workbook itself given as an output.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLE, edit_workbook, run_cli, set_cell

STEM = "briefing-2026-06-01"
EDITION = ("--edition", "2026-06-01")
# Two formats are enough to be killed between two renames, and leave out the email's slow chart drawing.
FORMATS = ("--format", "xlsx", "--format", "html")
OLD_TITLE = "The bifurcation briefing"
NEW_TITLE = "The second take"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict[str, str]:
    """Every file in `folder` (hidden ones too) and its digest."""
    return {p.name: sha(p) for p in sorted(folder.iterdir()) if p.is_file()}


def build(workbook: Path, out: Path, *extra: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return run_cli("build", str(workbook), "-o", str(out), *EDITION, *FORMATS, *extra,
                   **kwargs)  # type: ignore[arg-type]


def run_report(*args: str, prefix: tuple[str, ...] = (),
               preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m report ARGS`, behind a wrapper (strace, setpriv) or with resource limits."""
    return subprocess.run([*prefix, sys.executable, "-m", "report", *args], check=False, capture_output=True,
                          text=True, timeout=300, preexec_fn=preexec)


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Two versions of the workbook (different titles, so every output differs) and what each builds alone."""
    base = tmp_path_factory.mktemp("editions")
    found: dict[str, dict[str, object]] = {}
    for name, title in (("old", OLD_TITLE), ("new", NEW_TITLE)):
        workbook = base / f"{name}.xlsx"
        shutil.copyfile(SAMPLE, workbook)
        if title != OLD_TITLE:
            edit_workbook(workbook, lambda book, t=title: set_cell(book, "Settings", "Setting", "Title", "Value", t))
        alone = base / f"{name}-alone"
        result = build(workbook, alone)
        assert result.returncode == 0, result.stderr
        found[name] = {"workbook": workbook, "sha": sha(workbook), "title": title,
                       "xlsx": sha(alone / f"{STEM}.xlsx"), "html": sha(alone / f"{STEM}.html")}
    eml = run_cli("build", str(found["old"]["workbook"]), "-o", str(base / "eml"), *EDITION, "--format", "eml")
    assert eml.returncode == 0, eml.stderr
    found["old"]["eml"] = base / "eml" / f"{STEM}.eml"
    return found


@pytest.fixture
def published(tmp_path: Path, editions: dict[str, dict[str, object]]) -> Path:
    """A folder holding the old workbook's edition 2026-06-01, files and history."""
    out = tmp_path / "out"
    result = build(editions["old"]["workbook"], out)  # type: ignore[arg-type]
    assert result.returncode == 0, result.stderr
    return out


def recorded(history: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(history) as db:
        return db.execute("SELECT edition, workbook_sha256 FROM editions ORDER BY edition").fetchall()


def journal_rows(history: Path) -> list[tuple[str]]:
    with sqlite3.connect(history) as db:
        return db.execute("SELECT value FROM meta WHERE key = 'publish'").fetchall()


def assert_agree(out: Path, editions: dict[str, dict[str, object]]) -> str:
    """The folder and the history hold one and the same edition, whole; no temporary file is left. Which?"""
    assert sorted(p.name for p in out.glob(".*")) == [], "temporary files were left behind"
    assert not (out / "history.sqlite-journal").exists()
    assert not (out / "history.sqlite.publish").exists()
    assert journal_rows(out / "history.sqlite") == []
    rows = recorded(out / "history.sqlite")
    assert [edition for edition, _ in rows] == ["2026-06-01"]
    which = next(name for name, e in editions.items() if e["sha"] == rows[0][1])
    expected = editions[which]
    assert sha(out / f"{STEM}.xlsx") == expected["xlsx"], f"the xlsx is not the {which} edition's"
    assert sha(out / f"{STEM}.html") == expected["html"], f"the page is not the {which} edition's"
    assert str(expected["title"]) in (out / f"{STEM}.html").read_text()
    return which


# -- kill -9 anywhere in the publish --------------------------------------------------------------------------

# rename N: between the output renames (after the commit). unlink N: when SQLite commits the edition (it deletes
# its rollback journal), when it clears the mark, when the publish journal is deleted. fsync 2: while the
# temporary files are written; fdatasync 2: inside the commit, before it is done.
# An unlink is counted on one path only (strace -P): the xlsx writer deletes temporary files of its own first.
KILLS = [("rename", 1), ("rename", 2), ("unlink", 1), ("unlink", 2), ("unlink", 3), ("fsync", 2),
         ("fdatasync", 2)]
UNLINKED = {1: ("history.sqlite-journal", 1), 2: ("history.sqlite-journal", 2), 3: ("history.sqlite.publish", 1)}


# `history` follows every kill point; `build` and `send` follow three of them.
CASES = [(s, n, "history") for s, n in KILLS] + [
    ("rename", 1, "build"), ("rename", 1, "send"), ("unlink", 2, "send")]


@pytest.mark.parametrize(("syscall", "when", "then"), CASES, ids=[f"{s}-{n}-then-{t}" for s, n, t in CASES])
def test_a_kill_anywhere_in_a_publish_is_finished_or_undone_by_the_next_command(
        published: Path, editions: dict[str, dict[str, object]], syscall: str, when: int, then: str) -> None:
    assert shutil.which("strace"), "strace is not installed: run scripts/test, which installs it"
    names = {"rename": "rename,renameat,renameat2", "unlink": "unlink,unlinkat"}.get(syscall, syscall)
    only: tuple[str, ...] = ()
    if syscall == "unlink":
        name, when = UNLINKED[when]
        only = ("-P", str(published / name))
    killed = run_report("build", str(editions["new"]["workbook"]), "-o", str(published), *EDITION, *FORMATS,
                        prefix=("strace", "-f", "-o", os.devnull, *only, "-e", f"trace={names}",
                                "-e", f"inject={names}:signal=SIGKILL:when={when}"))
    assert killed.returncode in (137, -signal.SIGKILL), killed.stderr  # the build really was killed
    if syscall == "rename":
        # The state the issue found: some outputs renamed, some not, temporaries beside them.
        assert list(published.glob(".briefing-*.tmp"))

    if then == "history":
        after = run_cli("history", "--history", str(published / "history.sqlite"))
    elif then == "send":
        after = run_cli("send", str(editions["old"]["eml"]), "--history", str(published / "history.sqlite"),
                        "--dry-run")
    else:
        # Another edition into the same folder: the interrupted one is finished (or undone) first.
        after = run_cli("build", str(editions["new"]["workbook"]), "-o", str(published), "--edition", "2026-06-08",
                        "--format", "html")
    assert after.returncode == 0, after.stderr
    if then == "build":
        (published / "briefing-2026-06-08.html").unlink()
        with sqlite3.connect(published / "history.sqlite") as db:
            db.execute("DELETE FROM editions WHERE edition = '2026-06-08'")
    which = assert_agree(published, editions)
    if syscall == "rename":
        assert which == "new"  # killed after the commit: the publish is completed, not undone


# -- a history that cannot be written ---------------------------------------------------------------------------


def test_a_history_held_by_another_writer_leaves_the_previous_edition(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    before = folder_state(published)
    holder = sqlite3.connect(published / "history.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = build(editions["new"]["workbook"], published)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (f"Error: {published / 'history.sqlite'} is locked by another build: "
                                             "wait for it to finish and try again.")
    assert folder_state(published) == before
    assert assert_agree(published, editions) == "old"


def test_a_reader_that_blocks_the_commit_leaves_the_previous_edition(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    """The history opens and reads fine, but the record cannot be committed: the files must not move."""
    before = folder_state(published)
    reader = sqlite3.connect(published / "history.sqlite", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM editions").fetchone()  # a shared lock, held
    try:
        result = build(editions["new"]["workbook"], published)
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert result.returncode == 2
    assert "is locked by another build" in result.stderr.splitlines()[0]
    assert "Traceback" not in result.stderr
    assert folder_state(published) == before
    assert assert_agree(published, editions) == "old"


def without_root_overrides() -> tuple[str, ...]:
    """Root ignores file permissions; setpriv drops that power so a read-only file is read-only for it too."""
    if os.geteuid() != 0:
        return ()
    assert shutil.which("setpriv"), "setpriv (util-linux) is missing"
    return ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--")


def test_a_read_only_history_leaves_the_previous_outputs(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    history = published / "history.sqlite"
    history.chmod(0o444)
    before = folder_state(published)
    result = run_report("build", str(editions["new"]["workbook"]), "-o", str(published), *EDITION, *FORMATS,
                        prefix=without_root_overrides())
    history.chmod(0o644)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0].startswith(f"Error: Cannot write {history}")
    assert folder_state(published) == before


def test_a_read_only_folder_leaves_the_previous_edition(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    before = folder_state(published)
    published.chmod(0o555)
    try:
        result = run_report("build", str(editions["new"]["workbook"]), "-o", str(published), *EDITION, *FORMATS,
                            prefix=without_root_overrides())
    finally:
        published.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert folder_state(published) == before
    assert assert_agree(published, editions) == "old"


# -- a full disk (a size-limited file: RLIMIT_FSIZE works unprivileged, in any CI) ------------------------------


def file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fills_up_mid_publish_leaves_the_previous_edition(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    before = folder_state(published)
    history_size = (published / "history.sqlite").stat().st_size
    page_size = (published / f"{STEM}.html").stat().st_size
    # Room for less than the page. (The history keeps each edition's page, compressed, for the web archive, so it
    # may be the larger file; it is only read before the page is written, and a limit does not stop reading.)
    limit = (min(history_size, page_size) + page_size) // 2 if history_size < page_size else page_size * 3 // 4
    assert limit < page_size
    result = run_report("build", str(editions["new"]["workbook"]), "-o", str(published), *EDITION, *FORMATS,
                        preexec=file_size_limit(limit))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0].startswith(f"Error: Cannot write the briefing in {published}")
    assert "the previous edition is untouched" in result.stderr
    assert folder_state(published) == before
    assert assert_agree(published, editions) == "old"


# With the xlsx, the first write is the xlsx writer's temporary rows (before the output folder is made); with
# the page alone, it is the history.
@pytest.mark.parametrize(("formats", "first_words", "folder_made"), [
    (FORMATS, "Error: Cannot write the xlsx report's temporary files", False),
    (("--format", "html"), "Error: Cannot write", True)])
def test_a_full_disk_on_the_first_build_leaves_no_empty_history(
        tmp_path: Path, editions: dict[str, dict[str, object]], formats: tuple[str, ...], first_words: str,
        folder_made: bool) -> None:
    out = tmp_path / "out"
    result = run_report("build", str(editions["old"]["workbook"]), "-o", str(out), *EDITION, *formats,
                        preexec=file_size_limit(0))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(first_words), result.stderr
    assert "free some space" in result.stderr and "Traceback" not in result.stderr
    assert not (out / "history.sqlite").exists()
    assert out.exists() == folder_made
    assert list(out.iterdir() if folder_made else ()) == []
    # Once there is room again, the next build simply works.
    again = build(editions["old"]["workbook"], out)
    assert again.returncode == 0, again.stderr
    assert assert_agree(out, editions) == "old"


def test_an_empty_history_file_left_by_an_older_version_does_not_block_builds(
        tmp_path: Path, editions: dict[str, dict[str, object]]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "history.sqlite").write_bytes(b"")
    result = build(editions["old"]["workbook"], out)
    assert result.returncode == 0, result.stderr
    assert assert_agree(out, editions) == "old"


# -- the workbook is never an output ----------------------------------------------------------------------------


def test_the_input_workbook_is_never_overwritten_by_its_own_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    workbook = out / f"{STEM}.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    before = folder_state(out)
    result = run_cli("build", str(workbook), "-o", str(out), *EDITION)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"Error: {workbook} is the workbook being built ({workbook}): the briefing would replace it. Give -o "
        "another folder, or keep the workbook elsewhere.")
    assert folder_state(out) == before  # nothing written: no page, no email, no history


def test_the_workbook_is_recognised_under_another_name(tmp_path: Path) -> None:
    """A hard link and a path through a symlinked folder are the same file."""
    workbook = tmp_path / "desk" / "tracker.xlsx"
    workbook.parent.mkdir()
    shutil.copyfile(SAMPLE, workbook)
    out = tmp_path / "out"
    out.mkdir()
    os.link(workbook, out / f"{STEM}.xlsx")
    (tmp_path / "via").symlink_to(tmp_path / "desk")
    original = sha(workbook)
    result = run_cli("build", str(tmp_path / "via" / "tracker.xlsx"), "-o", str(out), *EDITION, *FORMATS)
    assert result.returncode == 2
    assert "is the workbook being built" in result.stderr.splitlines()[0]
    assert sha(workbook) == original
    assert sorted(p.name for p in out.iterdir()) == [f"{STEM}.xlsx"]


def test_a_folder_where_an_output_goes_is_refused_before_anything_moves(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    (published / f"{STEM}.html").unlink()
    (published / f"{STEM}.html").mkdir()
    before = folder_state(published)
    result = build(editions["new"]["workbook"], published)
    assert result.returncode == 2
    assert "is a folder, where the briefing's file goes" in result.stderr.splitlines()[0]
    assert folder_state(published) == before
    assert recorded(published / "history.sqlite") == [("2026-06-01", editions["old"]["sha"])]


def test_a_torn_journal_and_stray_temporaries_are_cleared_by_history(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    """Killed while the journal itself was being written: nothing was committed, so all is undone."""
    (published / "history.sqlite.publish").write_bytes(b'{"id": "abc", "files": [["/tm')
    (published / f".{STEM}.html.abc.tmp").write_bytes(b"half a page")
    (published / ".briefing-2026-06-08.xlsx.0a1b2c.tmp").write_bytes(b"an older kill's leftover")
    result = run_cli("history", "--history", str(published / "history.sqlite"))
    assert result.returncode == 0, result.stderr
    assert assert_agree(published, editions) == "old"


def test_a_folder_where_the_publish_journal_goes_is_called_what_it_is(
        published: Path, editions: dict[str, dict[str, object]]) -> None:
    (published / "history.sqlite.publish").mkdir()
    before = folder_state(published)
    result = build(editions["new"]["workbook"], published)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"Error: {published / 'history.sqlite.publish'} is a folder, where report keeps the publish journal of "
        "history.sqlite: move that folder away and try again.")
    assert folder_state(published) == before
