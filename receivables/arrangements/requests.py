"""What a debtor asks for in words, the way people type on a phone: "in drie termijnen",
"over 6 maanden", "3x", "twelve instalments", "150 a month would work", "€ 37,50 p/m",
"ik betaal 50 euro vrijdag". One reader for plans and promises. Pure.

Number words go through text2num (Dutch and English: "drie", "vierentwintig", "twelve",
"a hundred and fifty"); the nouns after a count are matched with one typo allowed
("termijen", "instalmnts"), since a count with the wrong noun is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from text_to_num import alpha2digit

Language = Literal["nl", "en"]

# text2num leaves the smallest numbers as words (they are mostly articles: "een", "one"),
# but next to a count noun they are counts
SMALL_NUMBERS = {"een": 1, "één": 1, "eén": 1, "one": 1, "twee": 2, "two": 2}

# nouns after a count that make it a number of installments or months
COUNT_NOUNS = frozenset(
    """termijnen termijn keer keren delen deel stukken stuk porties portie maanden maand
    mnd mnden betalingen betaling afbetalingen maandtermijnen maandbedragen bedragen
    installments installment instalments instalment payments payment months month mths
    mnths parts part goes times chunks chunk pieces lots rates""".split()
)
# words that may stand between a count and its noun: "6 maandelijkse termijnen"
COUNT_FILLERS = frozenset(
    """x maandelijkse gelijke aparte losse kleine kleinere monthly equal separate small
    smaller easy""".split()
)
# a year is twelve monthly installments: "over een jaar", "over 2 jaar", "half a year"
YEAR_NOUNS = frozenset({"jaar", "jaren", "year", "years", "yr", "yrs"})
HALF = frozenset({"half", "halfjaar"})

_AMOUNT = r"(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d{1,6}(?:[.,]\d{1,2})?)(?!\d)(?:,-+|,=)?"
# "e" too ("50e p/m"), but not the Dutch ordinal of a day ("de 15e")
_CURRENCY = r"(?:€|eur\b|euros?\b|euri\b|eurs\b|eu\b|e\b|quid\b|bucks\b)"
_WORD_CURRENCY = r"(?:€|eur\b|euros?\b|eurs\b)"
_MONTH = (
    r"(?:maand|maan|mand|maamd|mnd|month|mnth|mth|mo|mont|monht|montj|montth|termijn|"
    r"installment|instalment)"
)
# "per maand", "a month", "p/m", "pm", "p.m.", "/mnd", "monthly", "elke maand", and "per
# termijn" (an amount per installment is the same thing)
_MONTHLY = (
    r"(?:(?:per|a|an|each|every|elke|iedere|ieder|in\s+de|in\s+the)\s*"
    rf"{_MONTH}\b|p\s*[/.]?\s*(?:m|mnd|maand)\b\.?|/\s*{_MONTH}\b|monthly\b|"
    r"maandelijks\b|permaand\b|amonth\b)"
)
# "6 monthly payments", "zes maandelijkse termijnen": a count, not an amount
_NOT_A_COUNT = (
    r"(?!\s*(?:termijn|betaling|afbetaling|payment|installment|instalment|deel|delen|"
    r"part|keer|x\b|maanden|months))"
)
_AMOUNT_THEN_MONTHLY = re.compile(
    rf"(?<![\w.,])(?<!de\s)(?<!op\s)(?<!the\s){_CURRENCY}?\s*{_AMOUNT}\s*{_CURRENCY}?"
    rf"\s*{_MONTHLY}{_NOT_A_COUNT}",
    re.I,
)
# "elke maand 75 euro", "per maand zo'n 50", "monthly i can do 60": a few words between,
# and not a day of the month ("elke maand op de 25e")
_MONTHLY_THEN_AMOUNT = re.compile(
    rf"{_MONTHLY}\s+(?:[^\d\s€]+\s+){{0,4}}?{_WORD_CURRENCY}?\s*{_AMOUNT}"
    rf"(?!e\b|ste\b|de\b|st\b|nd\b|rd\b|th\b){_NOT_A_COUNT}",
    re.I,
)
_MONEY = re.compile(
    rf"(?<![\w.,])(?:{_WORD_CURRENCY}\s*{_AMOUNT}|{_AMOUNT}(?:\s*{_WORD_CURRENCY}|(?<=,-)))",
    re.I,
)
_TIMES = re.compile(r"(?<![\w.,€])(\d{1,2})\s?x(?!\s*\d)", re.I)
_TOKEN = re.compile(r"[\w€]+(?:[.,]\d+)*", re.U)


@dataclass(frozen=True)
class PlanRequest:
    installments: int | None = None
    monthly_amount: Decimal | None = None


def _decimal(text: str) -> Decimal | None:
    """'1.234,56' and '1,234.56' are both 1234.56; '49,50' is 49.50."""
    separators = [ch for ch in text if ch in ".,"]
    if separators:
        decimal_mark = separators[-1]
        whole, _, cents = text.rpartition(decimal_mark)
        if len(cents) == 3 and len(separators) == 1:  # "1.500": a thousands separator
            whole, cents = text.replace(decimal_mark, ""), ""
        text = whole.replace(".", "").replace(",", "") + (f".{cents}" if cents else "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01")) if value > 0 else None


def normalise(text: str, language: Language | None = None) -> str:
    """Lower case, number words as digits ("drie" -> "3", "a hundred and fifty" -> "a 150").
    Without a language both are tried, Dutch first ("ten" is a number only in English)."""
    text = " ".join(text.lower().replace("€", " € ").split())
    for lang in [language] if language else ["nl", "en"]:
        text = alpha2digit(text, lang)
    return text


def _one_typo(word: str, known: frozenset[str]) -> bool:
    """word is in known, or one edit (insert, delete, replace, swap) away from a known
    word of six letters or more."""
    if word in known:
        return True
    if len(word) < 5:
        return False
    return any(len(k) >= 6 and _within_one(word, k) for k in known)


def _within_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) <= 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and (a[i], a[j]) == (b[j], b[i])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _count(word: str) -> int | None:
    if word.isdigit() and len(word) <= 3:
        return int(word)
    return SMALL_NUMBERS.get(word)


def _count_in(tokens: list[str]) -> int | None:
    """The first number followed (within one filler word) by a count noun, or by "jaar"."""
    for i, token in enumerate(tokens):
        number = _count(token)
        if token in HALF and set(tokens[i + 1 : i + 3]) & YEAR_NOUNS:
            return 6  # "half jaar", "half a year"
        if token in {"a", "an"} and tokens[i + 1 : i + 2] and tokens[i + 1] in YEAR_NOUNS:
            return 12  # "over a year" ("een jaar" is a count of one)
        if number is None:
            continue
        following = tokens[i + 1 : i + 4]
        while following and following[0] in COUNT_FILLERS:
            following = following[1:]
        if not following:
            continue
        if _one_typo(following[0], COUNT_NOUNS):
            return number
        if following[0] in YEAR_NOUNS:
            return 12 * number
        if following[0] == "half" and following[1:2] and following[1] in YEAR_NOUNS:
            return 6 * number  # "een half jaar" (een = 1)
    return None


def parse_plan_request(text: str, language: Language | None = None) -> PlanRequest:
    """The number of installments or the monthly amount the debtor names, if any. An
    amount a month wins over a count ("50 per maand, dus 6 maanden": 50 a month), since
    what the debtor can afford is the harder limit."""
    text = normalise(text, language)
    monthly = _AMOUNT_THEN_MONTHLY.search(text) or _MONTHLY_THEN_AMOUNT.search(text)
    if monthly:
        amount = _decimal(monthly[1])
        if amount is not None:
            return PlanRequest(monthly_amount=amount)
    number = _count_in(_TOKEN.findall(text.replace("/", " ")))
    if number is None and (times := _TIMES.search(text)):
        number = int(times[1])
    if number:
        return PlanRequest(installments=number)
    return PlanRequest()


def find_amount(text: str, language: Language | None = None) -> Decimal | None:
    """An amount of money named with a currency or the Dutch ",-": "100 euro", "€ 49,50",
    "vijftig euro", "50,-". A bare number is a date or a count, never money here."""
    found = _MONEY.search(normalise(text, language))
    if not found:
        return None
    return _decimal(found[1] or found[2])
