"""Renamed: the Jinja2 environment is report/render/jinja.py. Kept only while charts.py and email.py move."""

from __future__ import annotations

from ..formatting import signed
from .jinja import date, days, environment, long_date, number, plural

__all__ = ["date", "days", "environment", "long_date", "number", "plural", "signed"]
