"""Amounts, dates and chat text made fit to be read aloud."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from channels.speech import Spoken, speakable, spoken_title
from channels.spoken_numbers import (
    amount_words,
    date_words,
    number_words,
    ordinal_words,
    year_words,
)


@pytest.mark.parametrize(
    ("n", "dutch", "english"),
    [
        (0, "nul", "zero"),
        (1, "één", "one"),
        (13, "dertien", "thirteen"),
        (21, "eenentwintig", "twenty-one"),
        (22, "tweeëntwintig", "twenty-two"),
        (33, "drieëndertig", "thirty-three"),
        (56, "zesenvijftig", "fifty-six"),
        (80, "tachtig", "eighty"),
        (101, "honderdeen", "one hundred one"),
        (999, "negenhonderdnegenennegentig", "nine hundred ninety-nine"),
        (1000, "duizend", "one thousand"),
        (1001, "duizend één", "one thousand one"),
        (1234, "duizend tweehonderdvierendertig", "one thousand two hundred thirty-four"),
        (2000, "tweeduizend", "two thousand"),
        (
            12345,
            "twaalfduizend driehonderdvijfenveertig",
            "twelve thousand three hundred forty-five",
        ),
        (101000, "honderdeenduizend", "one hundred one thousand"),
        (1_000_000, "één miljoen", "one million"),
        (2_500_000, "twee miljoen vijfhonderdduizend", "two million five hundred thousand"),
    ],
)
def test_numbers_in_words(n: int, dutch: str, english: str) -> None:
    assert number_words(n, "nl") == dutch
    assert number_words(n, "en") == english


@pytest.mark.parametrize(
    ("amount", "dutch", "english"),
    [
        (
            "1234.56",
            "duizend tweehonderdvierendertig euro en zesenvijftig cent",
            "one thousand two hundred thirty-four euros and fifty-six cents",
        ),
        ("1.00", "één euro", "one euro"),
        ("0.50", "vijftig cent", "fifty cents"),
        ("2.01", "twee euro en één cent", "two euros and one cent"),
        ("0", "nul euro", "zero euros"),
        ("-3.10", "min drie euro en tien cent", "minus three euros and ten cents"),
    ],
)
def test_amounts_in_words(amount: str, dutch: str, english: str) -> None:
    assert amount_words(Decimal(amount), "nl") == dutch
    assert amount_words(Decimal(amount), "en") == english


def test_ordinals_years_and_dates() -> None:
    assert [ordinal_words(n) for n in (1, 2, 3, 5, 12, 20, 21, 30, 31)] == [
        "first",
        "second",
        "third",
        "fifth",
        "twelfth",
        "twentieth",
        "twenty-first",
        "thirtieth",
        "thirty-first",
    ]
    assert year_words(1985, "nl") == "negentienhonderdvijfentachtig"
    assert year_words(1900, "nl") == "negentienhonderd"
    assert year_words(2026, "nl") == "tweeduizend zesentwintig"
    assert year_words(1985, "en") == "nineteen eighty-five"
    assert year_words(1905, "en") == "nineteen oh five"
    assert year_words(2005, "en") == "two thousand five"
    assert year_words(2026, "en") == "twenty twenty-six"
    assert date_words(dt.date(2026, 3, 12), "nl") == "twaalf maart tweeduizend zesentwintig"
    assert date_words(dt.date(2026, 3, 21), "en") == "March twenty-first, twenty twenty-six"


def test_a_payment_link_message_is_spoken_without_the_link() -> None:
    spoken = speakable(
        "Hier is uw veilige betaallink voor € 1.234,56 (saldo):\n"
        "https://settle.example.com/pay/Abc_123\n"
        "U kunt betalen met iDEAL. De link is geldig tot en met 12 maart 2026.",
        "nl",
    )
    assert spoken.links == ("https://settle.example.com/pay/Abc_123",)
    assert spoken.text == (
        "Hier is uw veilige betaallink voor duizend tweehonderdvierendertig euro en "
        "zesenvijftig cent (saldo). U kunt betalen met iDEAL. De link is geldig tot en met "
        "twaalf maart tweeduizend zesentwintig."
    )


def test_english_amounts_dates_emoji_and_markdown() -> None:
    spoken = speakable("**Good news** 🎉 Your balance is €1,234.56, due 2026-03-12 👍🏽", "en")
    assert spoken.text == (
        "Good news Your balance is one thousand two hundred thirty-four euros and fifty-six "
        "cents, due March twelfth, twenty twenty-six."
    )
    link = speakable("- [Pay here](https://x.example/p)", "en")
    assert link == Spoken("Pay here.", ("https://x.example/p",))


def test_example_dates_in_prompts_and_button_titles() -> None:
    asked = speakable("Wat is uw geboortedatum (bijvoorbeeld 12-03-1985) of uw postcode?", "nl")
    assert "twaalf maart negentienhonderdvijfentachtig" in asked.text
    assert spoken_title("Mijn saldo", "nl") == "mijn saldo"
    assert spoken_title("iDEAL 💳", "nl") == "iDEAL"
    assert spoken_title("Hoe kan ik betalen?", "nl") == "hoe kan ik betalen"
