"""Ending verification at once: "uitloggen" / "log out". A quiet spell ends it too: Rasa's
own session start (core.yml: nothing carried over) after 30 minutes, and the gateway, which
starts a new session when its idle check (the policy's verification.idle_minutes) ends it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
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
