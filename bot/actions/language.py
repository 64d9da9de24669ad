"""The reply language: the language slot, filled each turn from the message metadata inside
Rasa's NLU (bot/runtime/language.py), without a call to the action server."""

from __future__ import annotations

from rasa_sdk import Tracker

from receivables.common.language import LANGUAGES


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else "nl"
