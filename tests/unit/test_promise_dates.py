"""Reading the date in a promise to pay, in Dutch and English, and checking it against the
promise limits."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.arrangements.promise_dates import (
    WEEKDAYS,
    check_promise,
    interpret_promise_date,
    latest_promise_date,
)
from receivables.policy.limits import PromiseLimits

MONDAY = dt.date(2026, 11, 23)
FRIDAY = dt.date(2026, 11, 27)
LIMITS = PromiseLimits(max_days_ahead=14, max_open_promises=1)


def when(text: str, language: str = "nl", today: dt.date = MONDAY) -> str | None:
    date = interpret_promise_date(text, language=language, today=today)
    return date.isoformat() if date else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the examples
        ("ik betaal volgende week vrijdag", "2026-12-04"),
        ("eind van de maand", "2026-11-30"),
        # weekdays
        ("vrijdag", "2026-11-27"),
        ("Vrijdag!", "2026-11-27"),
        ("ik betaal vrijdag", "2026-11-27"),
        ("aanstaande vrijdag", "2026-11-27"),
        ("komende vrijdag", "2026-11-27"),
        ("vrijdag volgende week", "2026-12-04"),
        ("volgende week maandag", "2026-11-30"),
        ("maandag", "2026-11-30"),  # said on a Monday: next week's
        ("ik betaal 12,50 op vrijdag", "2026-11-27"),
        # relative days and periods
        ("vandaag", "2026-11-23"),
        ("vanavond nog", "2026-11-23"),
        ("morgen", "2026-11-24"),
        ("ik betaal morgen", "2026-11-24"),
        ("overmorgen", "2026-11-25"),
        ("over twee weken", "2026-12-07"),
        ("over 2 weken", "2026-12-07"),
        ("binnen twee weken", "2026-12-07"),
        ("over een week", "2026-11-30"),
        ("over 3 dagen", "2026-11-26"),
        ("over een maand", "2026-12-23"),
        # the month's edges
        ("aan het eind van de maand", "2026-11-30"),
        ("einde van deze maand", "2026-11-30"),
        ("eind volgende maand", "2026-12-31"),
        ("begin volgende maand", "2026-12-01"),
        # a day of the month
        ("de 15e", "2026-12-15"),
        ("de 15de", "2026-12-15"),
        ("op de 25ste", "2026-11-25"),
        ("ik betaal op de 23e", "2026-11-23"),  # today counts
        ("de 31e", "2026-12-31"),  # November has no 31st
        ("de 15e van volgende maand", "2026-12-15"),
        ("de 25 van deze maand", "2026-11-25"),
        # day and month
        ("1 december", "2026-12-01"),
        ("op 3 dec.", "2026-12-03"),
        ("ik betaal € 50 op 5 december", "2026-12-05"),
        ("15 januari", "2027-01-15"),
        ("1 november", "2027-11-01"),  # passed this year: next year's
        ("12-12", "2026-12-12"),
        ("12/12", "2026-12-12"),
        ("5-1", "2027-01-05"),
        ("12-12-2026", "2026-12-12"),
        ("12 december 2026", "2026-12-12"),
        # dateparser for the rest
        ("volgende week", "2026-11-30"),
        ("volgende maand", "2026-12-01"),
        ("gisteren", "2026-11-22"),
        # no date
        ("ja", None),
        ("", None),
        ("   ", None),
        ("100", None),
        ("ik betaal 100 euro", None),
        ("ik weet het niet", None),
        ("ik betaal de 1e termijn", None),
        ("31-2", None),
        ("over 1-2 weken", "2026-12-07"),  # the later end
    ],
)
def test_dutch(text: str, expected: str | None) -> None:
    assert when(text, "nl") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next Friday", "2026-12-04"),  # Friday of next week, as "volgende week vrijdag"
        ("I'll pay next Friday", "2026-12-04"),
        ("Friday next week", "2026-12-04"),
        ("next week on Tuesday", "2026-12-01"),
        ("Friday", "2026-11-27"),
        ("this Friday", "2026-11-27"),
        ("I’ll pay on Friday", "2026-11-27"),
        ("I'll pay on the 15th", "2026-12-15"),
        ("the 15th", "2026-12-15"),
        ("on the 1st", "2026-12-01"),
        ("the 22nd", "2026-12-22"),
        ("the 31st", "2026-12-31"),
        ("tomorrow", "2026-11-24"),
        ("the day after tomorrow", "2026-11-25"),
        ("today", "2026-11-23"),
        ("tonight", "2026-11-23"),
        ("in two weeks", "2026-12-07"),
        ("in 2 weeks", "2026-12-07"),
        ("within a fortnight", "2026-12-07"),
        ("in 3 days", "2026-11-26"),
        ("in a month", "2026-12-23"),
        ("end of the month", "2026-11-30"),
        ("by the end of the month", "2026-11-30"),
        ("at the end of next month", "2026-12-31"),
        ("the beginning of next month", "2026-12-01"),
        ("1 December", "2026-12-01"),
        ("December 1st", "2026-12-01"),
        ("1st of December", "2026-12-01"),
        ("on December the 3rd", "2026-12-03"),
        ("12-12", "2026-12-12"),
        ("I will pay next month", "2026-12-01"),
        ("yesterday", "2026-11-22"),
        ("I can pay 50 on Monday", "2026-11-30"),
        ("no", None),
        ("100", None),
        ("I can pay 50 euros", None),
        ("may I pay later?", None),
        ("the 1st installment", None),
    ],
)
def test_english(text: str, expected: str | None) -> None:
    assert when(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("vrijdag", FRIDAY, "2026-12-04"),  # said on a Friday: a week later
        ("volgende week vrijdag", FRIDAY, "2026-12-04"),
        ("next Friday", dt.date(2026, 11, 29), "2026-12-04"),  # said on a Sunday
        ("eind van de maand", dt.date(2026, 11, 30), "2026-11-30"),  # the last day itself
        ("eind van de maand", dt.date(2027, 2, 3), "2027-02-28"),
        ("end of the month", dt.date(2028, 2, 3), "2028-02-29"),
        ("eind volgende maand", dt.date(2026, 12, 10), "2027-01-31"),
        ("begin volgende maand", dt.date(2026, 12, 10), "2027-01-01"),
        ("morgen", dt.date(2026, 12, 31), "2027-01-01"),
        ("over twee weken", dt.date(2026, 12, 25), "2027-01-08"),
        ("de 15e", dt.date(2026, 12, 20), "2027-01-15"),
        ("de 30e", dt.date(2027, 1, 31), "2027-03-30"),  # February has no 30th
        ("12-12", dt.date(2026, 12, 13), "2027-12-12"),
        ("29 februari", dt.date(2027, 3, 1), "2028-02-29"),
        ("29 februari", dt.date(2026, 3, 1), None),  # no 29 February within a year
        ("over een maand", dt.date(2027, 1, 31), "2027-02-28"),
    ],
)
def test_relative_to_today(text: str, today: dt.date, expected: str | None) -> None:
    assert when(text, "nl", today) == expected
    assert when(text, "en", today) == expected


def test_both_languages_are_read_whatever_the_conversation_language() -> None:
    assert when("tomorrow", "nl") == "2026-11-24"
    assert when("morgen", "en") == "2026-11-24"


@settings(max_examples=60, deadline=None)
@given(
    day=st.sampled_from(sorted(WEEKDAYS)),
    today=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31)),
)
def test_property_weekdays(day: str, today: dt.date) -> None:
    bare = interpret_promise_date(day, language="nl", today=today)
    assert bare is not None and bare.weekday() == WEEKDAYS[day]
    assert 1 <= (bare - today).days <= 7
    next_week = interpret_promise_date(f"volgende week {day}", language="nl", today=today)
    assert next_week is not None and next_week.weekday() == WEEKDAYS[day]
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    assert next_monday <= next_week <= next_monday + dt.timedelta(days=6)
    assert interpret_promise_date(f"next {day}", language="en", today=today) == next_week


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=60), language=st.sampled_from(["nl", "en"]))
def test_property_any_text_gives_a_date_or_none(text: str, language: str) -> None:
    date = interpret_promise_date(text, language=language, today=MONDAY)
    assert date is None or isinstance(date, dt.date)


def test_an_unknown_language_falls_back_to_our_rules() -> None:
    assert when("morgen", "de") == "2026-11-24"
    assert when("nächsten Monat", "xx") is None


# --- check_promise ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "open_promises", "limits", "status"),
    [
        (MONDAY, 0, LIMITS, "ok"),  # today is fine
        (dt.date(2026, 12, 7), 0, LIMITS, "ok"),  # the last day allowed
        (dt.date(2026, 12, 8), 0, LIMITS, "too_late"),
        (dt.date(2026, 11, 22), 0, LIMITS, "in_past"),
        (dt.date(2026, 11, 27), 1, LIMITS, "too_many_open"),
        (dt.date(2026, 11, 27), 1, PromiseLimits(max_days_ahead=14, max_open_promises=2), "ok"),
        (
            dt.date(2026, 11, 27),
            0,
            PromiseLimits(max_days_ahead=14, max_open_promises=0),
            "too_many_open",
        ),
        (dt.date(2026, 11, 27), 0, PromiseLimits(14, 1, allowed=False), "not_allowed"),
        (MONDAY, 0, PromiseLimits(max_days_ahead=0, max_open_promises=1), "ok"),
    ],
)
def test_check_promise(
    date: dt.date, open_promises: int, limits: PromiseLimits, status: str
) -> None:
    check = check_promise(date=date, today=MONDAY, limits=limits, open_promises=open_promises)
    assert check.status == status
    assert check.ok == (status == "ok")
    assert check.latest == MONDAY + dt.timedelta(days=limits.max_days_ahead)


def test_too_late_offers_the_latest_date() -> None:
    date = interpret_promise_date("over drie weken", language="nl", today=MONDAY)
    assert date is not None
    check = check_promise(date=date, today=MONDAY, limits=LIMITS, open_promises=0)
    assert (check.status, check.latest) == ("too_late", dt.date(2026, 12, 7))
    assert latest_promise_date(today=MONDAY, limits=LIMITS) == dt.date(2026, 12, 7)
