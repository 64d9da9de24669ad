"""When a debtor says they will pay ("volgende week vrijdag", "on the 15th", "eind van de
maand"), and whether that date is inside the policy. Pure functions.

Our own rules read the phrases debtors use in Dutch and English (both, whatever the
conversation's language: people mix); what they do not cover goes to dateparser in the
conversation's language, relative to today, preferring the future.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import dateparser

from receivables.arrangements.schedule import add_months
from receivables.common.dates import MONTH_PATTERN, MONTHS, ORDINAL, find_calendar_date
from receivables.policy.limits import PromiseLimits

WEEKDAYS = {
    "maandag": 0,
    "dinsdag": 1,
    "woensdag": 2,
    "donderdag": 3,
    "vrijdag": 4,
    "zaterdag": 5,
    "zondag": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
NUMBERS = {
    "een": 1,
    "één": 1,
    "1": 1,
    "twee": 2,
    "drie": 3,
    "vier": 4,
    "vijf": 5,
    "zes": 6,
    "zeven": 7,
    "acht": 8,
    "negen": 9,
    "tien": 10,
    "elf": 11,
    "twaalf": 12,
    "veertien": 14,
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
}
UNIT_DAYS = {"dag": 1, "dagen": 1, "day": 1, "days": 1, "week": 7, "weken": 7, "weeks": 7}
UNIT_MONTHS = ("maand", "maanden", "month", "months")

_WEEKDAY = "|".join(WEEKDAYS)
_MONTH = MONTH_PATTERN
_NUMBER = "|".join(sorted((re.escape(n) for n in NUMBERS), key=len, reverse=True)) + r"|\d{1,3}"
_NEXT_WEEK = r"(?:volgende\s+week|next\s+week)"
_NEXT_MONTH = r"(?:volgende\s+maand|next\s+month)"
# "de 1e termijn" / "the 1st installment" is not a date
_NOT_A_COUNT = (
    r"(?!\s*(?:termijn|termijnen|keer|rate|installments?|instalments?|times?|payments?)\b)"
)

_TODAY = re.compile(r"\b(?:vandaag|today|vanavond|tonight)\b")
_DAY_AFTER_TOMORROW = re.compile(r"\b(?:overmorgen|(?:the\s+)?day\s+after\s+tomorrow)\b")
_TOMORROW = re.compile(r"\b(?:morgen|tomorrow)\b")
_IN_PERIOD = re.compile(
    rf"\b(?:over|in|binnen|within)\s+(?:(?:de|het|the)\s+)?(?:komende\s+|next\s+)?({_NUMBER})"
    rf"\s+(dagen|dag|days|day|weken|week|weeks|maanden|maand|months|month)\b"
)
_FORTNIGHT = re.compile(r"\b(?:in|within)\s+a\s+fortnight\b")
_END_OF_MONTH = re.compile(
    r"\b(?:(?:aan\s+het\s+)?eind(?:e)?\s+(?:van\s+)?(?:de|deze|het|volgende)?\s*maand"
    r"|(?:at\s+the\s+)?end\s+of\s+(?:the|this|next)\s+month|(?:the\s+)?month'?s\s+end)\b"
)
_START_OF_NEXT_MONTH = re.compile(
    r"\b(?:begin\s+(?:van\s+)?(?:de\s+)?volgende\s+maand"
    r"|(?:the\s+)?(?:start|beginning)\s+of\s+next\s+month)\b"
)
_NEXT_WEEK_DAY = re.compile(
    rf"\b(?:{_NEXT_WEEK}\s+(?:on\s+)?({_WEEKDAY})|({_WEEKDAY})\s+{_NEXT_WEEK}"
    rf"|next\s+({_WEEKDAY}))\b"
)
_WEEKDAY_ONLY = re.compile(rf"\b({_WEEKDAY})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}}){ORDINAL}\s*(?:of\s+)?({_MONTH})\b\.?(?!\s*'?\d)")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\b(?![-/.]?\d)")
_NUMERIC_DAY_MONTH = re.compile(
    r"(?<![\d.,/-])(\d{1,2})\s?[-/]\s?(\d{1,2})(?![\d/-]|[.,]\d)"
    r"(?!\s*(?:dagen|dag|days|day|weken|week|weeks|maanden|maand|months|month)\b)"
)
_DAY_OF_MONTH = re.compile(
    rf"(?:\b(\d{{1,2}})(?:st|nd|rd|th|ste|de|e)\b{_NOT_A_COUNT}"
    rf"|\b(?:de|the)\s+(\d{{1,2}})\b(?=\s+(?:van\s+de(?:ze)?\s+maand|of\s+the\s+month"
    rf"|deze\s+maand|this\s+month|{_NEXT_MONTH}))"
    rf")"
)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _next_month(date: dt.date) -> tuple[int, int]:
    return (date.year + 1, 1) if date.month == 12 else (date.year, date.month + 1)


class _NoSuchDate(Exception):
    """A rule read a date that does not exist ("31-2"): the text names no date, and no
    other reading should guess one."""


def _next_occurrence(day: int, month: int, today: dt.date) -> dt.date:
    """The first day/month on or after today (1 December, said in January: this year)."""
    for year in (today.year, today.year + 1):
        try:
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if date >= today:
            return date
    raise _NoSuchDate


def _today(text: str, today: dt.date) -> dt.date | None:
    return today if _TODAY.search(text) else None


def _relative_day(text: str, today: dt.date) -> dt.date | None:
    if _DAY_AFTER_TOMORROW.search(text):
        return today + dt.timedelta(days=2)
    if _TOMORROW.search(text):
        return today + dt.timedelta(days=1)
    return None


def _in_period(text: str, today: dt.date) -> dt.date | None:
    if _FORTNIGHT.search(text):
        return today + dt.timedelta(days=14)
    if not (m := _IN_PERIOD.search(text)):
        return None
    count = NUMBERS.get(m[1]) or int(m[1])
    if m[2] in UNIT_MONTHS:
        return add_months(today, count)
    return today + dt.timedelta(days=count * UNIT_DAYS[m[2]])


def _month_edges(text: str, today: dt.date) -> dt.date | None:
    if m := _END_OF_MONTH.search(text):
        if "volgende" in m[0] or "next" in m[0]:
            return _month_end(*_next_month(today))
        return _month_end(today.year, today.month)
    if _START_OF_NEXT_MONTH.search(text):
        return dt.date(*_next_month(today), 1)
    return None


def _calendar_date(text: str, today: dt.date) -> dt.date | None:
    """A day and month, without a year: "1 december", "december 1st", "12-12"."""
    if m := _DAY_MONTH.search(text):
        return _next_occurrence(int(m[1]), MONTHS[m[2]], today)
    if m := _MONTH_DAY.search(text):
        return _next_occurrence(int(m[2]), MONTHS[m[1]], today)
    if m := _NUMERIC_DAY_MONTH.search(text):
        return _next_occurrence(int(m[1]), int(m[2]), today)
    return None


def _day_of_month(text: str, today: dt.date) -> dt.date | None:
    """ "de 15e", "on the 15th": the next 15th (today counts); "de 15e volgende maand": next
    month's. A day the month lacks moves to the next month that has it."""
    if not (m := _DAY_OF_MONTH.search(text)):
        return None
    day = int(m[1] or m[2])
    if not 1 <= day <= 31:
        raise _NoSuchDate
    year, month = today.year, today.month
    if re.search(_NEXT_MONTH, text):
        year, month = _next_month(today)
    for _ in range(3):
        if day <= calendar.monthrange(year, month)[1] and dt.date(year, month, day) >= today:
            return dt.date(year, month, day)
        year, month = _next_month(dt.date(year, month, 1))
    raise _NoSuchDate


def _weekday(text: str, today: dt.date) -> dt.date | None:
    """ "volgende week vrijdag", "next Friday": that day in the next calendar week (weeks
    start on Monday). "vrijdag", "this Friday", "aanstaande vrijdag": the first one after
    today."""
    if m := _NEXT_WEEK_DAY.search(text):
        weekday = WEEKDAYS[m[1] or m[2] or m[3]]
        next_monday = today + dt.timedelta(days=7 - today.weekday())
        return next_monday + dt.timedelta(days=weekday)
    if m := _WEEKDAY_ONLY.search(text):
        ahead = (WEEKDAYS[m[1]] - today.weekday() - 1) % 7 + 1
        return today + dt.timedelta(days=ahead)
    return None


# most specific first: a full date beats "volgende week", a date beats a weekday
RULES: tuple[Callable[[str, dt.date], dt.date | None], ...] = (
    _month_edges,
    _calendar_date,
    _day_of_month,
    _weekday,
    _relative_day,
    _in_period,
    _today,
)

_NUMBER_ONLY = re.compile(r"^[\d\s.,€-]*(?:euro|eur)?[\s.!?]*$")
_AMOUNT = re.compile(
    r"(?:€\s*|eur(?:o)?\s+)\d+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?\s*(?:€|euro|eur)\b"
)
MAX_WORDS = 12


def _dateparser(text: str, *, language: str, today: dt.date) -> dt.date | None:
    """dateparser on the text, then on ever shorter tails of it ("I'll pay next month" ->
    "next month"): it reads a date phrase, not a sentence around one."""
    settings = {
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": ["month"],
    }
    words = _AMOUNT.sub(" ", text).split()[-MAX_WORDS:]
    for start in range(len(words)):
        tail = " ".join(words[start:])
        if _NUMBER_ONLY.match(tail):
            break
        try:
            found = dateparser.parse(tail, languages=[language], settings=settings)
        except (ValueError, OverflowError):
            found = None
        if found is not None:
            date: dt.date = found.date()
            # a year-only or far-off reading ("50 on Monday" as 2050) is not a promise date
            if abs((date - today).days) <= 366:
                return date
    return None


def interpret_promise_date(text: str, *, language: str, today: dt.date) -> dt.date | None:
    """The date a debtor means by text, or None when there is none. Dates in the past are
    returned as such (check_promise refuses them).

    Ours: a full date ("12-12-2026"), a day and month ("1 december", "12-12", "December
    1st": the next one), "eind van de maand" / "end of the month" (also next month's),
    "begin volgende maand", "de 15e" / "on the 15th" (the next 15th), "volgende week
    vrijdag" / "next Friday" (Friday of next week), "vrijdag" / "this Friday" (the first
    Friday after today), "overmorgen", "morgen" / "tomorrow", "over twee weken" / "in two
    weeks" / "in 3 days" / "over een maand", "vandaag" / "today". Anything else: dateparser
    in `language` ("nl" or "en").
    """
    clean = " ".join(text.lower().replace("’", "'").split())
    if not clean:
        return None
    if found := find_calendar_date(clean, today=today):
        return found[0]
    try:
        for rule in RULES:
            if (date := rule(clean, today)) is not None:
                return date
    except _NoSuchDate:
        return None
    return _dateparser(clean, language=language, today=today)


PromiseStatus = Literal["ok", "not_allowed", "too_many_open", "in_past", "too_late"]


@dataclass(frozen=True)
class PromiseCheck:
    """ok, or why not. `latest` is the latest date allowed, to offer instead."""

    status: PromiseStatus
    latest: dt.date

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def latest_promise_date(*, today: dt.date, limits: PromiseLimits) -> dt.date:
    return today + dt.timedelta(days=limits.max_days_ahead)


def check_promise(
    *, date: dt.date, today: dt.date, limits: PromiseLimits, open_promises: int
) -> PromiseCheck:
    """Whether a promise to pay on `date` is inside the limits, given how many open promises
    the debtor already has: not_allowed (the profile gets no promises from the bot),
    too_many_open, in_past, too_late (after today + max_days_ahead) or ok. Today is
    allowed."""
    latest = latest_promise_date(today=today, limits=limits)
    status: PromiseStatus = "ok"
    if not limits.allowed:
        status = "not_allowed"
    elif open_promises >= limits.max_open_promises:
        status = "too_many_open"
    elif date < today:
        status = "in_past"
    elif date > latest:
        status = "too_late"
    return PromiseCheck(status=status, latest=latest)
