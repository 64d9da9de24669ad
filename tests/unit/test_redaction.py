"""Card numbers never reach storage."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.common.redaction import CARD_PLACEHOLDER, luhn_valid, redact_card_numbers

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"


@pytest.mark.parametrize(
    "card",
    [
        VISA,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        MASTERCARD,
        "5555 5555 5555 4444",
        AMEX,
        "3782 822463 10005",
    ],
)
def test_luhn_valid_card_numbers_are_redacted(card: str) -> None:
    assert redact_card_numbers(card) == CARD_PLACEHOLDER
    text = f"mijn kaart is {card}, verloopt 12/27"
    assert redact_card_numbers(text) == f"mijn kaart is {CARD_PLACEHOLDER}, verloopt 12/27"


def test_several_cards_in_one_message() -> None:
    text = f"{VISA} of anders {MASTERCARD}"
    assert redact_card_numbers(text) == f"{CARD_PLACEHOLDER} of anders {CARD_PLACEHOLDER}"


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",  # fails the Luhn check
        "1234567890123456",
        "48213907",  # a customer number
        "mijn klantnummer is 48213907",
        "KL-2291",
        "F2026-0042",
        "12-03-1985",
        "+31 6 12345678",
        "NL91 ABNA 0417 1643 00",
        "€ 1.234,56",
        "411111111111",  # 12 digits: too short for a card
        "41111111111111111111",  # 20 digits: too long for a card
    ],
)
def test_other_numbers_are_kept(text: str) -> None:
    assert redact_card_numbers(text) == text


def test_card_next_to_a_customer_number() -> None:
    text = f"48213907 {VISA}"
    assert redact_card_numbers(text) == f"48213907 {CARD_PLACEHOLDER}"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [(VISA, True), (MASTERCARD, True), (AMEX, True), ("79927398713", True), ("79927398710", False)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",))))
def test_text_without_digits_is_never_changed(text: str) -> None:
    assert redact_card_numbers(text) == text


@given(st.text())
def test_text_without_a_long_digit_run_is_never_changed(text: str) -> None:
    # digits are only touched when at least 13 of them stand together
    if not re.search(r"(?:\d[ -]?){12}\d", text):
        assert redact_card_numbers(text) == text


def luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        if luhn_valid(prefix + check):
            return prefix + check
    raise AssertionError("unreachable")


@given(
    body=st.text(alphabet="0123456789", min_size=15, max_size=15),
    before=st.text(alphabet="abc xyz,.", max_size=10),
    after=st.text(alphabet="abc xyz,.", max_size=10),
)
def test_any_luhn_valid_sixteen_digits_are_removed(body: str, before: str, after: str) -> None:
    card = luhn_complete(body)
    grouped = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    for written in (card, grouped, grouped.replace(" ", "-")):
        redacted = redact_card_numbers(f"{before} {written} {after}")
        assert card not in re.sub(r"\D", "", redacted)
        assert CARD_PLACEHOLDER in redacted
