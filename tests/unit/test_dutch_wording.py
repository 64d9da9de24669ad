"""Every Dutch text a debtor can read (the texts/ catalogue and the bot's responses in
bot/domain) and every Dutch console text: words that must not appear. An overdue invoice is
"vervallen" or "over de vervaldatum", never "verlopen" (that reads as expired: only a payment
link expires); debtors and collectors are addressed with the formal "u", never "je", "jij" or
"jouw"; and nobody is told they "are verified" (bureaucratic)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.console.i18n import catalogue as console_catalogue
from texts import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
INFORMAL = re.compile(r"\b(je|jij|jou|jouw|jullie|jezelf)\b", re.IGNORECASE)
EXPIRED = re.compile(r"\bverlopen\b", re.IGNORECASE)
BUREAUCRATIC = re.compile(r"\bgeverifieerd\b", re.IGNORECASE)


def _is_english(variant: dict[str, object]) -> bool:
    conditions = variant.get("condition") or []
    return any(
        isinstance(c, dict) and c.get("name") == "language" and c.get("value") == "en"
        for c in conditions  # type: ignore[union-attr]
    )


def dutch_bot_responses() -> dict[str, str]:
    """ "<response>#<n>" -> text, for every variant that is not English (the default is Dutch)."""
    found = {}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {})
        for name, variants in responses.items():
            for n, variant in enumerate(variants):
                if not _is_english(variant):
                    texts = [variant.get("text", "")]
                    texts += [b.get("title", "") for b in variant.get("buttons", [])]
                    found[f"{path.name}:{name}#{n}"] = " | ".join(texts)
    return found


def dutch_debtor_texts() -> dict[str, str]:
    texts = {key: entry["nl"] for key, entry in load_catalogue().items()}
    return {**texts, **dutch_bot_responses()}


def dutch_console_texts() -> dict[str, str]:
    return {key: entry["nl"] for key, entry in console_catalogue().items()}


def test_the_scan_sees_every_source() -> None:
    debtor = dutch_debtor_texts()
    assert len(dutch_bot_responses()) > 50 and len(debtor) > 120
    assert "utter_balance_overdue" in " ".join(debtor)
    assert len(dutch_console_texts()) > 100


def test_an_overdue_invoice_is_never_called_expired() -> None:
    """ "verlopen" only where a payment link expired."""
    wrong = {
        key: text
        for key, text in dutch_debtor_texts().items()
        if EXPIRED.search(text) and "link" not in text.lower()
    }
    assert wrong == {}


def test_debtors_are_addressed_with_u_and_never_told_they_are_verified() -> None:
    informal = {k: t for k, t in dutch_debtor_texts().items() if INFORMAL.search(t)}
    assert informal == {}
    bureaucratic = {k: t for k, t in dutch_debtor_texts().items() if BUREAUCRATIC.search(t)}
    assert bureaucratic == {}


def test_the_console_speaks_formal_dutch_too() -> None:
    assert {k: t for k, t in dutch_console_texts().items() if INFORMAL.search(t)} == {}


@pytest.mark.parametrize(
    ("text", "informal", "expired"),
    [
        ("Factuur F1 is verlopen.", False, True),
        ("Heb je je factuur al betaald?", True, False),
        ("Uw factuur is over de vervaldatum.", False, False),
        ("Jouw betaallink", True, False),
    ],
)
def test_the_patterns(text: str, informal: bool, expired: bool) -> None:
    assert bool(INFORMAL.search(text)) is informal
    assert bool(EXPIRED.search(text)) is expired
