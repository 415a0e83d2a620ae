"""Sign-off held by the history, not by the file it protects (issue 20 §1), and a dry run that writes nothing
(issue 19 §7).

The history records, for each edition, whether it was built with Sign-off required and the SHA-256 of the .eml
the build wrote; `report send` asks the history, whatever the message's headers say. Each test edits, deletes
or forges the headers, or swaps in another message, and sends through a real SMTP server on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLE, edit_workbook, set_cell
from test_mail import Server, serve

from report.build import build
from report.cli import cli

EARLIER, EDITION = "2026-05-25", "2026-06-01"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """The command line, in-process."""
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def plain() -> Iterator[Server]:
    yield from serve()


def _built(folder: Path, sign_off_then: bool, sign_off_now: bool) -> Path:
    """Two editions of the sample in one history: EARLIER built with `sign_off_then`, EDITION with `sign_off_now`."""
    import datetime as dt

    workbook = folder / "tracker.xlsx"
    out = folder / "out"
    for edition, sign_off in ((EARLIER, sign_off_then), (EDITION, sign_off_now)):
        shutil.copyfile(SAMPLE, workbook)

        def change(book: Any, sign_off: bool = sign_off) -> None:
            set_cell(book, "Settings", "Setting", "Sign-off required", "Value", "Yes" if sign_off else "No")
            set_cell(book, "Settings", "Setting", "Editor", "Value", "A. Editor")

        edit_workbook(workbook, change)
        build(workbook, out, dt.date.fromisoformat(edition), ("eml",))
    return out


@pytest.fixture(scope="module")
def signed_off(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """EARLIER built without sign-off, EDITION built with it (the desk turned the setting on)."""
    return _built(tmp_path_factory.mktemp("signed-off"), sign_off_then=False, sign_off_now=True)


@pytest.fixture(scope="module")
def never_signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _built(tmp_path_factory.mktemp("never"), sign_off_then=False, sign_off_now=False)


@pytest.fixture
def out(signed_off: Path, tmp_path: Path) -> Path:
    """A copy of the signed-off build that a test may change."""
    return Path(shutil.copytree(signed_off, tmp_path / "out"))


def eml_of(out: Path, edition: str = EDITION) -> Path:
    return out / f"briefing-{edition}.eml"


def rewrite(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data, old
    path.write_bytes(data.replace(old, new, 1))


def send_both(path: Path, server: Server, *args: str) -> tuple[Result, Result]:
    """A real send, then the same send as a dry run."""
    return (invoke("send", str(path), "--smtp", server.address, *args),
            invoke("send", str(path), "--smtp", server.address, "--dry-run", *args))


def assert_refused(results: tuple[Result, Result], server: Server, expected: str) -> None:
    for result in results:
        assert result.exit_code == 2, result.output
        assert result.stdout == ""
        assert expected in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert results[0].stderr == results[1].stderr
    assert not server.received


NEEDS = f"Edition {EDITION} needs sign-off before it is sent and nobody has approved it"


@pytest.mark.parametrize(("old", "new"), [
    (b"X-Report-Sign-Off: required", b"X-Report-Sign-Off: not required"),
    (b"X-Report-Sign-Off: required", b"X-Report-Sign-Off: no thanks"),
    (b"X-Report-Sign-Off: required\r\n", b""),
    (b"X-Report-Sign-Off: required\r\nX-Report-Approver: A. Editor\r\n", b""),
], ids=["not required", "anything else", "deleted", "both deleted"])
def test_editing_the_sign_off_header_does_not_turn_the_rule_off(out: Path, plain: Server, old: bytes,
                                                               new: bytes) -> None:
    path = eml_of(out)
    rewrite(path, old, new)
    assert_refused(send_both(path, plain), plain, NEEDS)


def test_a_forged_edition_the_history_does_not_know_is_refused(out: Path, plain: Server) -> None:
    path = eml_of(out)
    rewrite(path, b"X-Report-Sign-Off: required", b"X-Report-Sign-Off: not required")
    rewrite(path, f"X-Report-Edition: {EDITION}".encode(), b"X-Report-Edition: 2026-05-18")
    assert_refused(send_both(path, plain), plain,
                   "Edition 2026-05-18 needs sign-off before it is sent and nobody has approved it")


def test_a_deleted_edition_is_refused(out: Path, plain: Server) -> None:
    path = eml_of(out)
    rewrite(path, b"X-Report-Sign-Off: required", b"X-Report-Sign-Off: not required")
    rewrite(path, f"X-Report-Edition: {EDITION}\r\n".encode(), b"")
    assert_refused(send_both(path, plain), plain, "needs sign-off but names no edition")


def test_claiming_an_edition_built_without_sign_off_is_refused(out: Path, plain: Server) -> None:
    # EARLIER was built before the desk turned sign-off on: its record says "not required", but these bytes are
    # not the message it built, and the desk's setting (its latest build) requires sign-off.
    path = eml_of(out)
    rewrite(path, b"X-Report-Sign-Off: required", b"X-Report-Sign-Off: not required")
    rewrite(path, f"X-Report-Edition: {EDITION}".encode(), f"X-Report-Edition: {EARLIER}".encode())
    assert_refused(send_both(path, plain), plain,
                   f"Edition {EARLIER} needs sign-off before it is sent and nobody has approved it")


def test_another_approved_message_does_not_stand_for_this_one(out: Path, plain: Server) -> None:
    earlier, path = eml_of(out, EARLIER), eml_of(out)
    original = path.read_bytes()
    approved = invoke("approve", str(earlier), "--by", "A. Editor")
    assert approved.exit_code == 0, approved.output
    # Swap this edition's message in under the approved one's name and edition: its bytes were never approved.
    rewrite(path, f"X-Report-Edition: {EDITION}".encode(), f"X-Report-Edition: {EARLIER}".encode())
    shutil.copyfile(path, earlier)
    assert_refused(send_both(earlier, plain), plain, f"Edition {EARLIER} was approved by A. Editor at ")
    # Approving this edition's own message, then editing its headers, is refused too.
    path.write_bytes(original)
    assert invoke("approve", str(path), "--by", "A. Editor").exit_code == 0
    rewrite(path, b"X-Report-Sign-Off: required", b"X-Report-Sign-Off: not required")
    assert_refused(send_both(path, plain), plain, "has changed since (it is not the file that was approved)")


def test_the_approved_message_goes_and_the_dry_run_says_why(out: Path, plain: Server) -> None:
    path = eml_of(out)
    assert invoke("approve", str(path), "--by", "A. Editor").exit_code == 0
    dry = invoke("send", str(path), "--smtp", plain.address, "--dry-run")
    assert dry.exit_code == 0, dry.output
    [line] = [line for line in dry.stdout.splitlines() if line.startswith("Sign-off:")]
    assert line.startswith(f"Sign-off:   required (the history records edition {EDITION} as built with Sign-off "
                           "required Yes); approved by A. Editor at ")
    sent = invoke("send", str(path), "--smtp", plain.address)
    assert sent.exit_code == 0, sent.output
    assert len(plain.received) == 1


def test_the_dry_run_states_the_rule_from_the_history(never_signed: Path, tmp_path: Path, plain: Server) -> None:
    out = Path(shutil.copytree(never_signed, tmp_path / "out"))
    path = eml_of(out)
    dry = invoke("send", str(path), "--smtp", plain.address, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (f"Sign-off:   not required (the history records edition {EDITION} as built with Sign-off required No)"
            in dry.stdout.splitlines())
    # A header asking for sign-off is heeded (a header may ask for it, never waive it).
    rewrite(path, b"X-Report-Sign-Off: not required", b"X-Report-Sign-Off: required")
    assert_refused(send_both(path, plain), plain, NEEDS)


def test_a_history_written_before_sign_off_was_recorded_still_sends(never_signed: Path, tmp_path: Path,
                                                                   plain: Server) -> None:
    import sqlite3


    out = Path(shutil.copytree(never_signed, tmp_path / "out"))
    with sqlite3.connect(out / "history.sqlite") as db:
        db.execute("UPDATE editions SET sign_off_required = NULL, eml_sha256 = NULL")
    sent = invoke("send", str(eml_of(out)), "--smtp", plain.address)
    assert sent.exit_code == 0, sent.output
    assert len(plain.received) == 1


# -- a dry run writes nothing, anywhere (issue 19 §7) --------------------------------------------------------


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_dry_run_of_a_workbook_writes_nothing(tmp_path: Path) -> None:
    workbook = tmp_path / "in" / "tracker.xlsx"
    workbook.parent.mkdir()
    shutil.copyfile(SAMPLE, workbook)
    out = tmp_path / "out"
    before = tree(tmp_path)
    dry = invoke("send", str(workbook), "-o", str(out), "--edition", EDITION, "--dry-run", "--smtp", "127.0.0.1:9")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0] == ("Built the edition in a temporary folder (a dry run keeps no file and "
                                          "records nothing).")
    assert tree(tmp_path) == before and not out.exists()
    assert (f"Sign-off:   not required (edition {EDITION} is built with Sign-off required No, as a real send would "
            "record it in the history)") in dry.stdout.splitlines()


def test_a_dry_run_of_a_workbook_leaves_an_existing_history_as_it_was(never_signed: Path, tmp_path: Path) -> None:
    out = Path(shutil.copytree(never_signed, tmp_path / "out"))
    workbook = tmp_path / "tracker.xlsx"
    shutil.copyfile(SAMPLE, workbook)
    before = tree(out)
    dry = invoke("send", str(workbook), "-o", str(out), "--edition", "2026-06-08", "--dry-run", "--smtp",
                 "127.0.0.1:9")
    assert dry.exit_code == 0, dry.output
    assert "Edition:    2026-06-08" in dry.stdout.splitlines()
    assert tree(out) == before


# -- the dry run's lines (issue 19 §7) -----------------------------------------------------------------------


def test_the_dry_run_says_plainly_what_tls_is_used(never_signed: Path) -> None:
    path = str(eml_of(never_signed))
    local = invoke("send", path, "--dry-run", "--smtp", "127.0.0.1:25")
    assert "TLS:        none: plain SMTP, not encrypted (the server is this machine, so nothing crosses the " \
           "network)" in local.stdout.splitlines()
    remote = invoke("send", path, "--dry-run", "--smtp", "mail.example.com:25")
    assert "TLS:        none: plain SMTP, not encrypted: the message crosses the network as it is (add " \
           "--starttls or --ssl to encrypt it)" in remote.stdout.splitlines()
    assert "(this machine)" not in local.stdout + remote.stdout


def test_a_history_of_the_previous_version_with_approvals_is_brought_up_to_date(never_signed: Path,
                                                                               tmp_path: Path) -> None:
    """Version 1 made its approvals table when the first approval was recorded; migration 2 keeps it."""
    import sqlite3

    from report.history.store import MIGRATIONS

    out = Path(shutil.copytree(never_signed, tmp_path / "out"))
    path = eml_of(out)
    assert invoke("approve", str(path), "--by", "A. Editor").exit_code == 0
    history = out / "history.sqlite"
    with sqlite3.connect(history) as db:
        db.execute("DROP INDEX editions_eml")
        db.execute("ALTER TABLE editions DROP COLUMN sign_off_required")
        db.execute("ALTER TABLE editions DROP COLUMN eml_sha256")
        db.execute("DROP TABLE pages")  # and what migration 3 added (the archive's pages, what each send sent)
        for column in ("sha256", "kind", "sent_copy"):
            db.execute(f"ALTER TABLE sends DROP COLUMN {column}")
        db.execute("PRAGMA user_version = 1")
    before = history.read_bytes()
    dry = invoke("send", str(path), "--dry-run", "--smtp", "127.0.0.1:9")
    assert dry.exit_code == 0, dry.output
    assert history.read_bytes() == before, "a dry run reads an older history without bringing it up to date"
    assert (f"Sign-off:   not required (the history at {history} was written by an earlier version, which did "
            "not record sign-off, and the message does not ask for it)") in dry.stdout.splitlines()
    assert invoke("approve", str(path), "--by", "B. Editor").exit_code == 0
    with sqlite3.connect(history) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert [row[0] for row in db.execute("SELECT approved_by FROM approvals ORDER BY id")] == ["A. Editor",
                                                                                                  "B. Editor"]
    listed = invoke("history", "--history", str(history))
    assert listed.exit_code == 0 and listed.stdout.count("  A. Editor") == 1, listed.output
