"""Every debtor-facing text that Rasa does not render, Dutch and English side by side.

    from texts import text
    text("payment_news.received", "nl", amount="€ 89,95")  # "We hebben € 89,95 ontvangen, dank u wel."

The catalogue is YAML in `texts/catalogue/`, one file per audience (gateway, payment_news,
messaging, voice, pay_page, webchat, bot_pieces); a key is "<file>.<name>" and holds `nl:` and
`en:`.
Placeholders are str.format names, the same in both languages: tests/unit/test_texts.py checks
that, and that every key the code names exists. It depends only on the one language rule
(receivables.common.language, pure), so every layer may use it.
"""

from __future__ import annotations

from texts.loader import (
    Catalogue,
    load_catalogue,
    parity_problems,
    placeholders,
    section,
    text,
)

__all__ = [
    "Catalogue",
    "load_catalogue",
    "parity_problems",
    "placeholders",
    "section",
    "text",
]
