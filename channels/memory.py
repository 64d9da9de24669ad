"""What the channels remember between webhooks, kept in the existing tables.

- Deliveries already seen (MessageSid, update_id, a voice step): an audit event
  "inbound_seen" keyed by "<channel>-delivery:<id>" in its conversation_id column (an indexed
  string, not a foreign key), so a look-up is one index hit and the conversation's own audit
  trail stays free of them.
- The options a debtor can pick by number: the buttons of the bot's last replies.
- A phone number a debtor shared (Telegram): an audit event "verification_hint".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from channels.base import Button, buttons_of
from receivables.audit.events import record_event
from receivables.db import session_scope
from receivables.models import AuditEvent, Conversation, Message

T = TypeVar("T")
SEEN = "inbound_seen"
HINT = "verification_hint"
REPLY_SENDERS = ("bot", "system", "collector")
# one gateway process checks-and-records a delivery at a time (no unique column to lean on)
_SEEN_LOCK = threading.Lock()


async def run_in_session(
    sessions: sessionmaker[Session], work: Callable[..., T], **arguments: Any
) -> T:
    """`work(session=..., **arguments)` in its own unit of work, off the event loop."""

    def scoped() -> T:
        with session_scope(sessions) as session:
            return work(session=session, **arguments)

    return await asyncio.to_thread(scoped)


async def is_first_delivery(
    sessions: sessionmaker[Session], *, channel: str, delivery_id: str, conversation_id: str
) -> bool:
    return await asyncio.to_thread(
        first_delivery,
        sessions,
        channel=channel,
        delivery_id=delivery_id,
        conversation_id=conversation_id,
    )


def delivery_key(channel: str, delivery_id: str) -> str:
    return f"{channel}-delivery:{delivery_id}"[:128]


def first_delivery(
    sessions: sessionmaker[Session], *, channel: str, delivery_id: str, conversation_id: str
) -> bool:
    """Record the delivery and return True, or False when it was seen before. Commits."""
    key = delivery_key(channel, delivery_id)
    with _SEEN_LOCK, session_scope(sessions) as session:
        seen = session.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.conversation_id == key, AuditEvent.action == SEEN)
            .limit(1)
        )
        if seen is not None:
            return False
        record_event(
            session=session,
            actor="system",
            action=SEEN,
            conversation_id=key,
            detail={"channel": channel, "id": delivery_id, "conversation_id": conversation_id},
        )
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


def last_options(*, session: Session, conversation_id: str) -> tuple[Button, ...]:
    """The buttons of the latest reply that had any, since the debtor's last message."""
    for message in reversed(last_replies(session=session, conversation_id=conversation_id)):
        if message.buttons:
            return buttons_of(message.buttons)
    return ()


def button_payload(*, session: Session, conversation_id: str, reference: str) -> str | None:
    """The payload behind "#<message id>:<index>" (a button too long to carry its payload),
    only for a message of this conversation."""
    head, _, index = reference.removeprefix("#").partition(":")
    if not head.isdigit() or not index.isdigit():
        return None
    message = session.get(Message, int(head))
    if message is None or message.conversation_id != conversation_id:
        return None
    buttons = buttons_of(message.buttons)
    return buttons[int(index)].payload if int(index) < len(buttons) else None


def last_debtor_message_at(*, session: Session, conversation_id: str) -> dt.datetime | None:
    return session.scalar(
        select(Message.created_at)
        .where(Message.conversation_id == conversation_id, Message.sender == "debtor")
        .order_by(Message.id.desc())
        .limit(1)
    )


def conversation_language(*, session: Session, conversation_id: str, default: str = "nl") -> str:
    language = session.scalar(
        select(Conversation.language).where(Conversation.id == conversation_id)
    )
    return language or default


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
