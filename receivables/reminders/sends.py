"""A reminder step sent exactly once: claimed (a row with a unique key, committed before
anything goes out), finished (sent, task or failed), and the claims a dead scheduler left
behind settled. And what a reminder in a conversation was about."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import Conversation, Invoice, utcnow
from receivables.reminders.models import ReminderSend
from receivables.reminders.planner import Due

# A claimed step is finished within one send: each transport gives up within seconds (SMTP
# 20 s an operation, Twilio's and Telegram's request timeouts), so a step still "sending"
# after ten minutes belongs to a round whose process died. Shorter than the scheduler's
# interval (15 minutes): the next round settles it.
STALE_AFTER = dt.timedelta(minutes=10)
STOPPED_WHILE_SENDING = "the scheduler stopped while sending; not sent again"


def claim(*, session: Session, due: Due, day: dt.date, now: dt.datetime) -> ReminderSend | None:
    """Record the step as being sent (claimed at `now`, the round's time); None when another
    scheduler instance (or an earlier run) has it already. The unique key decides, on SQLite
    and PostgreSQL alike; the caller commits before sending, so a second instance never sends
    the same step."""
    send = ReminderSend(
        created_at=now,
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


def fail_stale_sends(*, session: Session, now: dt.datetime) -> int:
    """Steps claimed more than STALE_AFTER before `now` and never finished (the round's
    process died while sending) are marked failed, with the reason and an audit event, so
    the console shows them. They are not sent again: the send may have gone out before the
    process died, and a reminder twice is worse than one missed (the plan's next step
    follows). How many were settled."""
    stale = session.scalars(
        select(ReminderSend).where(
            ReminderSend.status == "sending", ReminderSend.created_at < now - STALE_AFTER
        )
    ).all()
    for send in stale:
        finish(session=session, send_id=send.id, status="failed", error=STOPPED_WHILE_SENDING)
    return len(stale)


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
