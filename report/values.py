"""Typing one cell's value by its column kind. Each parser returns the value or raises `Bad`."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import TypeVar

from . import safety
from .model import Quarter, QuarterEnd
from .safety import Unsafe, name_key

T = TypeVar("T")

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


# A value that does not fit its column: safety's one exception for a value that breaks a rule (a stable code and
# a message quoting the value), under the name the checker reads best.
Bad = Unsafe


def show(value: object) -> str:
    """A value quoted for a message: 'maybe' (line breaks and invisible characters escaped, cut to 60)."""
    return safety.quote(value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value)


def text(value: object) -> str:
    """A cell as text: numbers without a spurious .0, dates as ISO."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_FORMS = "a date such as 2026-04-20 or 20 Apr 2026"
MIN_SERIAL = 18264  # 1950-01-01 in Excel's 1900 date system
# The years a story about open weights can have: a date or quarter outside them is a typo, and refusing it at
# its cell keeps every later step (day counts, charts, quarter ends) away from Python's year 1 and 9999 limits.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def in_range(day: dt.date, raw: object) -> dt.date:
    """`day`, if its year is within FIRST_YEAR..LAST_YEAR; else an `out-of-range` error quoting `raw`."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Bad("out-of-range", f"{show(raw)} is outside the years a briefing can cover ({FIRST_YEAR} to "
                  f"{LAST_YEAR}): check the year")
    return day


def _make_date(year: int, month: int, day: int, raw: object) -> dt.date:
    try:
        made = dt.date(year, month, day)
    except ValueError as error:
        raise Bad("bad-date", f"{show(raw)} is not a real date ({error}); expected {_FORMS}") from error
    return in_range(made, raw)


def parse_date(value: object, epoch_1904: bool = False) -> dt.date:
    """A date from a date cell, an Excel serial number, or an unambiguous text date (years 1990 to 2100)."""
    return in_range(_parse_date(value, epoch_1904), value)


def _parse_date(value: object, epoch_1904: bool) -> dt.date:
    from .read.cells import excel_serial_to_date

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        # What a reader gives for a date-formatted 0 or less, or a time of day alone: no Excel date either way.
        raise Bad("bad-date", f"{show(value)} is not a date: the cell holds 0 or less, or only a time of day; "
                  f"expected {_FORMS}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or value <= 0:
            raise Bad("bad-date", f"{show(text(value))} is not a date: Excel's date numbers start at 1; expected "
                      f"{_FORMS}")
        # Editors paste dates that lose their format and show as serial numbers. A small number is more
        # likely a year or a count typed into the wrong column than a day before 1950.
        if MIN_SERIAL <= value + (1462 if epoch_1904 else 0) < 2958466:
            return excel_serial_to_date(value, epoch_1904)
        raise Bad("bad-date", f"{show(text(value))} is a number, not a date; expected {_FORMS}")
    raw = str(value).strip()
    cleaned = " ".join(raw.split())
    if match := _ISO.match(cleaned):
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, raw)
    if match := _DAY_MONTH_YEAR.match(cleaned):
        day_text, month_name, year_text = match.groups()
        named = MONTHS.get(month_name.casefold())
        if named:
            return _make_date(int(year_text), named, int(day_text), raw)
    if match := _MONTH_DAY_YEAR.match(cleaned):
        month_name, day_text, year_text = match.groups()
        named = MONTHS.get(month_name.casefold())
        if named:
            return _make_date(int(year_text), named, int(day_text), raw)
    if match := _NUMERIC.match(cleaned):
        first, second, year = (int(g) for g in match.groups())
        if first > 12 and second > 12:
            raise Bad("bad-date", f"{show(raw)} is not a date: neither {first} nor {second} is a month; "
                      f"expected {_FORMS}")
        if first > 12 >= second:
            return _make_date(year, second, first, raw)
        if second > 12 >= first:
            return _make_date(year, first, second, raw)
        if first == second:
            return _make_date(year, first, second, raw)
        raise Bad(
            "ambiguous-date",
            f"{show(raw)} is ambiguous: it could be day/month or month/day; write it as "
            f"{year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d}",
        )
    raise Bad("bad-date", f"{show(raw)} is not a date; expected {_FORMS}")


_QUARTER_FIRST = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_QUARTER_LAST = re.compile(r"^Q([1-4])\s*-?\s*(\d{4})$", re.IGNORECASE)


def parse_quarter(value: object) -> Quarter:
    """2026-Q2, Q2 2026, 2026Q2 or 2026 Q2 -> (2026, 2)."""
    raw = text(value)
    if match := _QUARTER_FIRST.match(raw):
        quarter = int(match.group(1)), int(match.group(2))
    elif match := _QUARTER_LAST.match(raw):
        quarter = int(match.group(2)), int(match.group(1))
    else:
        raise Bad("bad-quarter", f"{show(raw)} is not a quarter; expected a quarter such as 2026-Q2")
    if not FIRST_YEAR <= quarter[0] <= LAST_YEAR:
        raise Bad("out-of-range", f"{show(raw)} is outside the years a briefing can cover ({FIRST_YEAR} to "
                  f"{LAST_YEAR}): check the year")
    return quarter


def parse_due(value: object, epoch_1904: bool = False) -> dt.date:
    """A date, or a quarter meaning its last day."""
    if isinstance(value, str):
        try:
            return QuarterEnd.of(parse_quarter(value))
        except Bad as bad:
            if bad.code == "out-of-range":
                raise
    try:
        return parse_date(value, epoch_1904)
    except Bad as bad:
        if bad.code in ("ambiguous-date", "out-of-range"):
            raise
        raise Bad("bad-due", f"{show(text(value))} is neither a date nor a quarter; expected 2026-10-31 or "
                  "2026-Q4") from None


_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(value: object) -> float:
    """A number, or a number typed as text (1,234.5 allowed)."""
    if isinstance(value, bool):
        raise Bad("not-a-number", f"{show(value)} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    raw = "".join(str(value).split())
    if _GROUPED.match(raw):
        raw = raw.replace(",", "")
    try:
        number = float(raw)
    except ValueError:
        raise Bad("not-a-number", f"{show(text(value))} is not a number") from None
    if not math.isfinite(number):
        raise Bad("not-a-number", f"{show(text(value))} is not a number")
    return number


def parse_value(value: object) -> float | str:
    """A number if it reads as one, else the text."""
    if isinstance(value, (dt.date, dt.datetime)):
        return text(value)
    try:
        return parse_number(value)
    except Bad:
        return text(value)


def parse_strength(value: object) -> int:
    try:
        number = parse_number(value)
    except Bad:
        number = -1.0
    if number not in (1.0, 2.0, 3.0):
        raise Bad("bad-strength", f"{show(text(value))} is not a strength; expected 1, 2 or 3")
    return int(number)


def parse_choice(value: object, choices: tuple[str, ...]) -> str:
    """One of `choices`, compared as names are (safety.name_key: case and extra spaces ignored)."""
    wanted = name_key(text(value))
    for choice in choices:
        if name_key(choice) == wanted:
            return choice
    raise Bad("not-a-choice", f"{show(text(value))} is not one of {', '.join(choices)}")


def _checked(rule: Callable[[str], T], raw: str) -> T:
    """The value `rule` (a report.safety rule) makes of `raw`; its Unsafe is the checker's Bad."""
    return rule(raw)


def parse_url(value: object) -> str:
    """An http or https URL with a host (safety.web_url)."""
    return _checked(safety.web_url, text(value))


def looks_like_url(raw: str) -> bool:
    """Whether cell text is meant as a link rather than a name (safety.looks_like_url)."""
    return safety.looks_like_url(raw)


def parse_email(value: object) -> str:
    """One address, optionally with a display name: 'Desk <desk@example.com>' (safety.address)."""
    return _checked(safety.address_text, text(value))


def parse_emails(value: object) -> tuple[str, ...]:
    """Addresses separated by ; or , (or line breaks), each checked by safety.address."""
    return _checked(safety.addresses, text(value))


def parse_mailto(value: object) -> str:
    """An address or a mailto link, as a mailto link (for List-Unsubscribe)."""
    return _checked(safety.mailto, text(value))


def one_line(value: str, limit: int = safety.HEADER_LIMIT) -> str:
    """Text that may go into an email header (safety.one_line), or Bad saying why not at its cell."""
    try:
        return safety.one_line(value, limit)
    except Unsafe as unsafe:
        advice = {"not-one-line": "it goes into the email's subject, so keep it on one line",
                  "too-long": "it goes into the email's subject, so shorten it"}.get(unsafe.code, "remove it")
        raise Bad(unsafe.code, f"{unsafe.reason}; {advice}") from None


def parse_name(value: object) -> str:
    """A name other sheets refer to: NFC, spaces collapsed, one line, no invisible characters (safety.name)."""
    name = one_line(safety.nfc(text(value)), safety.NAME_LIMIT)  # before spaces close up: a line break counts
    return " ".join(name.split())


def value_text(value: str) -> str:
    """Cell text every output can show as it is (safety.value_text)."""
    return _checked(safety.value_text, value)


def positive(number: float) -> float:
    if number <= 0:
        raise Bad("not-positive", f"{show(text(number))} is not above zero; expected a positive number")
    return number
