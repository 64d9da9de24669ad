"""The reply language, set on every user turn through the language slot's custom mapping."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.session import unverified_events, verification_ended_by_gateway
from receivables.common.language import LANGUAGES, detect_language


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else "nl"


class ActionSetLanguage(Action):
    """The gateway sends the turn's language in the message metadata; without it (a direct
    call to Rasa), the language is read from the text until the debtor is verified, and
    otherwise left as it was."""

    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # the gateway ended verification (a quiet spell): the tracker forgets it too
        ended = unverified_events() if verification_ended_by_gateway(tracker) else []
        message = tracker.latest_message or {}
        language = (message.get("metadata") or {}).get("language")
        if language not in LANGUAGES:
            if tracker.get_slot("verified") and not ended:
                return []  # the verified debtor's own language stays
            language = detect_language(message.get("text") or "")
        if language in LANGUAGES and language != tracker.get_slot("language"):
            return [*ended, SlotSet("language", language)]
        return ended
