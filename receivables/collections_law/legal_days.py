"""Which days count when a letter arrives by post and when a legal term ends.

- A legal term that would end on a Saturday, Sunday or generally recognised holiday runs on
  to the next day that is none of these (Algemene termijnenwet, art. 1). Its holidays (art. 3):
  New Year's Day, Easter Monday, Ascension Day, Whit Monday, Christmas and Boxing Day, King's
  Day and 5 May every year, and Good Friday (lid 2), as the maintained `holidays` package has
  them for NL with its optional category (5 May outside lustrum years). The days a Royal
  Decree adds every three years are added by the rule they usually follow: the Friday after
  Ascension; the Monday before New Year's Day, King's Day, 5 May or Christmas Day on a
  Tuesday; the Friday after New Year's Day, King's Day, 5 May or Boxing Day on a Thursday.
  Counting a day too many gives the debtor a day more, which never costs the creditor the
  claim; a day too few would make the letter's term too short (HR 25 November 2016,
  ECLI:NL:HR:2016:2704).
- A letter sent by post is taken to arrive on the second day after sending, a Sunday, a
  Monday or an official holiday not counted (the same judgment: the rule a court may take
  when the debtor does not contest receipt). The number of days and the weekdays without
  delivery are policy (`collections_law.letter`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from functools import cache

import holidays as holiday_calendars

DAY = dt.timedelta(days=1)
SATURDAY, SUNDAY = 5, 6
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@cache
def _year(year: int) -> frozenset[dt.date]:
    found = holiday_calendars.country_holidays(
        "NL", years=year, categories=("public", "optional"), language="en_US"
    )
    named = {name: day for day, name in found.items()}
    days = set(found)
    days.add(dt.date(year, 5, 5))  # Atw art. 3: every year, not only in a lustrum year
    if "Ascension Day" in named:
        days.add(named["Ascension Day"] + DAY)
    # (a holiday, whether the Monday before it counts when it falls on a Tuesday, whether the
    # Friday after it counts when it falls on a Thursday)
    bridged = [
        (dt.date(year, 1, 1), True, True),
        (named.get("King's Day"), True, True),
        (dt.date(year, 5, 5), True, True),
        (dt.date(year, 12, 25), True, False),
        (dt.date(year, 12, 26), False, True),
    ]
    for day, monday_before, friday_after in bridged:
        if day is not None and day.weekday() == 1 and monday_before:
            days.add(day - DAY)
        if day is not None and day.weekday() == 3 and friday_after:
            days.add(day + DAY)
    return frozenset(days)


def is_holiday(day: dt.date) -> bool:
    """A generally recognised holiday (Atw), or a day such a decree usually adds."""
    return day in _year(day.year)


def is_term_day(day: dt.date) -> bool:
    """A day on which a legal term may end: not a Saturday, Sunday or holiday."""
    return day.weekday() not in (SATURDAY, SUNDAY) and not is_holiday(day)


def term_end(last_day: dt.date) -> dt.date:
    """The last day of a legal term that would end on `last_day`, moved on to the next day
    that is not a Saturday, Sunday or holiday (Atw art. 1)."""
    day = last_day
    while not is_term_day(day):
        day += DAY
    return day


def post_receipt_day(
    sent_on: dt.date, *, delivery_days: int, no_delivery: Collection[str]
) -> dt.date:
    """The day a letter posted on `sent_on` is taken to arrive: the `delivery_days`-th day
    after it that is no holiday and not one of `no_delivery` ("sun", "mon")."""
    if delivery_days < 0:
        raise ValueError("delivery_days is never negative")
    skipped = {WEEKDAYS.index(name) for name in no_delivery}
    if len(skipped) == len(WEEKDAYS):
        raise ValueError("post is delivered on at least one weekday")
    day, counted = sent_on, 0
    while counted < delivery_days:
        day += DAY
        if day.weekday() not in skipped and not is_holiday(day):
            counted += 1
    return day
