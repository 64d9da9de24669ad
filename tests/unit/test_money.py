"""Money: Decimal in, text in the debtor's language out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.common.money import format_money, to_money


@pytest.mark.parametrize(
    ("amount", "nl", "en"),
    [
        ("1234.56", "€ 1.234,56", "€1,234.56"),
        ("0", "€ 0,00", "€0.00"),
        ("0.00", "€ 0,00", "€0.00"),
        ("5", "€ 5,00", "€5.00"),
        ("89.95", "€ 89,95", "€89.95"),
        ("999.99", "€ 999,99", "€999.99"),
        ("1000", "€ 1.000,00", "€1,000.00"),
        ("1000000", "€ 1.000.000,00", "€1,000,000.00"),
        ("1234567.89", "€ 1.234.567,89", "€1,234,567.89"),
        ("9999999999.99", "€ 9.999.999.999,99", "€9,999,999,999.99"),
    ],
)
def test_format_money(amount: str, nl: str, en: str) -> None:
    assert format_money(Decimal(amount), "nl") == nl
    assert format_money(Decimal(amount), "en") == en


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "€0.01"),
        ("0.004", "€0.00"),
        ("0.015", "€0.02"),
        ("0.025", "€0.03"),  # half up, not half even
        ("2.675", "€2.68"),
        ("0.995", "€1.00"),
        ("999.995", "€1,000.00"),
        ("1.234", "€1.23"),
    ],
)
def test_rounds_half_up_to_cents(amount: str, expected: str) -> None:
    assert format_money(Decimal(amount), "en") == expected


def test_other_languages_get_the_english_format() -> None:
    assert format_money(Decimal("1234.56"), "de") == "€1,234.56"


def test_other_currencies_are_written_as_their_code() -> None:
    assert format_money(Decimal("1234.56"), "nl", "USD") == "USD 1.234,56"
    assert format_money(Decimal("1234.56"), "en", "GBP") == "GBP 1,234.56"


def test_negative_amounts_keep_their_sign() -> None:
    assert format_money(Decimal("-5"), "en") == "-€5.00"
    assert format_money(Decimal("-1234.5"), "nl") == "-€ 1.234,50"


@pytest.mark.parametrize("value", [1.5, 0.1, 1234.56, 0.0])
def test_floats_are_refused(value: float) -> None:
    with pytest.raises(TypeError):
        format_money(value, "nl")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


def test_to_money_accepts_int_str_and_decimal() -> None:
    assert to_money(5) == Decimal("5.00")
    assert to_money("12.345") == Decimal("12.35")
    assert to_money(Decimal("1")) == Decimal("1.00")
    assert str(to_money("7")) == "7.00"


@pytest.mark.parametrize("value", ["abc", "", "1,50", "€ 5"])
def test_to_money_refuses_text_that_is_no_amount(value: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        to_money(value)


def parse_nl(text: str) -> Decimal:
    assert text.startswith("€ ")
    return Decimal(text.removeprefix("€ ").replace(".", "").replace(",", "."))


def parse_en(text: str) -> Decimal:
    assert text.startswith("€")
    return Decimal(text.removeprefix("€").replace(",", ""))


amounts = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False)


@given(amount=amounts)
def test_format_money_round_trip(amount: Decimal) -> None:
    assert parse_nl(format_money(amount, "nl")) == amount
    assert parse_en(format_money(amount, "en")) == amount


@given(amount=st.decimals(min_value=0, max_value=Decimal("1e9"), places=4, allow_nan=False))
def test_format_money_round_trip_after_rounding(amount: Decimal) -> None:
    cents = to_money(amount)
    assert abs(cents - amount) <= Decimal("0.005")
    assert parse_nl(format_money(amount, "nl")) == cents
    assert parse_en(format_money(amount, "en")) == cents


@given(amount=amounts)
def test_nl_and_en_differ_only_in_separators(amount: Decimal) -> None:
    nl = format_money(amount, "nl").removeprefix("€ ")
    en = format_money(amount, "en").removeprefix("€")
    assert nl.translate(str.maketrans(".,", ",.")) == en
