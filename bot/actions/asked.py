"""The message that asked: the latest one, or, when the question is answered right after
verification, the one that started it."""

from __future__ import annotations

from rasa_sdk import Tracker


def asked_text(tracker: Tracker, intents: tuple[str, ...]) -> str:
    latest = tracker.latest_message or {}
    if (latest.get("intent") or {}).get("name") in intents:
        return str(latest.get("text") or "")
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if ((event.get("parse_data") or {}).get("intent") or {}).get("name") in intents:
                return str(event.get("text") or "")
    return str(latest.get("text") or "")
