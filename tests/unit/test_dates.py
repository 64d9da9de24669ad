"""Dates as debtors write them: find_calendar_date, parse_date_of_birth, format_date."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.common.dates import (
    MONTH_NAMES,
    find_calendar_date,
    format_date,
    parse_date_of_birth,
)

TODAY = dt.date(2026, 3, 1)
MARCH_12_1985 = dt.date(1985, 3, 12)


@pytest.mark.parametrize(
    "text",
    [
        "12-03-1985",
        "12/03/1985",
        "12.03.1985",
        "12/3/1985",
        "12 - 03 - 1985",
        "12-03-85",
        "1985-03-12",
        "1985/03/12",
        "12 maart 1985",
        "12 Maart 1985",
        "12 mrt 1985",
        "12 mrt. 1985",
        "12e maart 1985",
        "12de maart 1985",
        "12 march 1985",
        "March 12, 1985",
        "march 12 1985",
        "Mar 12th, 1985",
        "12th of March 1985",
        "12th March, 1985",
        "12031985",
        "  12031985 ",
        "ik ben geboren op 12 maart 1985",
        "my date of birth is March 12, 1985.",
        "geboortedatum: 12-03-1985, dank u",
    ],
)
def test_written_forms_of_the_same_date_of_birth(text: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) == MARCH_12_1985


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 mei '79", dt.date(1979, 5, 3)),
        ("3 mei 1979", dt.date(1979, 5, 3)),
        ("3e mei 1979", dt.date(1979, 5, 3)),
        ("May 3rd, 1979", dt.date(1979, 5, 3)),
        ("1 januari 2000", dt.date(2000, 1, 1)),
        ("31 december 1999", dt.date(1999, 12, 31)),
        ("23 okt 1992", dt.date(1992, 10, 23)),
        ("23 oktober 1992", dt.date(1992, 10, 23)),
        ("October 23, 1992", dt.date(1992, 10, 23)),
        ("30 juni 1995", dt.date(1995, 6, 30)),
        ("June 30th 1995", dt.date(1995, 6, 30)),
        ("1 augustus 2000", dt.date(2000, 8, 1)),
        ("14 febr 1988", dt.date(1988, 2, 14)),
        ("29-02-2000", dt.date(2000, 2, 29)),
        ("01-01-1900", dt.date(1900, 1, 1)),
    ],
)
def test_dates_of_birth_in_dutch_and_english(text: str, expected: dt.date) -> None:
    assert parse_date_of_birth(text, today=TODAY) == expected


def test_numeric_dates_are_read_day_first() -> None:
    assert parse_date_of_birth("03-04-1985", today=TODAY) == dt.date(1985, 4, 3)
    assert parse_date_of_birth("1/2/1985", today=TODAY) == dt.date(1985, 2, 1)


def test_numeric_date_read_month_first_only_when_day_first_is_impossible() -> None:
    assert parse_date_of_birth("03/25/1985", today=TODAY) == dt.date(1985, 3, 25)
    assert parse_date_of_birth("12-13-1985", today=TODAY) == dt.date(1985, 12, 13)


@pytest.mark.parametrize(
    "text",
    [
        "31-02-1985",  # no 31 February
        "29-02-1999",  # not a leap year
        "32-01-1985",
        "00-01-1985",
        "13-13-1985",
        "30 februari 1985",
        "31 april 1985",
        "1985-13-01",
        "1985-02-30",
        "31021985",  # keypad, impossible
        "99999999",
    ],
)
def test_impossible_dates_are_no_date_of_birth(text: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) is None


@pytest.mark.parametrize("text", ["12-03-2030", "2 maart 2026", "1 januari 2027", "02032026"])
def test_future_dates_are_no_date_of_birth(text: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) is None


def test_today_is_still_a_date_of_birth() -> None:
    assert parse_date_of_birth("01-03-2026", today=TODAY) == TODAY


def test_dates_before_1900_are_no_date_of_birth() -> None:
    assert parse_date_of_birth("31-12-1899", today=TODAY) is None
    assert parse_date_of_birth("1850-06-01", today=TODAY) is None


@pytest.mark.parametrize(
    "text",
    ["", "hallo", "mijn klantnummer is 48213907", "1234 AB", "12 maart", "maart 1985", "1985"],
)
def test_no_full_date_in_text(text: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) is None


def test_two_digit_years_pivot_on_the_current_year() -> None:
    assert parse_date_of_birth("12-03-85", today=TODAY) == dt.date(1985, 3, 12)
    assert parse_date_of_birth("12-03-27", today=TODAY) == dt.date(1927, 3, 12)
    assert parse_date_of_birth("01-01-05", today=TODAY) == dt.date(2005, 1, 1)
    assert find_calendar_date("12-03-26", today=TODAY) == (dt.date(2026, 3, 12), "12-03-26")
    assert find_calendar_date("12-03-27", today=TODAY) == (dt.date(1927, 3, 12), "12-03-27")


def test_find_calendar_date_returns_the_text_it_read() -> None:
    assert find_calendar_date("klant 48213907, geboren 12 maart 1985!", today=TODAY) == (
        MARCH_12_1985,
        "12 maart 1985",
    )
    assert find_calendar_date("born 1985-03-12 ok", today=TODAY) == (MARCH_12_1985, "1985-03-12")


def test_find_calendar_date_allows_future_dates() -> None:
    assert find_calendar_date("ik betaal op 15-04-2026", today=TODAY) == (
        dt.date(2026, 4, 15),
        "15-04-2026",
    )


def test_keypad_digits_count_as_a_date_only_when_asked_and_alone() -> None:
    assert find_calendar_date("12031985", today=TODAY) is None
    assert find_calendar_date("12031985", today=TODAY, compact=True) == (
        MARCH_12_1985,
        "12031985",
    )
    assert find_calendar_date("klant 12031985", today=TODAY, compact=True) is None
    assert find_calendar_date("48213907", today=TODAY, compact=True) is None


def test_first_date_in_text_wins() -> None:
    found = find_calendar_date("12-03-1985 of anders 3 mei 1979", today=TODAY)
    assert found == (MARCH_12_1985, "12-03-1985")


def test_find_calendar_date_defaults_to_the_real_today() -> None:
    assert parse_date_of_birth("12-03-1985") == MARCH_12_1985
    next_year = dt.date.today().year + 1
    assert parse_date_of_birth(f"01-01-{next_year}") is None


@pytest.mark.parametrize(
    ("date", "language", "expected"),
    [
        (dt.date(2026, 3, 12), "nl", "12 maart 2026"),
        (dt.date(2026, 3, 12), "en", "12 March 2026"),
        (dt.date(2026, 1, 1), "nl", "1 januari 2026"),
        (dt.date(2026, 5, 31), "en", "31 May 2026"),
        (dt.date(2026, 10, 5), "nl", "5 oktober 2026"),
        (dt.date(2026, 3, 12), "de", "12 March 2026"),  # unknown language: English
    ],
)
def test_format_date(date: dt.date, language: str, expected: str) -> None:
    assert format_date(date, language) == expected


@pytest.mark.parametrize(
    ("date", "language", "expected"),
    [
        (dt.date(2026, 3, 12), "nl", "donderdag 12 maart 2026"),
        (dt.date(2026, 3, 12), "en", "Thursday 12 March 2026"),
        (dt.date(2026, 3, 16), "nl", "maandag 16 maart 2026"),
        (dt.date(2026, 3, 15), "en", "Sunday 15 March 2026"),
        (dt.date(2026, 3, 14), "nl", "zaterdag 14 maart 2026"),
    ],
)
def test_format_date_with_weekday(date: dt.date, language: str, expected: str) -> None:
    assert format_date(date, language, weekday=True) == expected


@given(
    date=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    language=st.sampled_from(["nl", "en"]),
)
def test_formatted_date_reads_back_as_the_same_date(date: dt.date, language: str) -> None:
    assert parse_date_of_birth(format_date(date, language), today=TODAY) == date
    assert parse_date_of_birth(format_date(date, language, weekday=True), today=TODAY) == date


@given(date=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_numeric_and_keypad_forms_read_back(date: dt.date) -> None:
    assert parse_date_of_birth(date.strftime("%d-%m-%Y"), today=TODAY) == date
    assert parse_date_of_birth(date.isoformat(), today=TODAY) == date
    assert parse_date_of_birth(date.strftime("%d%m%Y"), today=TODAY) == date


def test_month_names_cover_the_year() -> None:
    assert len(MONTH_NAMES["nl"]) == len(MONTH_NAMES["en"]) == 12
