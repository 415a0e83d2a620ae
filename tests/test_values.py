"""Typing one cell's value (report/values.py): what editors type, and what each column accepts."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from report.values import (
    Bad,
    looks_like_url,
    parse_choice,
    parse_date,
    parse_due,
    parse_email,
    parse_emails,
    parse_number,
    parse_quarter,
    parse_strength,
    parse_url,
    parse_value,
    show,
    text,
)

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))  # the years a story can have


def bad(call, *args: object) -> Bad:  # type: ignore[no-untyped-def]
    with pytest.raises(Bad) as raised:
        call(*args)
    return raised.value


# -- dates ------------------------------------------------------------------------------------------------------


def written(day: dt.date, form: int) -> str:
    """`day` in each unambiguous form the issue names (and some editors' variants)."""
    month = MONTH_NAMES[day.month - 1]
    return [
        day.isoformat(),  # 2026-04-20
        f"{day.day} {month[:3]} {day.year}",  # 20 Apr 2026
        f"{month} {day.day}, {day.year}",  # April 20, 2026
        f"{day.year}/{day.month:02d}/{day.day:02d}",  # 2026/04/20
        f"{day.day}-{month[:3]}-{day.year}",  # 20-Apr-2026
        f"{day.day} {month.upper()} {day.year}",  # 20 APRIL 2026
        f"  {month[:3].lower()}. {day.day} {day.year} ",  # apr. 20 2026, with stray spaces
        f"{day.year}-{day.month}-{day.day}",  # 2026-4-20
    ][form]


@given(days, st.integers(min_value=0, max_value=7))
@example(dt.date(2026, 4, 20), 2)
def test_text_dates_in_every_accepted_form_round_trip(day: dt.date, form: int) -> None:
    assert parse_date(written(day, form)) == day


@given(days)
def test_date_and_datetime_cells(day: dt.date) -> None:
    assert parse_date(day) == day
    assert parse_date(dt.datetime.combine(day, dt.time(0, 0))) == day
    assert parse_date(dt.datetime.combine(day, dt.time(13, 45))) == day  # a time of day is dropped


@given(days)
def test_excel_serial_numbers_in_both_date_systems(day: dt.date) -> None:
    serial_1900 = (day - dt.date(1899, 12, 30)).days
    serial_1904 = (day - dt.date(1904, 1, 1)).days
    assert parse_date(serial_1900) == day
    assert parse_date(float(serial_1900) + 0.5) == day  # noon
    assert parse_date(serial_1904, epoch_1904=True) == day


def test_known_serials() -> None:
    assert parse_date(46132) == dt.date(2026, 4, 20)
    assert parse_date(46169) == dt.date(2026, 5, 27)
    assert parse_date(44707, epoch_1904=True) == dt.date(2026, 5, 27)


@pytest.mark.parametrize("number", [0, -5, -0.5])
def test_serials_of_zero_or_less_are_no_date(number: float) -> None:
    error = bad(parse_date, number)
    assert error.code == "bad-date"
    assert error.message == (f"'{number}' is not a date: Excel's date numbers start at 1; expected a date such as "
                             "2026-04-20 or 20 Apr 2026")


@pytest.mark.parametrize("number", [1, 7, 2026, 18263, 3_000_000])
def test_numbers_that_are_not_plausible_dates(number: int) -> None:
    """2026 typed in a date column is a year, not 1905-07-18."""
    error = bad(parse_date, number)
    assert error.code == "bad-date"
    assert error.message == f"'{number}' is a number, not a date; expected a date such as 2026-04-20 or 20 Apr 2026"


@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=12), st.integers(2000, 2100))
def test_day_month_both_up_to_12_is_ambiguous_and_says_why(first: int, second: int, year: int) -> None:
    raw = f"{first:02d}/{second:02d}/{year}"
    if first == second:
        assert parse_date(raw) == dt.date(year, first, second)
        return
    error = bad(parse_date, raw)
    assert error.code == "ambiguous-date"
    assert "ambiguous: it could be day/month or month/day" in error.message
    assert f"{year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d}" in error.message


def test_the_issue_s_ambiguous_date() -> None:
    error = bad(parse_date, "03/04/2026")
    assert (error.code, error.message) == (
        "ambiguous-date",
        "'03/04/2026' is ambiguous: it could be day/month or month/day; write it as 2026-04-03 or 2026-03-04",
    )


@given(days)
def test_numeric_dates_with_a_day_over_12_are_not_ambiguous(day: dt.date) -> None:
    if day.day <= 12 or day.year > 9999:
        return
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day
    assert parse_date(f"{day.month}/{day.day}/{day.year}") == day
    assert parse_date(f"{day.day}.{day.month:02d}.{day.year}") == day


@pytest.mark.parametrize(("raw", "reason"), [
    ("2026-02-30", "is not a real date (day is out of range for month)"),
    ("31 Apr 2026", "is not a real date"),
    ("14/13/2026", "is not a date: neither 14 nor 13 is a month"),
    ("next Tuesday", "is not a date"),
    ("20 Foo 2026", "is not a date"),
    ("2026", "is not a date"),
    ("20/04/26", "is not a date"),
])
def test_bad_text_dates_say_why(raw: str, reason: str) -> None:
    error = bad(parse_date, raw)
    assert error.code == "bad-date"
    assert error.message.startswith(f"'{raw}' {reason}")
    assert error.message.endswith("expected a date such as 2026-04-20 or 20 Apr 2026")


def test_a_time_is_not_a_date() -> None:
    assert bad(parse_date, dt.time(9, 30)).code == "bad-date"


# -- quarters and due dates -------------------------------------------------------------------------------------


@given(st.integers(min_value=1990, max_value=2100), st.integers(min_value=1, max_value=4),
       st.sampled_from(["{y}-Q{q}", "Q{q} {y}", "{y}Q{q}", "{y} Q{q}", "{y} q{q}", " {y}-q{q} ", "q{q}-{y}",
                        "Q{q}  {y}"]))
def test_quarters_in_every_form(year: int, number: int, form: str) -> None:
    assert parse_quarter(form.format(y=year, q=number)) == (year, number)


@pytest.mark.parametrize("raw", ["2026-Q5", "2026-Q0", "Q2", "2026", "2026-04", "second quarter 2026", "26-Q2"])
def test_bad_quarters(raw: str) -> None:
    error = bad(parse_quarter, raw)
    assert (error.code, error.message) == ("bad-quarter", (f"'{raw}' is not a quarter; expected a quarter such as "
                                                          "2026-Q2"))


@pytest.mark.parametrize(("raw", "due"), [
    ("2026-Q4", dt.date(2026, 12, 31)), ("Q1 2027", dt.date(2027, 3, 31)), ("2026 q2", dt.date(2026, 6, 30)),
    ("2026Q3", dt.date(2026, 9, 30)), ("2026-10-31", dt.date(2026, 10, 31)), (dt.date(2026, 7, 1), dt.date(2026, 7, 1)),
    (46169, dt.date(2026, 5, 27)),
])
def test_due_is_a_date_or_a_quarter_s_last_day(raw: object, due: dt.date) -> None:
    assert parse_due(raw) == due


def test_bad_due() -> None:
    error = bad(parse_due, "soon")
    assert (error.code, error.message) == ("bad-due", ("'soon' is neither a date nor a quarter; expected 2026-10-31 "
                                                      "or 2026-Q4"))
    assert bad(parse_due, "03/04/2026").code == "ambiguous-date"  # the reason is kept


# -- numbers ----------------------------------------------------------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
       st.sampled_from(["{}", " {} ", "\t{}\n", "\u00a0{}"]))
def test_numbers_typed_as_text(number: float, padding: str) -> None:
    assert parse_number(padding.format(repr(number))) == number
    assert parse_number(number) == number


@pytest.mark.parametrize(("raw", "number"), [(" 2 ", 2.0), ("1,234.5", 1234.5), ("1 000", 1000.0), ("-3", -3.0),
                                             ("2.0", 2.0), (7, 7.0)])
def test_number_forms(raw: object, number: float) -> None:
    assert parse_number(raw) == number


@pytest.mark.parametrize("raw", ["two", "nan", "inf", "1,5", "", "12%", True])
def test_not_numbers(raw: object) -> None:
    assert bad(parse_number, raw).code == "not-a-number"


@pytest.mark.parametrize(("raw", "value"), [("12.5", 12.5), (" 3 ", 3.0), ("about 40%", "about 40%"),
                                            (dt.date(2026, 5, 27), "2026-05-27"), (5, 5.0)])
def test_value_is_a_number_or_text(raw: object, value: object) -> None:
    assert parse_value(raw) == value


@given(st.sampled_from([1, 2, 3]), st.sampled_from(["{}", " {} ", "{}.0", "{}.00"]))
def test_strength_1_to_3_in_any_spelling(number: int, form: str) -> None:
    assert parse_strength(form.format(number)) == number
    assert parse_strength(number) == number
    assert parse_strength(float(number)) == number


@pytest.mark.parametrize("raw", [0, 4, 5, 2.5, "two", "-1", True])
def test_strength_outside_1_to_3(raw: object) -> None:
    error = bad(parse_strength, raw)
    assert error.code == "bad-strength"
    assert error.message.endswith("is not a strength; expected 1, 2 or 3")


# -- choices ----------------------------------------------------------------------------------------------------

CHOICES = ("Closed flagship", "Reopened flagship", "Open-weight release", "Disclosure", "Other")


@given(st.sampled_from(CHOICES), st.lists(st.booleans(), min_size=20, max_size=20),
       st.sampled_from(["", " ", "  ", "\t", "\u00a0"]), st.sampled_from(["", " ", "\n"]))
def test_choices_ignore_case_and_spaces(choice: str, upper: list[bool], before: str, after: str) -> None:
    typed = "".join(ch.upper() if u else ch.lower() for ch, u in zip(choice, upper * 2, strict=False))
    typed = typed.replace(" ", "  ")
    assert parse_choice(f"{before}{typed}{after}", CHOICES) == choice


def test_not_a_choice_lists_the_choices() -> None:
    error = bad(parse_choice, "maybe", ("Pays", "Reverts", "Neutral"))
    assert (error.code, error.message) == ("not-a-choice", "'maybe' is not one of Pays, Reverts, Neutral")
    assert bad(parse_choice, "Pay", ("Pays", "Reverts", "Neutral")).code == "not-a-choice"


def test_a_true_false_cell_reads_as_yes_no() -> None:
    assert parse_choice(True, ("Yes", "No")) == "Yes"
    assert parse_choice(False, ("Yes", "No")) == "No"


# -- links ------------------------------------------------------------------------------------------------------


@given(st.sampled_from(["http", "https", "HTTPS"]), st.from_regex(r"[a-z][a-z0-9-]{0,20}\.[a-z]{2,6}", fullmatch=True),
       st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,3}", fullmatch=True))
def test_http_and_https_links(scheme: str, host: str, path: str) -> None:
    url = f"{scheme}://{host}{path}"
    assert parse_url(url) == url
    assert parse_url(f"  {url} ") == url
    assert looks_like_url(url)


@pytest.mark.parametrize(("raw", "reason"), [
    ("ftp://example.com/report.pdf", "is not an http or https link"),
    ("javascript:alert(1)", "is not an http or https link"),
    ("JavaScript:alert(1)", "is not an http or https link"),
    ("data:text/html,<b>x</b>", "is not an http or https link"),
    ("file:///etc/passwd", "is not an http or https link"),
    ("www.example.com", "is not an http or https link"),
    ("https://", "has no host"),
    ("https://exa mple.com", "is not an http or https link"),
    ("https://example.com/\x07", "is not an http or https link"),
])
def test_other_links_are_refused(raw: str, reason: str) -> None:
    error = bad(parse_url, raw)
    assert error.code == "bad-url"
    assert reason in error.message and "expected a link such as https://example.com/page" in error.message


@pytest.mark.parametrize(("raw", "is_url"), [("Seed report, 2026-05-27", False), ("https://example.com", True),
                                             ("javascript:alert(1)", True), ("www.example.com", True),
                                             ("mailto:desk@example.com", True), ("Reuters: 20 Apr", False)])
def test_source_cells_that_look_like_links(raw: str, is_url: bool) -> None:
    assert looks_like_url(raw) is is_url


# -- addresses --------------------------------------------------------------------------------------------------

# A dot may not start or end the part before the @, nor follow another dot (RFC 5322 dot-atom).
local_parts = st.from_regex(r"[a-z0-9]([a-z0-9_+-]|\.[a-z0-9]){0,15}", fullmatch=True)
# A label with "--" in its third and fourth places is reserved for Punycode (IDNA): not a plain domain.
domains = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,8}){1,2}", fullmatch=True).filter(
    lambda domain: "--" not in domain)


@given(local_parts, domains)
def test_valid_addresses(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert parse_email(address) == address
    assert parse_email(f" {address} ") == address


@given(st.lists(st.tuples(local_parts, domains), min_size=1, max_size=5), st.sampled_from([";", ",", "; ", " , ", "\n"]))
def test_recipient_lists(pairs: list[tuple[str, str]], separator: str) -> None:
    addresses = [f"{a}@{b}" for a, b in pairs]
    assert parse_emails(separator.join(addresses) + separator) == tuple(addresses)


def test_address_with_a_display_name() -> None:
    assert parse_email("The Desk <desk@example.com>") == "The Desk <desk@example.com>"
    assert parse_emails("desk@example.com; Editor <editor@example.com>") == (
        "desk@example.com", "Editor <editor@example.com>"
    )


@pytest.mark.parametrize("raw", ["not an address", "desk@", "@example.com", "desk@example", "desk@@example.com",
                                 "desk@example.com\nBcc: x@evil.com", "=?utf-8?q?x?= <a@b.com>", "desk@exa mple.com"])
def test_invalid_addresses(raw: str) -> None:
    error = bad(parse_email, raw)
    assert error.code == "bad-email"
    assert "is not an email address" in error.message


def test_one_bad_recipient_is_named() -> None:
    error = bad(parse_emails, "desk@example.com; not an address")
    assert error.message == ("'not an address' is not an email address (an email address must have an @-sign); "
                             "expected one such as desk@example.com")


# -- quoting ----------------------------------------------------------------------------------------------------


def test_show_and_text() -> None:
    assert show("maybe") == "'maybe'"
    assert show("x" * 100) == "'" + "x" * 57 + "...'"
    assert show("two\nlines") == "'two\\nlines'"  # a line break never reaches a finding line raw
    assert show(dt.date(2026, 4, 20)) == "'2026-04-20'"
    assert text(2.0) == "2" and text(2.5) == "2.5" and text(" a ") == "a"
    assert text(dt.datetime(2026, 4, 20)) == "2026-04-20"
    assert text(dt.datetime(2026, 4, 20, 9, 30)) == "2026-04-20 09:30:00"
