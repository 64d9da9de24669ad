"""Money helpers: Decimal in, text in the debtor's language out."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents. Floats are refused: they cannot hold money exactly."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def format_money(amount: Decimal, language: str, currency: str = "EUR") -> str:
    """€ 1.234,56 in Dutch, €1,234.56 in English."""
    amount = to_money(amount)
    symbol = "€" if currency == "EUR" else currency + " "
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,.2f}"  # 1,234.56
    if language == "nl":
        dutch = grouped.replace(",", "_").replace(".", ",").replace("_", ".")
        space = " " if currency == "EUR" else ""
        return f"{sign}{symbol}{space}{dutch}"
    return f"{sign}{symbol}{grouped}"
