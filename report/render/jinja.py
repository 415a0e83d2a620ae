"""The Jinja2 environment every template renderer shares, and the filters that format figures."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..formatting import signed


def _templates() -> Path:
    """report/templates inside an installed wheel (pyproject's package-dir); templates/ in a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


TEMPLATES = _templates()


def date(value: dt.date | None) -> str:
    """2026-06-01, or an en dash for no date."""
    return value.isoformat() if value else "–"


def long_date(value: dt.date | None) -> str:
    """1 June 2026."""
    return f"{value.day} {value:%B %Y}" if value else "–"


def number(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def days(value: int | None) -> str:
    """'in 12 days', 'today', '3 days overdue'."""
    if value is None:
        return "–"
    if value == 0:
        return "today"
    if value > 0:
        return f"in {value} day{'s' if value != 1 else ''}"
    return f"{-value} day{'s' if value != -1 else ''} overdue"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 lab', '4 labs'."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


@cache
def environment(autoescape: bool = True) -> Environment:
    """Templates from `templates/`; escaped for HTML (autoescape) or not (the plain-text email part).

    Undefined names are errors, never blanks.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(date=date, long_date=long_date, signed=signed, number=number, days=days, plural=plural)
    return env
