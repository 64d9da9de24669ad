"""Ending verification: "uitloggen" / "log out" and a new session after a quiet spell (the
gateway starts one when its own idle check ends the verification)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.db import run_in_session
from receivables.verification.state import end_verification

# what a verification leaves in the tracker; all of it goes when verification ends
VERIFICATION_SLOTS = {
    "verified": False,
    "debtor_id": None,
    "debtor_reference": None,
    "second_factor": None,
    "verification_retry": False,
    "profile": None,
    "tone": None,
    "requested_topic": None,
}
# what a new session keeps: only how the debtor wants to be spoken to
CARRIED_OVER = ("language",)


def unverified_events() -> list[dict[str, Any]]:
    return [SlotSet(name, value) for name, value in VERIFICATION_SLOTS.items()]


class ActionLogOut(Action):
    """ "uitloggen" / "log out": verification ends at once, in the tracker and the database."""

    def name(self) -> str:
        return "action_log_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        await run_in_session(
            lambda s: end_verification(
                session=s, conversation_id=tracker.sender_id, reason="log_out", actor="debtor"
            )
        )
        dispatcher.utter_message(response="utter_logged_out")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *unverified_events()]


class ActionSessionStart(Action):
    """A new session (after a quiet spell) starts unverified: only the language is carried
    over, and the database forgets the verification too."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("verified"):
            await run_in_session(
                lambda s: end_verification(
                    session=s, conversation_id=tracker.sender_id, reason="new_session"
                )
            )
        events: list[dict[str, Any]] = [SessionStarted()]
        for name in CARRIED_OVER:
            value = tracker.get_slot(name)
            if value is not None:
                events.append(SlotSet(name, value))
        return [*events, ActionExecuted("action_listen")]
