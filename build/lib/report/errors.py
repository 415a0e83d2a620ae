"""The errors that stop a command. Each is one line; the CLI turns them into an exit code.

Problems inside a workbook are not exceptions: they are `Finding`s, collected all in one pass.
"""

from __future__ import annotations


class ReportError(Exception):
    """Something the user can fix stopped the command."""

    exit_code = 2


class UnreadableWorkbook(ReportError):
    """The file cannot be used as a workbook at all (exit 2)."""


class UsageError(ReportError):
    """The command was called wrongly (exit 2)."""


class OutputError(ReportError):
    """An output could not be written (exit 2)."""


class HistoryError(ReportError):
    """The history database cannot be used (exit 2)."""


class MailError(ReportError):
    """The message could not be built or sent (exit 2)."""


class WorkbookHasErrors(ReportError):
    """The workbook has errors; nothing was written (exit 1)."""

    exit_code = 1
