"""Short answers in context: "ja graag", "no", "3", "that one" act on what the bot offered
in its last turn (a payment link, a plan or promise read back, the question which plan
suits, a colleague). With nothing pending, the debtor hears what they can do instead of
the same question again."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.account import verified_debtor_id
from bot.actions.arrangements import (
    ActionConfirmArrangement,
    ActionDeclineArrangement,
    offer_plan,
    requested_plan,
)
from bot.actions.escalation import ActionHandOff
from bot.actions.language import language_of
from bot.actions.paying import send_payment_link
from bot.actions.pending import Pending, nothing_pending, pending_offer
from receivables.arrangements.requests import PlanRequest

DENY, INFORM = "deny", "inform"


def _intent(tracker: Tracker) -> str:
    return str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")


class ActionFollowUp(Action):
    """The one handler of yes, no and a picked option (affirm, deny, and a bare number or
    reference from a verified debtor)."""

    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pending, intent = pending_offer(tracker), _intent(tracker)
        debtor_id = verified_debtor_id(tracker)
        if pending in ("plan_choice", "plan_amount") and intent != DENY and debtor_id is not None:
            request = requested_plan(tracker, language_of(tracker))
            if isinstance(request, PlanRequest) and request != PlanRequest():
                return await offer_plan(dispatcher, tracker, debtor_id, request=request)
        if intent == DENY:
            return await self._no(dispatcher, tracker, domain, pending)
        if intent == INFORM and pending not in ("link", "plan_choice", "plan_amount"):
            # a reference or a number is never a yes to a plan or promise
            if debtor_id is not None:
                dispatcher.utter_message(response="utter_already_verified")
            dispatcher.utter_message(response="utter_what_i_can_do")
            return nothing_pending()
        return await self._yes(dispatcher, tracker, domain, pending, debtor_id)

    async def _yes(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        pending: Pending | None,
        debtor_id: int | None,
    ) -> list[dict[str, Any]]:
        if pending in ("plan", "promise"):
            return await ActionConfirmArrangement().run(dispatcher, tracker, domain)
        if pending == "handoff":
            return [*nothing_pending(), *await ActionHandOff().run(dispatcher, tracker, domain)]
        if pending == "link" and debtor_id is not None:
            await send_payment_link(dispatcher, tracker, debtor_id)
            return nothing_pending()
        if pending == "link":
            # a link is for a verified debtor: verify first, then the link
            return [
                *nothing_pending(),
                SlotSet("requested_topic", "pay"),
                FollowupAction("verification_form"),
            ]
        if pending in ("plan_choice", "plan_amount") and debtor_id is not None:
            # "yes" to "which plan suits you?": the question again, with its buttons
            return await offer_plan(dispatcher, tracker, debtor_id, request=PlanRequest())
        dispatcher.utter_message(response="utter_what_i_can_do")
        return nothing_pending()

    async def _no(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        pending: Pending | None,
    ) -> list[dict[str, Any]]:
        if pending in ("plan", "promise"):
            return await ActionDeclineArrangement().run(dispatcher, tracker, domain)
        if pending in ("plan_choice", "plan_amount"):
            dispatcher.utter_message(response="utter_arrangement_declined")
        else:
            dispatcher.utter_message(response="utter_ok_anything_else")
        return nothing_pending()
