"""Finding customer numbers, invoice numbers and postcodes in what a debtor types. Pure."""

from __future__ import annotations

import re

from receivables.common.dates import find_calendar_date

# Dutch postcode: four digits (not starting with 0), optional space, two letters
# (SA, SD and SS are not issued).
_POSTCODE = re.compile(r"(?<![\w-])([1-9]\d{3})\s?(?!sa|sd|ss)([a-z]{2})(?![\w-])", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9/_.-]*[A-Za-z0-9])?")


def normalize_postcode(text: str) -> str | None:
    """'1234 ab' -> '1234AB'; None when text holds no postcode."""
    m = _POSTCODE.search(text)
    return f"{m[1]}{m[2].upper()}" if m else None


def format_postcode(postcode: str) -> str:
    return f"{postcode[:4]} {postcode[4:]}" if len(postcode) == 6 else postcode


def normalize_reference(reference: str) -> str:
    """References compare without case and surrounding space: 'kl-2291 ' == 'KL-2291'."""
    return reference.strip().upper()


def find_reference(text: str) -> str | None:
    """A customer or invoice number in free text: digits, letters and dashes with at least
    one digit (48213907, KL-2291, F2026-0042). Dates and postcodes are not references."""
    rest = text
    if found := find_calendar_date(rest):
        rest = rest.replace(found[1], " ")
    rest = _POSTCODE.sub(" ", rest)
    candidates = [t.strip("./_") for t in _TOKEN.findall(rest)]
    candidates = [c for c in candidates if 3 <= len(c) <= 40 and any(ch.isdigit() for ch in c)]
    if candidates:
        return normalize_reference(max(candidates, key=_reference_score))
    return None


def _reference_score(token: str) -> tuple[int, int]:
    # prefer tokens that look most like an identifier: more digits, then longer
    return sum(ch.isdigit() for ch in token), len(token)


def _compact(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def find_invoice_number(text: str, numbers: list[str]) -> str | None:
    """Which of `numbers` the debtor names in text: the whole number in any spelling
    ("f2026 0042"), or its tail of at least four characters ("2026-0042", "10233")."""
    tokens = [_compact(t) for t in _TOKEN.findall(text)]
    tokens += [a + b for a, b in zip(tokens, tokens[1:], strict=False)]
    for number in numbers:
        compact = _compact(number)
        for token in tokens:
            if len(token) >= 4 and any(ch.isdigit() for ch in token) and compact.endswith(token):
                return number
    return None
