"""Paying a link: start the provider's checkout, and act on the provider's word that a payment
is paid (book it once, tell the debtor in their conversation, push it through the channel).
A bank statement's transfers are news the same way (book_bank_statement)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.outbound import Outbound, OutboundMessage
from payment_providers.base import OPEN, PaymentProvider, PaymentRequest, ProviderPayment
from payment_providers.local import LocalProvider
from payment_providers.mollie import MollieProvider
from receivables.accounts.debtors import get_debtor_language
from receivables.accounts.invoices import get_open_balance
from receivables.books.bank_statements import StatementReport, import_statement
from receivables.books.reversals import reverse_payment
from receivables.books.statements import StatementLine
from receivables.common.language import resolve_language
from receivables.common.money import format_money
from receivables.conversations.outbox import enqueue_replies
from receivables.conversations.service import (
    add_message,
    get_conversation,
    latest_conversation,
)
from receivables.db import run_in_session
from receivables.errors import InvalidInput
from receivables.payments.booking import get_payment
from receivables.payments.links import (
    attach_provider_payment,
    get_link,
    get_link_by_token,
    is_payable,
    link_url,
    settle_link,
)
from receivables.policy.model import Policy
from receivables.reminders.sends import reminder_for_conversation
from receivables.settings import Settings
from texts import text

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/payments/webhook"


def make_provider(settings: Settings) -> PaymentProvider:
    if settings.payment_provider == "mollie":
        if not settings.mollie_api_key:
            raise RuntimeError("SETTLE_PAYMENT_PROVIDER=mollie needs SETTLE_MOLLIE_API_KEY")
        return MollieProvider(settings.mollie_api_key, settings.mollie_api_url)
    return LocalProvider()


class LinkNotPayable(InvalidInput):
    """The link is paid, replaced or expired."""


@dataclass(frozen=True)
class _LinkFacts:
    token: str
    provider_payment_id: str | None
    checkout_url: str | None
    request: PaymentRequest


def _link_facts(session: Session, token: str, settings: Settings, policy: Policy) -> _LinkFacts:
    link = get_link_by_token(session=session, token=token)
    if not is_payable(link):
        raise LinkNotPayable("this payment link can no longer be paid")
    public = settings.public_url.rstrip("/")
    request = PaymentRequest(
        amount=link.amount,
        currency=link.currency,
        description=link.description,
        redirect_url=link_url(public, token),
        webhook_url=f"{public}{WEBHOOK_PATH}",
        methods=[m for m in policy.payment.methods if m != "bank_transfer"] or ["ideal"],
        language=link.language,
        metadata={"link_id": str(link.id), "debtor_id": str(link.debtor_id)},
        expires_at=link.expires_at,
    )
    return _LinkFacts(token, link.provider_payment_id, link.checkout_url, request)


async def start_checkout(
    *,
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    settings: Settings,
    policy: Policy,
    token: str,
) -> ProviderPayment:
    """The provider payment to send the debtor to: the link's current one while it is still
    open at the provider, otherwise a new one."""

    known = await run_in_session(
        sessions, lambda session: _link_facts(session, token, settings, policy)
    )
    if known.provider_payment_id:
        current = await provider.get_payment(known.provider_payment_id)
        if current is not None and current.status == OPEN and current.checkout_url:
            return current
    payment = await provider.create_payment(known.request)

    def remember(session: Session) -> None:
        link = get_link_by_token(session=session, token=token)
        attach_provider_payment(
            session=session,
            link=link,
            provider_payment_id=payment.id,
            checkout_url=payment.checkout_url,
        )

    await run_in_session(sessions, remember)
    return payment


def payment_received_text(amount: Any, balance: Any, language: str) -> str:
    """The confirmation in the debtor's conversation. Pure."""
    message = text("payment_news.received", language, amount=format_money(amount, language))
    if balance > 0:
        message += " " + text(
            "payment_news.balance_now", language, balance=format_money(balance, language)
        )
    return message


@dataclass(frozen=True)
class Booked:
    conversation_id: str | None
    channel: str | None
    messages: list[OutboundMessage]


def _settle(session: Session, payment: ProviderPayment) -> Booked | None:
    link_id = payment.metadata.get("link_id", "")
    link = get_link(session=session, link_id=int(link_id)) if link_id.isdigit() else None
    if link is None:
        return None
    booked = settle_link(
        session=session,
        link=link,
        provider_payment_id=payment.id,
        status=payment.status,
        amount=payment.amount,
        method=payment.method,
        paid_at=payment.paid_at,
    )
    if booked is None:
        return None
    if link.conversation_id is None:
        return Booked(None, None, [])
    conversation = get_conversation(session=session, conversation_id=link.conversation_id)
    # a reminder's conversation where the debtor has not verified: no remaining balance
    unverified_reminder = conversation.debtor_id != link.debtor_id and (
        reminder_for_conversation(session=session, conversation_id=conversation.id) is not None
    )
    balance = (
        0 if unverified_reminder else get_open_balance(session=session, debtor_id=link.debtor_id)
    )
    message = add_message(
        session=session,
        conversation=conversation,
        sender="bot",
        text=payment_received_text(booked.amount, balance, link.language),
    )
    # in the outbox with the message itself: sent even if this process stops now
    enqueue_replies(session=session, conversation_id=conversation.id, message_ids=[message.id])
    return Booked(
        conversation.id, conversation.channel, [OutboundMessage(message.id, message.text, [])]
    )


async def process_provider_update(
    *,
    sessions: sessionmaker[Session],
    provider: PaymentProvider,
    outbound: Outbound,
    payment_id: str,
) -> bool:
    """The provider told us something happened to `payment_id`: fetch its status (never
    trusting the notification itself) and apply it: a paid payment is booked once, a refund
    or chargeback reopens what it covered. True when a payment was booked."""
    payment = await provider.get_payment(payment_id)
    if payment is None:
        log.info("webhook for unknown payment %s ignored", payment_id)
        return False

    try:
        booked = await run_in_session(sessions, lambda session: _settle(session, payment))
    except IntegrityError:
        # the same payment booked by a concurrent delivery a moment ago
        log.info("payment %s was booked concurrently", payment.id)
        booked = None
    if payment.amount_refunded > 0 or payment.amount_charged_back > 0:
        reversed_now = await run_in_session(
            sessions,
            reverse_payment,
            external_id=payment.id,
            refunded=payment.amount_refunded,
            charged_back=payment.amount_charged_back,
        )
        if reversed_now > 0:
            log.info("payment %s: %s paid back, reopened", payment.id, reversed_now)
            outbound.notify()
    if booked is None:
        return False
    if booked.conversation_id and booked.channel:
        await outbound.push(booked.conversation_id, booked.channel, booked.messages)
    else:
        outbound.notify()
    return True


def _confirm_payment(*, session: Session, payment_id: int) -> Booked | None:
    """A payment that arrived outside a link (a bank transfer): the debtor's latest
    conversation hears of it, in its language."""
    payment = get_payment(session=session, payment_id=payment_id)
    conversation = latest_conversation(session=session, debtor_id=payment.debtor_id)
    if conversation is None:
        return None
    balance = get_open_balance(session=session, debtor_id=payment.debtor_id)
    message = add_message(
        session=session,
        conversation=conversation,
        sender="bot",
        text=payment_received_text(
            payment.amount,
            balance,
            resolve_language(
                conversation.language,
                get_debtor_language(session=session, debtor_id=payment.debtor_id),
            ),
        ),
    )
    return Booked(
        conversation.id, conversation.channel, [OutboundMessage(message.id, message.text, [])]
    )


async def confirm_payments(
    *, sessions: sessionmaker[Session], outbound: Outbound, payment_ids: list[int]
) -> int:
    """Tell each debtor in their conversation that their payment arrived; returns how many
    conversations were told."""
    told = 0
    for payment_id in payment_ids:
        booked = await run_in_session(sessions, _confirm_payment, payment_id=payment_id)
        if booked is not None and booked.conversation_id and booked.channel:
            await outbound.push(booked.conversation_id, booked.channel, booked.messages)
            told += 1
    outbound.notify()
    return told


async def book_bank_statement(
    *, sessions: sessionmaker[Session], outbound: Outbound, lines: Sequence[StatementLine]
) -> StatementReport:
    """A bank statement's credits stored once each and the matched ones booked, in one unit
    of work; then each debtor whose payment was booked hears of it in their conversation.
    The admin API's upload and `settle bank` both come here."""
    report = await run_in_session(sessions, import_statement, lines=lines)
    await confirm_payments(
        sessions=sessions, outbound=outbound, payment_ids=report.booked_payment_ids or []
    )
    return report
