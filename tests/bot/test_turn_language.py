"""The turn's language as Rasa's NLU takes it from the gateway's metadata
(bot/runtime/turn.py, used by the LanguageFromMetadata component)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.runtime.turn import language_entity, language_from_metadata


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_gateways_language_becomes_the_language_entity(language: str) -> None:
    assert language_from_metadata({"language": language, "channel": "webchat"}) == language
    entity = language_entity(language)
    assert (entity["entity"], entity["value"]) == ("language", language)


@pytest.mark.parametrize("metadata", [None, {}, {"language": "fr"}, {"language": None}, "en"])
def test_without_a_known_language_the_slot_keeps_its_value(metadata: Any) -> None:
    assert language_from_metadata(metadata) is None
