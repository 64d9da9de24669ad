"""The reply language: the language slot, filled each turn from the message metadata inside
Rasa's NLU (bot/runtime/language.py), without a call to the action server; without one, the
creditor's default (the one rule: receivables.common.language.resolve_language)."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions.db import get_policy
from receivables.common.language import resolve_language


def language_of(tracker: Tracker) -> str:
    return resolve_language(tracker.get_slot("language"), default=get_policy().creditor.language)
