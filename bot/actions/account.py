"""Balance, open invoices and payment options. Only a verified debtor sees their account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.actions.db import get_policy, run_in_session
from bot.actions.formatting import invoice_lines, payment_option_lines
from bot.actions.language import language_of
from bot.actions.pending import offered
from receivables.accounts.invoices import OpenInvoice, list_open_invoices, open_balance
from receivables.audit.events import record_event
from receivables.common.money import format_money


def verified_debtor_id(tracker: Tracker) -> int | None:
    """The debtor verified in this conversation, or None: nothing is disclosed without it."""
    if not tracker.get_slot("verified"):
        return None
    debtor_id = tracker.get_slot("debtor_id")
    return int(debtor_id) if debtor_id is not None else None


def total(invoices: list[OpenInvoice]) -> Decimal:
    return open_balance(invoices)


def _open_invoices_told(
    session: Session, *, debtor_id: int, conversation_id: str, what: str
) -> list[OpenInvoice]:
    invoices = list_open_invoices(session=session, debtor_id=debtor_id)
    record_event(
        session=session,
        actor="bot",
        action=what,
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={"balance": str(total(invoices)), "invoices": [i.number for i in invoices]},
    )
    return invoices


async def _tell(tracker: Tracker, debtor_id: int, what: str) -> list[OpenInvoice]:
    """The open invoices, read and recorded in the audit log as told to the debtor."""
    return await run_in_session(
        lambda s: _open_invoices_told(
            s, debtor_id=debtor_id, conversation_id=tracker.sender_id, what=what
        )
    )


async def tell_balance(dispatcher: CollectingDispatcher, tracker: Tracker, debtor_id: int) -> None:
    invoices = await _tell(tracker, debtor_id, "told_balance")
    if not invoices:
        dispatcher.utter_message(response="utter_balance_zero")
        return
    language, balance = language_of(tracker), total(invoices)
    overdue = total([i for i in invoices if i.due_date < dt.date.today()])
    if 0 < overdue < balance:
        # one message: the amount, what of it is overdue, then the options
        dispatcher.utter_message(
            response="utter_balance_overdue",
            balance=format_money(balance, language),
            overdue=format_money(overdue, language),
        )
        return
    dispatcher.utter_message(response="utter_balance", balance=format_money(balance, language))


async def list_invoices(dispatcher: CollectingDispatcher, tracker: Tracker, debtor_id: int) -> None:
    invoices = await _tell(tracker, debtor_id, "told_invoices")
    if not invoices:
        dispatcher.utter_message(response="utter_no_open_invoices")
        return
    language = language_of(tracker)
    dispatcher.utter_message(
        response="utter_open_invoices",
        invoice_lines=invoice_lines(invoices, language, dt.date.today()),
        balance=format_money(total(invoices), language),
    )


class ActionPaymentOptions(Action):
    """What exists, from the policy; no debtor data, so no verification needed."""

    def name(self) -> str:
        return "action_payment_options"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        options = payment_option_lines(get_policy(), language_of(tracker))
        dispatcher.utter_message(response="utter_payment_options", options=options)
        return offered("link")  # "ja graag" gets the link
