"""Pure helpers on what the gateway sends with each message (no Rasa import, so the app's
tests can check them)."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("nl", "en")
# the entity the language slot is filled from (bot/domain/core.yml)
LANGUAGE_ENTITY = "language"


def language_from_metadata(metadata: Any) -> str | None:
    """The turn's language as the gateway decided it (the verified debtor's own language
    first), or None when the message carries no usable one (then the slot keeps its value)."""
    if not isinstance(metadata, dict):
        return None
    language = metadata.get("language")
    return language if language in LANGUAGES else None


def language_entity(language: str) -> dict[str, Any]:
    """The entity the language slot maps from; it spans no text (it comes from metadata)."""
    return {
        "entity": LANGUAGE_ENTITY,
        "value": language,
        "start": 0,
        "end": 0,
        "confidence_entity": 1.0,
        "extractor": "LanguageFromMetadata",
    }
