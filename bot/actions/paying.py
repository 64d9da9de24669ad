"""Paying: a payment link for the balance, one invoice or the next plan installment, and
"I already paid" answered from the payments on record. Only for a verified debtor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

import texts
from bot.actions.asked import asked_text
from bot.actions.db import get_policy, run_in_session
from bot.actions.language import language_of
from bot.actions.pending import offered
from receivables.accounts.invoices import get_open_balance, list_open_invoices
from receivables.arrangements.plans import get_next_installment
from receivables.common.dates import format_date
from receivables.common.identifiers import find_invoice_number
from receivables.common.money import format_money
from receivables.errors import NotFound
from receivables.models import Payment, utcnow
from receivables.payments.booking import list_payments
from receivables.payments.links import NothingToPay, get_or_create_link, link_url, resolve_target
from receivables.settings import get_settings

RECENT_DAYS = 14
PAY_INTENT = "pay_now"


@dataclass(frozen=True)
class LinkAnswer:
    url: str
    amount: Decimal
    what: str
    valid_until: dt.date


def _make_link(
    session: Session, *, debtor_id: int, text: str, language: str, conversation_id: str
) -> LinkAnswer | None:
    numbers = [i.number for i in list_open_invoices(session=session, debtor_id=debtor_id)]
    number = find_invoice_number(text, numbers)
    installment = None if number else get_next_installment(session=session, debtor_id=debtor_id)
    try:
        target = resolve_target(
            session=session,
            debtor_id=debtor_id,
            invoice_number=number,
            installment_id=installment.id if installment else None,
        )
    except (NothingToPay, NotFound):
        return None
    link = get_or_create_link(
        session=session,
        debtor_id=debtor_id,
        target=target,
        language=language,
        provider=get_settings().payment_provider,
        expiry_days=get_policy().payment.link_expiry_days,
        conversation_id=conversation_id,
    )
    if installment:
        what = texts.text("bot_pieces.pay_what_installment", language, n=installment.sequence)
    elif number:
        what = texts.text("bot_pieces.pay_what_invoice", language, number=number)
    else:
        what = texts.text("bot_pieces.pay_what_balance", language)
    return LinkAnswer(
        link_url(get_settings().public_url, link.token), link.amount, what, link.expires_at.date()
    )


async def send_payment_link(
    dispatcher: CollectingDispatcher, tracker: Tracker, debtor_id: int
) -> None:
    language = language_of(tracker)
    text = asked_text(tracker, (PAY_INTENT,))
    answer = await run_in_session(
        lambda s: _make_link(
            s,
            debtor_id=debtor_id,
            text=text,
            language=language,
            conversation_id=tracker.sender_id,
        )
    )
    if answer is None:
        dispatcher.utter_message(response="utter_nothing_to_pay")
        return
    dispatcher.utter_message(
        response="utter_payment_link",
        url=answer.url,
        amount=format_money(answer.amount, language),
        what=answer.what,
        valid_until=format_date(answer.valid_until, language),
    )


def _recent_payments(session: Session, debtor_id: int) -> tuple[list[Payment], Decimal]:
    since = utcnow() - dt.timedelta(days=RECENT_DAYS)
    payments = list_payments(session=session, debtor_id=debtor_id, since=since)
    return payments, get_open_balance(session=session, debtor_id=debtor_id)


def payment_lines(payments: list[Payment], language: str) -> str:
    return "\n".join(
        texts.text(
            "bot_pieces.payment_line",
            language,
            amount=format_money(p.amount, language),
            date=format_date(p.received_at.date(), language),
        )
        for p in payments
    )


def balance_line(balance: Decimal, language: str) -> str:
    """The same sentence the gateway adds to a payment's confirmation."""
    if balance <= 0:
        return texts.text("payment_news.nothing_left", language)
    return texts.text("payment_news.balance_now", language, balance=format_money(balance, language))


async def check_payment(
    dispatcher: CollectingDispatcher, tracker: Tracker, debtor_id: int
) -> list[dict[str, Any]] | None:
    language = language_of(tracker)
    payments, balance = await run_in_session(lambda s: _recent_payments(s, debtor_id))
    if not payments:
        dispatcher.utter_message(
            response="utter_no_payment_found",
            days=RECENT_DAYS,
            balance=format_money(balance, language),
        )
        return offered("link")
    dispatcher.utter_message(
        response="utter_payments_found",
        payment_lines=payment_lines(payments, language),
        balance_line=balance_line(balance, language),
    )
    return None
