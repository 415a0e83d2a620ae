"""The Jinja2 environment every template renderer shares (the page, the email HTML, the plain text).

It only finds and loads templates. What a reader sees (dates, signed weights, sentences) is decided in
report/present.py; the layouts place it. The filters below remain for templates not yet moved onto the
Presentation, and format the same way it does.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..formatting import signed
from ..present import days_text, house_date, plural


def _templates() -> Path:
    """report/templates inside an installed wheel (pyproject's package-dir); templates/ in a checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


TEMPLATES = _templates()


def date(value: dt.date | None) -> str:
    """2026-06-01, or an en dash for no date (machine-readable attributes)."""
    return value.isoformat() if value else "–"


def long_date(value: dt.date | None) -> str:
    """1 Jun 2026: the house style."""
    return house_date(value) if value else "–"


def number(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def days(value: int | None) -> str:
    """'in 12 days', 'today', '3 days overdue'."""
    return days_text(value)


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
