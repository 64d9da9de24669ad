"""Customer numbers, invoice numbers and postcodes in what a debtor types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.common.identifiers import (
    find_reference,
    format_postcode,
    normalize_postcode,
    normalize_reference,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48213907", "48213907"),
        ("KL-2291", "KL-2291"),
        ("kl-2291", "KL-2291"),
        ("F2026-0042", "F2026-0042"),
        ("f2026-0042", "F2026-0042"),
        ("INV-10233", "INV-10233"),
        ("  48213907  ", "48213907"),
        ("48213907.", "48213907"),
        ("KL-2291.", "KL-2291"),
    ],
)
def test_bare_references(text: str, expected: str) -> None:
    assert find_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mijn klantnummer is kl-2291", "KL-2291"),
        ("Mijn klantnummer is 48213907", "48213907"),
        ("factuur F2026-0042 graag", "F2026-0042"),
        ("het gaat om factuur F2026-0042, kunt u kijken?", "F2026-0042"),
        ("my customer number is 48213907.", "48213907"),
        ("invoice INV-10233 please", "INV-10233"),
        ("nummer: 48213907", "48213907"),
        ("klantnr 48213907 wat staat er open", "48213907"),
    ],
)
def test_references_in_free_text(text: str, expected: str) -> None:
    assert find_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48213907 12-03-1985", "48213907"),
        ("12-03-1985 48213907", "48213907"),
        ("KL-2291 1234 AB", "KL-2291"),
        ("1234 AB KL-2291", "KL-2291"),
        ("klantnummer 48213907, postcode 1234AB", "48213907"),
        ("F2026-0042, geboren 12 maart 1985", "F2026-0042"),
        ("mijn klantnummer is 48213907 en ik ben geboren op 12-03-1985", "48213907"),
        ("KL-2291 born March 12, 1985", "KL-2291"),
        ("48213907 3 mei '79", "48213907"),
        ("1985-03-12 EN-1001", "EN-1001"),
    ],
)
def test_reference_next_to_a_date_or_postcode(text: str, expected: str) -> None:
    assert find_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hallo",
        "hello, can you help me?",
        "1234 AB",
        "1234AB",
        "postcode 1012 ab",
        "12-03-1985",
        "12 maart 1985",
        "March 12, 1985",
        "1985-03-12",
        "ik ben geboren op 12-03-1985 en woon op 1234 AB",
        "ok",
        "12",  # too short to be a reference
    ],
)
def test_no_reference(text: str) -> None:
    assert find_reference(text) is None


def test_the_most_identifier_like_token_wins() -> None:
    # more digits beats fewer: "nr 3" is not the customer number
    assert find_reference("ik heb 2 vragen over 48213907") == "48213907"
    assert find_reference("abc123 en F2026-0042") == "F2026-0042"


def test_normalize_reference_ignores_case_and_space() -> None:
    assert normalize_reference(" kl-2291 ") == "KL-2291"
    assert normalize_reference("KL-2291") == normalize_reference("kl-2291")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234 ab", "1234AB"),
        ("1234AB", "1234AB"),
        ("1234ab", "1234AB"),
        ("1012 AB", "1012AB"),
        ("9999 ZZ", "9999ZZ"),
        ("mijn postcode is 3511 ce", "3511CE"),
        ("postcode: 1234 AB.", "1234AB"),
    ],
)
def test_normalize_postcode(text: str, expected: str) -> None:
    assert normalize_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "0123 AB",  # no postcode starts with 0
        "1234 SS",  # SA, SD and SS are not issued
        "1234 sa",
        "1234 SD",
        "12345 AB",
        "123 AB",
        "1234 ABC",
        "1234-AB",
        "AB 1234",
        "hallo",
        "",
        "48213907",
    ],
)
def test_not_a_postcode(text: str) -> None:
    assert normalize_postcode(text) is None


def test_format_postcode() -> None:
    assert format_postcode("1234AB") == "1234 AB"
    assert format_postcode("ABC") == "ABC"


@given(
    number=st.integers(min_value=1000, max_value=9999),
    letters=st.text(alphabet="ABCDEFGHIJKLMNOPQRTUVWXYZ", min_size=2, max_size=2),
    space=st.sampled_from(["", " "]),
    lower=st.booleans(),
)
def test_postcode_round_trip(number: int, letters: str, space: str, lower: bool) -> None:
    if letters in {"SA", "SD", "SS"}:
        return
    written = f"{number}{space}{letters.lower() if lower else letters}"
    normalized = normalize_postcode(written)
    assert normalized == f"{number}{letters}"
    assert normalize_postcode(format_postcode(normalized)) == normalized


@given(digits=st.integers(min_value=10_000_000, max_value=99_999_999))
def test_eight_digit_customer_number_found_in_a_sentence(digits: int) -> None:
    assert find_reference(f"mijn klantnummer is {digits}, dank u") == str(digits)
