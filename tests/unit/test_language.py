"""Which language a debtor writes in."""

from __future__ import annotations

import pytest

from receivables.common.language import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    detect_language,
    language_of_tag,
)


@pytest.mark.parametrize(
    "text",
    [
        "Wat is mijn saldo?",
        "Hoeveel moet ik nog betalen?",
        "Ik wil graag een betalingsregeling",
        "Welke facturen staan er nog open?",
        "Ik kan deze maand niet betalen",
        "Kan ik met een medewerker spreken?",
        "Goedemorgen, ik heb een vraag over mijn factuur",
        "Mijn klantnummer is 48213907",
        "Ik ben geboren op 12 maart 1985",
        "dankjewel",
        "Hallo",
        "nee",
        "ja graag",
    ],
)
def test_dutch(text: str) -> None:
    assert detect_language(text) == "nl"


@pytest.mark.parametrize(
    "text",
    [
        "What is my balance?",
        "How much do I still owe?",
        "I want to pay my invoice",
        "Which invoices are still outstanding?",
        "I can't pay this month",
        "Can I speak to a person?",
        "Good morning, I have a question about my bill",
        "My customer number is 48213907",
        "I was born on March 12, 1985",
        "thanks",
        "hello",
        "yes please",
        "hi there",
        "good afternoon",
        "can i pay over three months",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "48213907",
        "12-03-1985",
        "1234 AB",
        "KL-2291",
        "EN-1001",
        "en-1002",
        "ok",
        "👍",
        "?",
        "€ 50",
        "hi",
        "hey",
    ],
)
def test_not_enough_to_tell(text: str) -> None:
    assert detect_language(text) is None


def test_case_does_not_matter() -> None:
    assert detect_language("WAT IS MIJN SALDO") == "nl"
    assert detect_language("WHAT IS MY BALANCE") == "en"


def test_languages() -> None:
    assert LANGUAGES == ("nl", "en")
    assert DEFAULT_LANGUAGE in LANGUAGES


@pytest.mark.parametrize(
    ("tag", "language"),
    [("en-GB", "en"), ("en", "en"), ("EN_us", "en"), ("nl-BE", "nl"), ("nl", "nl")]
    + [("de-DE", None), ("", None), (None, None), ("fr", None)],
)
def test_a_browser_language_tag(tag: str | None, language: str | None) -> None:
    assert language_of_tag(tag) == language
