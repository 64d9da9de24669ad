"""What the conversation view shows: the handoff, its transcript and audit trail, and the
debtor with balance, open invoices, payments, plans (with installments) and promises."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from receivables.audit import list_events
from receivables.conversations import get_conversation, list_messages
from receivables.invoices import OpenInvoice, get_open_balance, list_open_invoices
from receivables.models import (
    AuditEvent,
    Conversation,
    Debtor,
    Handoff,
    Message,
    Payment,
    PaymentPlan,
    Promise,
)


@dataclass(frozen=True)
class DebtorPanel:
    debtor: Debtor
    balance: Decimal
    invoices: list[OpenInvoice]
    payments: list[Payment]
    plans: list[PaymentPlan]
    promises: list[Promise]


@dataclass(frozen=True)
class CaseView:
    handoff: Handoff
    conversation: Conversation
    messages: list[Message]
    events: list[AuditEvent]
    debtor: DebtorPanel | None


def load_debtor_panel(*, session: Session, debtor_id: int) -> DebtorPanel | None:
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        return None
    plans = session.scalars(
        select(PaymentPlan)
        .where(PaymentPlan.debtor_id == debtor_id)
        .options(selectinload(PaymentPlan.installments))
        .order_by(PaymentPlan.id.desc())
    )
    promises = session.scalars(
        select(Promise).where(Promise.debtor_id == debtor_id).order_by(Promise.id.desc())
    )
    payments = session.scalars(
        select(Payment).where(Payment.debtor_id == debtor_id).order_by(Payment.id.desc())
    )
    return DebtorPanel(
        debtor=debtor,
        balance=get_open_balance(session=session, debtor_id=debtor_id),
        invoices=list_open_invoices(session=session, debtor_id=debtor_id),
        payments=list(payments),
        plans=list(plans),
        promises=list(promises),
    )


def load_case(*, session: Session, handoff: Handoff) -> CaseView:
    conversation = get_conversation(session=session, conversation_id=handoff.conversation_id)
    debtor_id = handoff.debtor_id or conversation.debtor_id
    return CaseView(
        handoff=handoff,
        conversation=conversation,
        messages=list_messages(session=session, conversation_id=conversation.id),
        events=list_events(session=session, conversation_id=conversation.id),
        debtor=load_debtor_panel(session=session, debtor_id=debtor_id) if debtor_id else None,
    )


def debtor_names(*, session: Session, handoffs: list[Handoff]) -> dict[int, str]:
    """Debtor id -> "name (reference)" for the queue."""
    ids = {h.debtor_id for h in handoffs if h.debtor_id is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(Debtor.id, Debtor.name, Debtor.reference).where(Debtor.id.in_(ids))
    )
    return {i: f"{name} ({reference})" for i, name, reference in rows}
