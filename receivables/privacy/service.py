"""Everything stored about a debtor, as JSON (the right of access), and the erasure of the
person (the right to erasure) while the books that must be kept stay, under a pseudonym."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.books.models import BankTransaction, BookEvent
from receivables.conversations.models import OutboxMessage
from receivables.errors import NotFound
from receivables.models import (
    AuditEvent,
    Base,
    Conversation,
    Debtor,
    DebtorProfileChange,
    Delivery,
    Handoff,
    Installment,
    Invoice,
    Message,
    Payment,
    PaymentAllocation,
    PaymentLink,
    PaymentPlan,
    Promise,
    utcnow,
)
from receivables.reminders.models import ReminderOptOut, ReminderPause, ReminderSend
from receivables.verification.models import VerificationFailure


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _row(row: Base, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    columns = row.__table__.columns
    return {c.key: _value(getattr(row, c.key)) for c in columns if c.key not in leave_out}


def _debtor(session: Session, debtor_id: int) -> Debtor:
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound("debtor", debtor_id)
    return debtor


def _conversation_ids(session: Session, debtor_id: int) -> list[str]:
    """The debtor's conversations: verified in, or handed to a collector as theirs."""
    verified = select(Conversation.id).where(Conversation.debtor_id == debtor_id)
    handed = select(Handoff.conversation_id).where(Handoff.debtor_id == debtor_id)
    return sorted(set(session.scalars(verified)) | set(session.scalars(handed)))


def _rows(session: Session, query: Any, leave_out: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [_row(r, leave_out) for r in session.scalars(query)]


def export_debtor(*, session: Session, debtor_id: int, actor: str) -> dict[str, Any]:
    """Everything stored about the debtor (recorded in the audit log as an export)."""
    debtor = _debtor(session, debtor_id)
    conversations = _conversation_ids(session, debtor_id)
    plan_ids = select(PaymentPlan.id).where(PaymentPlan.debtor_id == debtor_id)
    payment_ids = select(Payment.id).where(Payment.debtor_id == debtor_id)
    export = {
        "exported_at": utcnow().isoformat(),
        "debtor": _row(debtor),
        "invoices": _rows(session, select(Invoice).where(Invoice.debtor_id == debtor_id)),
        "payments": _rows(session, select(Payment).where(Payment.debtor_id == debtor_id)),
        "payment_allocations": _rows(
            session, select(PaymentAllocation).where(PaymentAllocation.payment_id.in_(payment_ids))
        ),
        "payment_links": _rows(
            session, select(PaymentLink).where(PaymentLink.debtor_id == debtor_id), ("token",)
        ),
        "payment_plans": _rows(
            session, select(PaymentPlan).where(PaymentPlan.debtor_id == debtor_id)
        ),
        "installments": _rows(
            session, select(Installment).where(Installment.plan_id.in_(plan_ids))
        ),
        "promises": _rows(session, select(Promise).where(Promise.debtor_id == debtor_id)),
        "profile_changes": _rows(
            session, select(DebtorProfileChange).where(DebtorProfileChange.debtor_id == debtor_id)
        ),
        "conversations": [
            {
                **_row(c, ("token_hash",)),
                "messages": _rows(
                    session,
                    select(Message).where(Message.conversation_id == c.id).order_by(Message.id),
                ),
            }
            for c in session.scalars(select(Conversation).where(Conversation.id.in_(conversations)))
        ],
        "handoffs": _rows(
            session,
            select(Handoff).where(
                or_(Handoff.debtor_id == debtor_id, Handoff.conversation_id.in_(conversations))
            ),
        ),
        "verification_failures": _rows(
            session, select(VerificationFailure).where(VerificationFailure.debtor_id == debtor_id)
        ),
        "deliveries": _rows(
            session, select(Delivery).where(Delivery.conversation_id.in_(conversations))
        ),
        "outbox": _rows(
            session, select(OutboxMessage).where(OutboxMessage.conversation_id.in_(conversations))
        ),
        "bank_transactions": _rows(
            session, select(BankTransaction).where(BankTransaction.debtor_id == debtor_id)
        ),
        "book_events": _rows(session, select(BookEvent).where(BookEvent.debtor_id == debtor_id)),
        "reminders_sent": _rows(
            session,
            select(ReminderSend).where(ReminderSend.debtor_id == debtor_id),
            ("stop_token",),
        ),
        "reminder_opt_outs": _rows(
            session, select(ReminderOptOut).where(ReminderOptOut.debtor_id == debtor_id)
        ),
        "reminder_pauses": _rows(
            session, select(ReminderPause).where(ReminderPause.debtor_id == debtor_id)
        ),
        "audit_events": _rows(
            session,
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.debtor_id == debtor_id, AuditEvent.conversation_id.in_(conversations)
                )
            )
            .order_by(AuditEvent.id),
        ),
    }
    record_event(session=session, actor=actor, action="debtor_exported", debtor_id=debtor_id)
    return export


def erase_debtor(*, session: Session, debtor_id: int, actor: str) -> dict[str, int | str]:
    """The person goes: name, birth date, contact data, credit information, transcripts,
    channel addresses (the conversation ids) and hints. Invoices, payments, plans and
    promises stay (the books must be kept), under a pseudonym that points to nobody. The
    debtor can no longer verify. Idempotent."""
    debtor = _debtor(session, debtor_id)
    conversations = _conversation_ids(session, debtor_id)
    pseudonym = debtor.reference if debtor.erased_at else f"ERASED-{secrets.token_hex(6)}"
    counts = _erase_conversations(session, conversations)
    counts["verification_failures"] = _count(
        session.execute(
            delete(VerificationFailure).where(VerificationFailure.debtor_id == debtor_id)
        )
    )
    session.execute(
        update(PaymentLink)
        .where(PaymentLink.debtor_id == debtor_id)
        .values(description=f"Payment for {pseudonym}", conversation_id=None)
    )
    for model in (PaymentPlan, Promise, ReminderSend):
        session.execute(
            update(model).where(model.debtor_id == debtor_id).values(conversation_id=None)
        )
    session.execute(update(AuditEvent).where(AuditEvent.debtor_id == debtor_id).values(detail={}))
    _pseudonymise_books(session, debtor_id, pseudonym)
    _forget_person(debtor, pseudonym)
    record_event(
        session=session,
        actor=actor,
        action="debtor_erased",
        debtor_id=debtor_id,
        detail=dict(counts),
    )
    session.flush()
    return {"pseudonym": pseudonym, **counts}


def _pseudonymise_books(session: Session, debtor_id: int, pseudonym: str) -> None:
    """The bank credits and the events for the creditor's books stay (amounts, dates,
    invoices), without the payer's name, account and free text or a channel address."""
    session.execute(
        update(BankTransaction)
        .where(BankTransaction.debtor_id == debtor_id)
        .values(counterparty=pseudonym, counterparty_account=None, remittance="")
    )
    for event in session.scalars(select(BookEvent).where(BookEvent.debtor_id == debtor_id)):
        debtor = {**(event.payload.get("debtor") or {}), "reference": pseudonym}
        event.payload = {**event.payload, "debtor": debtor, "conversation_id": None}
    session.execute(
        update(ReminderPause).where(ReminderPause.debtor_id == debtor_id).values(note="")
    )


def _forget_person(debtor: Debtor, pseudonym: str) -> None:
    debtor.reference = pseudonym
    debtor.name = pseudonym
    debtor.date_of_birth = None
    debtor.postcode = None
    debtor.phone = None
    debtor.email = None
    debtor.preferred_channel = None
    debtor.stated_channel = None
    debtor.industry = None
    debtor.credit_score = None
    debtor.credit_flag = None
    debtor.credit_source = None
    debtor.credit_updated_at = None
    debtor.profile_reasons = []
    debtor.erased_at = debtor.erased_at or utcnow()


def _erase_conversations(session: Session, conversation_ids: list[str]) -> dict[str, int]:
    """Transcripts, the conversations (their ids are channel addresses), the handoffs about
    them and their deliveries; audit events about them keep what happened, not the details."""
    if not conversation_ids:
        return {"messages": 0, "conversations": 0, "handoffs": 0}
    inside = Message.conversation_id.in_(conversation_ids)
    counts = {"messages": _count(session.execute(delete(Message).where(inside)))}
    counts["handoffs"] = _count(
        session.execute(delete(Handoff).where(Handoff.conversation_id.in_(conversation_ids)))
    )
    session.execute(delete(Delivery).where(Delivery.conversation_id.in_(conversation_ids)))
    session.execute(
        delete(OutboxMessage).where(OutboxMessage.conversation_id.in_(conversation_ids))
    )
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.conversation_id.in_(conversation_ids))
        .values(conversation_id=None, detail={})
    )
    session.execute(
        update(VerificationFailure)
        .where(VerificationFailure.conversation_id.in_(conversation_ids))
        .values(conversation_id="erased")
    )
    counts["conversations"] = _count(
        session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    )
    return counts


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
