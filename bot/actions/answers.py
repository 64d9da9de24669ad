"""Answers about the debtor's own account. Each is given only to a verified debtor, and the
question asked before verification is answered right after it (see verification.py)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.account import list_invoices, tell_balance, verified_debtor_id
from bot.actions.arrangements import offer_plan, offer_promise
from bot.actions.paying import check_payment, send_payment_link

# an answer may return events (an offer waiting for a yes, say)
Answer = Callable[[CollectingDispatcher, Tracker, int], Awaitable[list[dict[str, Any]] | None]]

# the intent that asks -> the topic remembered across verification -> the answer
TOPICS = {
    "ask_balance": "balance",
    "ask_invoices": "invoices",
    "pay_now": "pay",
    "already_paid": "already_paid",
    "request_plan": "plan",
    "promise_to_pay": "promise",
}
ANSWERS: dict[str, Answer] = {
    "balance": tell_balance,
    "invoices": list_invoices,
    "pay": send_payment_link,
    "already_paid": check_payment,
    "plan": offer_plan,
    "promise": offer_promise,
}


class _VerifiedAnswer(Action, ABC):
    topic: str

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        debtor_id = verified_debtor_id(tracker)
        if debtor_id is None:
            dispatcher.utter_message(response="utter_verification_unavailable")
            return []
        return await ANSWERS[self.topic](dispatcher, tracker, debtor_id) or []


class ActionTellBalance(_VerifiedAnswer):
    topic = "balance"

    def name(self) -> str:
        return "action_tell_balance"


class ActionListInvoices(_VerifiedAnswer):
    topic = "invoices"

    def name(self) -> str:
        return "action_list_invoices"


class ActionPayNow(_VerifiedAnswer):
    topic = "pay"

    def name(self) -> str:
        return "action_pay_now"


class ActionCheckPayment(_VerifiedAnswer):
    topic = "already_paid"

    def name(self) -> str:
        return "action_check_payment"


class ActionProposePlan(_VerifiedAnswer):
    topic = "plan"

    def name(self) -> str:
        return "action_propose_plan"


class ActionProposePromise(_VerifiedAnswer):
    topic = "promise"

    def name(self) -> str:
        return "action_propose_promise"
