"""The first reply: in the debtor's language when it can be told (the gateway decides and
sends it as metadata "language"), short and in both languages when it cannot ("hi", "hey"
and nothing else to go on). One reply is never half one language, half the other: the
bilingual greeting is two complete sentences, one per language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.pending import nothing_pending
from receivables.common.language import LANGUAGES, detect_language


def first_message(tracker: Tracker) -> bool:
    return sum(1 for e in tracker.events or [] if e.get("event") == "user") <= 1


def language_unknown(tracker: Tracker) -> bool:
    """The gateway says it could not tell (metadata language_certain false); without the
    gateway's word, the text alone decides."""
    message = tracker.latest_message or {}
    metadata = message.get("metadata") or {}
    if "language_certain" in metadata:
        return metadata["language_certain"] is False
    if metadata.get("language") in LANGUAGES:
        return False
    return detect_language(str(message.get("text") or "")) is None


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if (
            first_message(tracker)
            and not tracker.get_slot("verified")
            and language_unknown(tracker)
        ):
            dispatcher.utter_message(response="utter_greet_bilingual")
        else:
            dispatcher.utter_message(response="utter_greet")
        return nothing_pending()
