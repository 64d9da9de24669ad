"""The debtor's language: which one a text is written in, what a tag or a browser says, and
the one fallback rule every layer uses (resolve_language)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from rasa_sdk import Tracker

from bot.actions import db as action_db
from bot.actions.language import language_of
from receivables.common.language import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    accepted_language,
    detect_language,
    language_code,
    resolve_language,
)
from receivables.policy.model import load_policy
from receivables.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]


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
def test_a_language_code_or_tag(tag: str | None, language: str | None) -> None:
    assert language_code(tag) == language


def test_the_first_language_said_wins_then_the_creditors_then_dutch() -> None:
    # the conversation's, the debtor's on file, what the client says: most specific first
    assert resolve_language("en", "nl", default="nl") == "en"
    assert resolve_language(None, "en", default="nl") == "en"
    assert resolve_language("", "de", "EN-gb", default="nl") == "en"  # only what we write
    # nothing said: the creditor's default (policy creditor.language), then Dutch
    assert resolve_language(None, None, default="en") == "en"
    assert resolve_language(default=None) == "nl"
    assert resolve_language("fr", default="de") == "nl"
    assert resolve_language() == DEFAULT_LANGUAGE == "nl"


@given(st.lists(st.one_of(st.none(), st.text(max_size=8))), st.one_of(st.none(), st.text()))
def test_the_rule_always_gives_a_language_we_write(
    said: list[str | None], default: str | None
) -> None:
    language = resolve_language(*said, default=default)
    assert language in LANGUAGES
    known = [language_code(s) for s in [*said, default] if language_code(s)]
    assert language == (known[0] if known else "nl")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.5,nl;q=0.7", "nl"),  # by preference, not by order
        ("en;q=0,nl;q=0.1", "nl"),  # q=0: not acceptable
        ("fr-FR", None),
        ("", None),
        (None, None),
        ("en;q=abc", None),
    ],
)
def test_what_a_browser_accepts(header: str | None, language: str | None) -> None:
    assert accepted_language(header) == language


def test_the_bot_replies_in_the_creditors_language_until_the_debtors_is_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SETTLE_POLICY_FILE", raising=False)
    action_db.get_policy.cache_clear()
    assert load_policy().creditor.language == "nl"  # the shipped policy: Dutch
    assert language_of(slot_tracker(None)) == "nl"
    policy = yaml.safe_load((ROOT / "config" / "policy.yml").read_text(encoding="utf-8"))
    policy["creditor"]["language"] = "en"
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    monkeypatch.setenv("SETTLE_POLICY_FILE", str(path))
    get_settings.cache_clear()
    action_db.get_policy.cache_clear()
    try:
        assert language_of(slot_tracker(None)) == "en"
        assert language_of(slot_tracker("nl")) == "nl"  # the conversation's language wins
    finally:
        action_db.get_policy.cache_clear()


def slot_tracker(language: str | None) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "c-1",
            "slots": {"language": language},
            "latest_message": {"text": "", "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        }
    )
