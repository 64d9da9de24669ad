"""Handing a conversation to a person: can't pay, dispute, or "I want a person". The bot
answers with empathy, says when a colleague replies, and leaves a summary for them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.actions.account import verified_debtor_id
from bot.actions.db import get_policy, run_in_session
from bot.actions.language import language_of
from receivables.accounts.debtors import get_debtor
from receivables.accounts.invoices import get_open_balance, list_open_invoices, put_invoice_on_hold
from receivables.common.identifiers import find_invoice_number
from receivables.handoffs.service import create_handoff
from receivables.handoffs.summary import SummaryFacts, handoff_summary, vulnerability_flags
from receivables.handoffs.waits import typical_wait_minutes
from receivables.handoffs.working_hours import reply_moment
from receivables.models import utcnow
from receivables.policy.limits import handoff_level

REASONS = {"cannot_pay": "cannot_pay", "dispute": "dispute", "request_human": "requested_human"}


@dataclass(frozen=True)
class Escalated:
    reason: str
    on_hold: str | None


def debtor_texts(tracker: Tracker, last: int = 5) -> list[str]:
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    latest = str((tracker.latest_message or {}).get("text") or "")
    if latest and (not texts or texts[-1] != latest):
        texts.append(latest)
    return [t for t in texts if t and not t.startswith("/")][-last:]


def bot_offers(tracker: Tracker) -> list[str]:
    """What the bot offered before (payment links, plans), from its own actions."""
    offers = {
        "action_pay_now": "payment link",
        "action_propose_plan": "payment plan",
        "action_propose_promise": "promise to pay",
    }
    done = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    return [label for name, label in offers.items() if name in done]


def hand_off(
    session: Session,
    *,
    tracker: Tracker,
    reason: str,
    debtor_id: int | None,
    texts: list[str],
    offered: tuple[str, ...] = (),
) -> Escalated:
    """Create the handoff (once per open conversation) with its summary, level and flags;
    a disputed invoice goes on hold."""
    debtor = get_debtor(session=session, debtor_id=debtor_id) if debtor_id is not None else None
    balance: Decimal | None = None
    on_hold = None
    if debtor is not None:
        balance = get_open_balance(session=session, debtor_id=debtor.id)
        if reason == "dispute":
            invoices = list_open_invoices(session=session, debtor_id=debtor.id)
            number = find_invoice_number(" ".join(texts[-2:]), [i.number for i in invoices])
            if number is None and len(invoices) == 1:
                number = invoices[0].number
            if number and put_invoice_on_hold(
                session=session,
                debtor_id=debtor.id,
                number=number,
                actor="bot",
                conversation_id=tracker.sender_id,
            ):
                on_hold = number
    flags = vulnerability_flags(texts)
    facts = SummaryFacts(
        reason=reason,
        debtor_name=debtor.name if debtor else None,
        reference=debtor.reference if debtor else None,
        verified=debtor is not None,
        balance=balance,
        asked=texts,
        offered=[*bot_offers(tracker), *offered],
        flags=flags,
        disputed_invoice=on_hold,
    )
    create_handoff(
        session=session,
        conversation_id=tracker.sender_id,
        reason=reason,
        debtor_id=debtor.id if debtor else None,
        level=level_for(balance, tracker.get_slot("profile")),
        summary=handoff_summary(facts),
        balance=balance,
        flags=flags,
    )
    return Escalated(reason, on_hold)


def level_for(balance: Decimal | None, profile: str | None) -> str:
    """Junior or senior by amount and, once known, the debtor's profile."""
    policy = get_policy()
    if balance is None:
        return "junior"
    return handoff_level(balance, policy, profile=profile or None)


class ActionHandOff(Action):
    def name(self) -> str:
        return "action_hand_off"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        reason = REASONS.get(str(intent), "requested_human")
        texts = debtor_texts(tracker)
        debtor_id = verified_debtor_id(tracker)
        done = await run_in_session(
            lambda s: hand_off(s, tracker=tracker, reason=reason, debtor_id=debtor_id, texts=texts)
        )
        dispatcher.utter_message(response=f"utter_handoff_{done.reason}")
        if done.on_hold:
            dispatcher.utter_message(response="utter_invoice_on_hold", number=done.on_hold)
        if done.reason == "cannot_pay":
            dispatcher.utter_message(response="utter_debt_help")
        await tell_when(dispatcher, tracker)
        return []


def _typical_wait(session: Session) -> int | None:
    return typical_wait_minutes(session=session, now=utcnow())


async def tell_when(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """When a colleague replies: within working hours the usual wait (from the handoffs
    claimed lately; "as soon as possible" without enough of them), else the next opening."""
    policy = get_policy().handoff
    moment = reply_moment(
        dt.datetime.now(dt.UTC), policy.working_hours, policy.timezone, language_of(tracker)
    )
    if moment:
        dispatcher.utter_message(response="utter_handoff_when_later", moment=moment)
        return
    minutes = await run_in_session(_typical_wait)
    if minutes is None:
        dispatcher.utter_message(response="utter_handoff_when_open")
    else:
        dispatcher.utter_message(response="utter_handoff_when_open_wait", minutes=minutes)
