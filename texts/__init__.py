"""Every debtor-facing text that Rasa does not render, Dutch and English side by side.

    from texts import text
    text("payment_news.received", "nl", amount="€ 89,95")  # "We hebben € 89,95 ontvangen, dank u wel."

The catalogue is YAML in `texts/catalogue/`, one file per audience (gateway, payment_news,
messaging, voice, pay_page, webchat, bot_pieces); a key is "<file>.<name>" and holds `nl:` and
`en:`.
Placeholders are str.format names, the same in both languages: tests/unit/test_texts.py checks
that, and that every key the code names exists. This package depends on nothing else in the
project, so every layer may use it.
"""

from __future__ import annotations

from texts.loader import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Catalogue,
    language_of,
    load_catalogue,
    parity_problems,
    placeholders,
    section,
    text,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Catalogue",
    "language_of",
    "load_catalogue",
    "parity_problems",
    "placeholders",
    "section",
    "text",
]
