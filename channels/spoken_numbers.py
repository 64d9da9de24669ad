"""Whole numbers, amounts and dates written out in words, in Dutch and English, for a voice
to read aloud. Pure.

    number_words(1234, "nl")              "duizend tweehonderdvierendertig"
    amount_words(Decimal("1234.56"), "en")
        "one thousand two hundred thirty-four euros and fifty-six cents"
    date_words(dt.date(2026, 3, 12), "nl")  "twaalf maart tweeduizend zesentwintig"
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from receivables.common.dates import MONTH_NAMES
from receivables.common.money import to_money

_NL_SMALL = (
    "nul een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien "
    "vijftien zestien zeventien achttien negentien"
).split()
_NL_TENS = "_ _ twintig dertig veertig vijftig zestig zeventig tachtig negentig".split()
_EN_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_ORDINAL = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_SCALES = ((10**9, "miljard", "billion"), (10**6, "miljoen", "million"))


def _nl_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    head = (
        "" if hundreds == 0 else ("honderd" if hundreds == 1 else _NL_SMALL[hundreds] + "honderd")
    )
    if rest == 0:
        return head or "nul"
    if rest < 20:
        return head + _NL_SMALL[rest]
    tens, unit = divmod(rest, 10)
    if unit == 0:
        return head + _NL_TENS[tens]
    # twee-ën-twintig, drie-ën-dertig: a trema where two e's would meet
    link = "ën" if _NL_SMALL[unit].endswith("e") else "en"
    return head + _NL_SMALL[unit] + link + _NL_TENS[tens]


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{_EN_SMALL[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, unit = divmod(rest, 10)
        parts.append(_EN_TENS[tens] + (f"-{_EN_SMALL[unit]}" if unit else ""))
    elif rest or not parts:
        parts.append(_EN_SMALL[rest])
    return " ".join(parts)


def _nl(n: int) -> str:
    for scale, name, _ in _SCALES:
        if n >= scale:
            count, rest = divmod(n, scale)
            head = f"{'één' if count == 1 else _nl(count)} {name}"
            return head + (f" {_nl(rest)}" if rest else "")
    if n >= 1000:
        count, rest = divmod(n, 1000)
        head = "duizend" if count == 1 else _nl_below_1000(count) + "duizend"
        return head + (f" {_nl_below_1000(rest)}" if rest else "")
    return _nl_below_1000(n)


def _en(n: int) -> str:
    for scale, _, name in (*_SCALES, (1000, "", "thousand")):
        if n >= scale:
            count, rest = divmod(n, scale)
            return f"{_en(count)} {name}" + (f" {_en(rest)}" if rest else "")
    return _en_below_1000(n)


def number_words(n: int, language: str) -> str:
    """A whole number in words; 'één' where Dutch one stands alone (not the article 'een')."""
    if n < 0:
        return ("min " if language == "nl" else "minus ") + number_words(-n, language)
    if language != "nl":
        return _en(n)
    words = _nl(n)
    return " ".join("één" if w == "een" else w for w in words.split(" "))


def ordinal_words(n: int) -> str:
    """English ordinals: first, twelfth, twenty-first, thirtieth."""
    words = _en(n)
    head, sep, last = words.rpartition("-") if "-" in words else words.rpartition(" ")
    if last in _EN_ORDINAL:
        last = _EN_ORDINAL[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year_words(year: int, language: str) -> str:
    """As a year is said: 'negentienhonderdvijfentachtig', 'nineteen eighty-five',
    'tweeduizend zesentwintig', 'twenty twenty-six'."""
    century, rest = divmod(year, 100)
    if language == "nl":
        if 11 <= century <= 19:
            return _NL_SMALL[century] + "honderd" + (_nl_below_1000(rest) if rest else "")
        return number_words(year, "nl")
    if 11 <= century <= 19 or (20 <= century <= 99 and rest >= 10):
        if rest == 0:
            return f"{_en(century)} hundred"
        return f"{_en(century)} {_en(rest) if rest >= 10 else 'oh ' + _en(rest)}"
    return _en(year)


def amount_words(amount: Decimal, language: str) -> str:
    """Euros and cents in words: 'duizend tweehonderdvierendertig euro en zesenvijftig cent'."""
    amount = to_money(amount)
    sign = ("min " if language == "nl" else "minus ") if amount < 0 else ""
    cents_total = int(abs(amount) * 100)
    euros, cents = divmod(cents_total, 100)
    if language == "nl":
        euro_part = f"{number_words(euros, 'nl')} euro"
        cent_part = f"{number_words(cents, 'nl')} cent"
        joiner = " en "
    else:
        euro_part = f"{number_words(euros, 'en')} euro{'' if euros == 1 else 's'}"
        cent_part = f"{number_words(cents, 'en')} cent{'' if cents == 1 else 's'}"
        joiner = " and "
    if cents == 0:
        return sign + euro_part
    if euros == 0:
        return sign + cent_part
    return sign + euro_part + joiner + cent_part


def date_words(date: dt.date, language: str) -> str:
    """'twaalf maart tweeduizend zesentwintig' / 'March twelfth, twenty twenty-six'."""
    if language == "nl":
        month = MONTH_NAMES["nl"][date.month - 1]
        return f"{number_words(date.day, 'nl')} {month} {year_words(date.year, 'nl')}"
    month = MONTH_NAMES["en"][date.month - 1]
    return f"{month} {ordinal_words(date.day)}, {year_words(date.year, 'en')}"
