"""What the channels remember between webhooks.

- Deliveries already seen (a MessageSid, an update_id, a voice step), in `deliveries` with a
  unique key (channel, delivery id): whichever gateway process gets a redelivery, the insert
  fails and nothing is done twice.
- The options a debtor can pick by number: the buttons of the bot's last replies.
- A phone number a debtor shared (Telegram): an audit event "verification_hint", a hint for
  verification and never proof.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import AuditEvent, Conversation, Delivery, Message

HINT = "verification_hint"
REPLY_SENDERS = ("bot", "system", "collector")


def record_delivery(
    *, session: Session, channel: str, delivery_id: str, conversation_id: str
) -> bool:
    """Record the delivery and return True, or False when it was recorded before."""
    try:
        with session.begin_nested():
            session.add(
                Delivery(
                    channel=channel[:20],
                    delivery_id=delivery_id[:128],
                    conversation_id=conversation_id[:128],
                )
            )
    except IntegrityError:
        return False
    return True


def last_replies(*, session: Session, conversation_id: str) -> list[Message]:
    """What the debtor was told since their last message (the prompt now standing)."""
    last_debtor = session.scalar(
        select(Message.id)
        .where(Message.conversation_id == conversation_id, Message.sender == "debtor")
        .order_by(Message.id.desc())
        .limit(1)
    )
    query = select(Message).where(
        Message.conversation_id == conversation_id, Message.sender.in_(REPLY_SENDERS)
    )
    if last_debtor is not None:
        query = query.where(Message.id > last_debtor)
    return list(session.scalars(query.order_by(Message.id)))


def last_buttons(*, session: Session, conversation_id: str) -> list[dict[str, str]]:
    """The buttons of the latest reply that had any, since the debtor's last message."""
    for message in reversed(last_replies(session=session, conversation_id=conversation_id)):
        if message.buttons:
            return list(message.buttons)
    return []


def get_message(*, session: Session, conversation_id: str, message_id: int) -> Message | None:
    """A message, only when it belongs to this conversation."""
    message = session.get(Message, message_id)
    if message is None or message.conversation_id != conversation_id:
        return None
    return message


def last_debtor_message_at(*, session: Session, conversation_id: str) -> dt.datetime | None:
    return session.scalar(
        select(Message.created_at)
        .where(Message.conversation_id == conversation_id, Message.sender == "debtor")
        .order_by(Message.id.desc())
        .limit(1)
    )


def conversation_language(*, session: Session, conversation_id: str) -> str | None:
    """The conversation's language as stored (None before its first message); the caller
    applies the rule (receivables.common.language.resolve_language)."""
    return session.scalar(select(Conversation.language).where(Conversation.id == conversation_id))


def record_hint(*, session: Session, conversation_id: str, channel: str, phone: str) -> None:
    record_event(
        session=session,
        actor="system",
        action=HINT,
        conversation_id=conversation_id,
        detail={"channel": channel, "phone": phone},
    )


def latest_hint(*, session: Session, conversation_id: str) -> dict[str, str]:
    detail = session.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.conversation_id == conversation_id, AuditEvent.action == HINT)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    phone = (detail or {}).get("phone")
    return {"phone": str(phone)} if phone else {}
