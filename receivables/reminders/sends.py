"""A reminder step sent exactly once: claimed (a row with a unique key, committed before
anything goes out), finished (sent, task or failed), and the claims a dead scheduler left
behind settled. And what a reminder in a conversation was about."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import Conversation, Invoice, utcnow
from receivables.reminders.models import ReminderSend
from receivables.reminders.planner import Due


def claim(*, session: Session, due: Due, day: dt.date) -> ReminderSend | None:
    """Record the step as being sent; None when another scheduler instance (or an earlier
    run) has it already. The unique key decides, on SQLite and PostgreSQL alike; the caller
    commits before sending, so a second instance never sends the same step."""
    send = ReminderSend(
        key=due.key,
        debtor_id=due.debtor_id,
        invoice_id=due.invoice_id,
        installment_id=due.installment_id,
        promise_id=due.promise_id,
        plan=due.plan,
        step=due.step,
        channel=due.channel,
        channel_reason=due.channel_reason,
        tone=due.tone,
        text_key=due.text_key,
        planned_for=day,
        status="sending",
        stop_token=secrets.token_urlsafe(24) if due.channel == "email" else None,
    )
    try:
        with session.begin_nested():
            session.add(send)
            session.flush()
    except IntegrityError:
        return None
    return send


def finish(
    *,
    session: Session,
    send_id: int,
    status: str,
    conversation_id: str | None = None,
    payment_link_id: int | None = None,
    error: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The send's result: sent, failed or task."""
    send = session.get(ReminderSend, send_id)
    if send is None:
        return
    send.status = status
    send.conversation_id = conversation_id
    send.payment_link_id = payment_link_id
    send.error = error[:1000] if error else None
    send.sent_at = None if status == "failed" else (now or utcnow())
    record_event(
        session=session,
        actor="system",
        action="reminder_" + status,
        debtor_id=send.debtor_id,
        conversation_id=conversation_id,
        detail={"key": send.key, "channel": send.channel, "reason": send.channel_reason},
    )


def cancel_stale_sending(*, session: Session, before: dt.datetime) -> int:
    """Steps claimed but never finished (the instance died mid-send) are marked failed, so
    the console shows them; they are not sent again (at most once, until an outbox retries)."""
    result = session.execute(
        update(ReminderSend)
        .where(ReminderSend.status == "sending", ReminderSend.created_at < before)
        .values(status="failed", error="the scheduler stopped while sending")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def reminder_for_conversation(*, session: Session, conversation_id: str) -> ReminderSend | None:
    """The last reminder sent into this conversation: what an answer is about."""
    return session.scalar(
        select(ReminderSend)
        .where(ReminderSend.conversation_id == conversation_id, ReminderSend.status == "sent")
        .order_by(ReminderSend.id.desc())
        .limit(1)
    )


def reminder_context(*, session: Session, conversation_id: str) -> dict[str, str]:
    """What the last reminder in this conversation was about, for the bot's metadata (never
    shown before verification): {"reminder_invoice": "F-77", "reminder_step": "heads_up"}."""
    send = reminder_for_conversation(session=session, conversation_id=conversation_id)
    if send is None:
        return {}
    context = {"reminder_step": send.step}
    if send.invoice_id is not None:
        invoice = session.get(Invoice, send.invoice_id)
        if invoice is not None:
            context["reminder_invoice"] = invoice.number
    return context


def telegram_chat(*, session: Session, debtor_id: int) -> str | None:
    """The Telegram chat the debtor talked to the bot in (a bot may only write there)."""
    conversation_id = session.scalar(
        select(Conversation.id)
        .where(Conversation.debtor_id == debtor_id, Conversation.channel == "telegram")
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
    return conversation_id.partition(":")[2] if conversation_id else None
