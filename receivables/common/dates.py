"""Reading and writing calendar dates in Dutch and English. Pure functions."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    # Dutch
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "febr": 2,
    "maart": 3,
    "mrt": 3,
    "maa": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augustus": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
    # English (the ones that differ)
    "january": 1,
    "february": 2,
    "march": 3,
    "mar": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "october": 10,
    "oct": 10,
}

MONTH_NAMES = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

# building blocks also used for promise dates (receivables.arrangements.promise_dates)
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
ORDINAL = r"(?:st|nd|rd|th|ste|de|e)?"
_MONTH, _ORD = MONTH_PATTERN, ORDINAL
_ISO = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})\s?[-/. ]\s?(\d{1,2})\s?[-/. ]\s?(\d{4}|\d{2})\b")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}}){_ORD}\s*(?:of\s+)?({_MONTH})\.?,?\s*'?(\d{{4}}|\d{{2}})\b", re.IGNORECASE
)
_MONTH_DAY = re.compile(
    rf"\b({_MONTH})\.?\s+(\d{{1,2}}){_ORD}(?:,\s*|\s+)'?(\d{{4}}|\d{{2}})\b", re.IGNORECASE
)
_COMPACT = re.compile(r"\b(\d{2})(\d{2})(\d{4})\b")


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= today.year % 100 else 1900
    return year


def _build(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_calendar_date(
    text: str, *, today: dt.date | None = None, compact: bool = False
) -> tuple[dt.date, str] | None:
    """The first full date (day, month and year) written in text, and the text it came from.

    Numeric dates are read day first, as in the Netherlands ("12-03-1985" is 12 March),
    unless only the other order makes a valid date ("03/25/1985"). With compact, eight
    digits typed on a keypad count as DDMMYYYY ("12031985").
    """
    today = today or dt.date.today()
    if m := _ISO.search(text):
        date = _build(int(m[1]), int(m[2]), int(m[3]))
        if date:
            return date, m[0]
    if m := _NUMERIC.search(text):
        day, month, year = int(m[1]), int(m[2]), _year(m[3], today)
        date = _build(year, month, day) or _build(year, day, month)
        if date:
            return date, m[0]
    if m := _DAY_MONTH.search(text):
        date = _build(_year(m[3], today), MONTHS[m[2].lower()], int(m[1]))
        if date:
            return date, m[0]
    if m := _MONTH_DAY.search(text):
        date = _build(_year(m[3], today), MONTHS[m[1].lower()], int(m[2]))
        if date:
            return date, m[0]
    if compact and (m := _COMPACT.fullmatch(text.strip())):
        date = _build(int(m[3]), int(m[2]), int(m[1]))
        if date:
            return date, m[0]
    return None


def parse_date_of_birth(text: str, *, today: dt.date | None = None) -> dt.date | None:
    """A plausible date of birth in text, or None."""
    today = today or dt.date.today()
    found = find_calendar_date(text, today=today, compact=True)
    if not found:
        return None
    date = found[0]
    if date.year < 1900 or date > today:
        return None
    return date


def format_date(date: dt.date, language: str, *, weekday: bool = False) -> str:
    """'12 maart 2026' / '12 March 2026'."""
    month = MONTH_NAMES["nl" if language == "nl" else "en"][date.month - 1]
    text = f"{date.day} {month} {date.year}"
    if weekday:
        names = (
            ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
            if language == "nl"
            else ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        )
        text = f"{names[date.weekday()]} {text}"
    return text
