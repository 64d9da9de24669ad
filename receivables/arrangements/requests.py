"""What a debtor asks for in words: "in 3 termijnen", "100 euro per maand", "ik betaal 50
euro vrijdag". Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

NUMBER_WORDS = {
    "een": 1,
    "één": 1,
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
    "achttien": 18,
    "vierentwintig": 24,
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
    "eighteen": 18,
    "twenty-four": 24,
}
_COUNT = r"(\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_TERMS = (
    r"(?:termijnen|termijn|keer|delen|maanden|maand|betalingen|"
    r"installments?|instalments?|payments|months|parts|goes|times)"
)
_INSTALLMENTS = re.compile(
    rf"(?<![\d,.€]){_COUNT}\s*(?:x\s*)?(?:maandelijkse\s+|monthly\s+)?{_TERMS}\b", re.I
)
_AMOUNT = r"(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d{1,6}(?:[.,]\d{1,2})?)"
_CURRENCY = r"(?:€|eur\b|euros?\b|,-)"
_MONTHLY = r"(?:per\s+maand|p/?m\b|per\s+month|a\s+month|each\s+month|every\s+month|/\s*(?:maand|month|mnd)|monthly|maandelijks|elke\s+maand|iedere\s+maand|in\s+de\s+maand)"
_AMOUNT_THEN_MONTHLY = re.compile(rf"{_CURRENCY}?\s*{_AMOUNT}\s*{_CURRENCY}?\s*{_MONTHLY}", re.I)
_MONTHLY_THEN_AMOUNT = re.compile(
    rf"{_MONTHLY}\s*(?:een\s+bedrag\s+van\s+)?{_CURRENCY}?\s*{_AMOUNT}", re.I
)
_MONEY = re.compile(rf"(?:{_CURRENCY}\s*{_AMOUNT}|{_AMOUNT}\s*{_CURRENCY})", re.I)


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


def parse_plan_request(text: str) -> PlanRequest:
    """The number of installments or the monthly amount the debtor names, if any."""
    monthly = _AMOUNT_THEN_MONTHLY.search(text) or _MONTHLY_THEN_AMOUNT.search(text)
    if monthly:
        return PlanRequest(monthly_amount=_decimal(monthly[1]))
    count = _INSTALLMENTS.search(text)
    if count:
        word = count[1].lower()
        number = int(word) if word.isdigit() else NUMBER_WORDS[word]
        return PlanRequest(installments=number if number > 0 else None)
    return PlanRequest()


def find_amount(text: str) -> Decimal | None:
    """An amount of money named with a currency: "100 euro", "€ 49,50"."""
    found = _MONEY.search(text)
    if not found:
        return None
    return _decimal(found[1] or found[2])
