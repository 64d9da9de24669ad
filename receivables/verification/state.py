"""Whether a conversation is verified right now: verification ends after a quiet spell, at
a new session and when the debtor logs out (a shared phone or a reopened tab must not show
the balance next week)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import Conversation, Message, utcnow


def mark_verified(*, session: Session, conversation: Conversation) -> None:
    conversation.verified_at = utcnow()
    session.flush()


def end_verification(
    *, session: Session, conversation_id: str, reason: str, actor: str = "bot"
) -> bool:
    """Verification ends here now (reason: idle, log_out, new_session). False: it was not
    verified."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.verified_at is None:
        return False
    conversation.verified_at = None
    record_event(
        session=session,
        actor=actor,
        action="verification_ended",
        debtor_id=conversation.debtor_id,
        conversation_id=conversation_id,
        detail={"reason": reason},
    )
    session.flush()
    return True


def last_debtor_message_at(*, session: Session, conversation_id: str) -> dt.datetime | None:
    return session.scalar(
        select(func.max(Message.created_at)).where(
            Message.conversation_id == conversation_id, Message.sender == "debtor"
        )
    )


def expire_if_idle(
    *,
    session: Session,
    conversation: Conversation,
    idle: dt.timedelta,
    now: dt.datetime | None = None,
) -> bool:
    """Called before the debtor's new message is stored: a verification whose last debtor
    message is older than `idle` ends. True when it ended."""
    if conversation.verified_at is None:
        return False
    last = last_debtor_message_at(session=session, conversation_id=conversation.id)
    last = max(last, conversation.verified_at) if last else conversation.verified_at
    if (now or utcnow()) - last <= idle:
        return False
    return end_verification(session=session, conversation_id=conversation.id, reason="idle")
