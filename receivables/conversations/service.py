"""Conversations and their messages, as the debtor and the collectors see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.common.redaction import redact_card_numbers
from receivables.common.text import clean_text
from receivables.errors import NotFound
from receivables.models import Conversation, Debtor, Handoff, Message

STATES = ("bot", "waiting", "human", "closed")
SENDERS = ("bot", "collector", "debtor", "system")
# the channels a debtor answers on ("rest" is an API client, not the debtor's channel)
DEBTOR_CHANNELS = ("whatsapp", "sms", "telegram", "webchat", "voice")


def get_conversation(*, session: Session, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("conversation", conversation_id)
    return conversation


def get_or_create_conversation(
    *, session: Session, conversation_id: str, channel: str = "webchat"
) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        conversation = Conversation(id=conversation_id, channel=channel, state="bot")
        session.add(conversation)
        session.flush()
    return conversation


def add_message(
    *,
    session: Session,
    conversation: Conversation,
    sender: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
) -> Message:
    """Store a message; anything that looks like a card number is redacted first."""
    if sender not in SENDERS:
        raise ValueError(f"unknown sender {sender}")
    message = Message(
        conversation_id=conversation.id,
        sender=sender,
        text=redact_card_numbers(clean_text(text)),
        buttons=buttons or [],
    )
    session.add(message)
    session.flush()
    return message


def list_messages(
    *, session: Session, conversation_id: str, after: int | None = None
) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id)
    if after is not None:
        query = query.where(Message.id > after)
    return list(session.scalars(query.order_by(Message.id)))


def attach_debtor(*, session: Session, conversation_id: str, debtor_id: int) -> Conversation:
    """Record that the debtor verified in this conversation, and its channel as the channel
    the debtor prefers: the one they actually answer on."""
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel="rest"
    )
    conversation.debtor_id = debtor_id
    debtor = session.get(Debtor, debtor_id)
    if debtor is not None and conversation.channel in DEBTOR_CHANNELS:
        debtor.preferred_channel = conversation.channel
    session.flush()
    return conversation


def person_answered_since(
    *, session: Session, conversation_id: str, since: dt.datetime | None
) -> bool:
    """Whether a system notice or a collector's message is in the conversation (since then)."""
    query = select(Message.id).where(
        Message.conversation_id == conversation_id, Message.sender.in_(("system", "collector"))
    )
    if since is not None:
        query = query.where(Message.created_at >= since)
    return session.scalar(query.limit(1)) is not None


def change_stamp(*, session: Session) -> tuple[Any, ...]:
    """Changes whenever a message or handoff is added or a handoff is claimed or resolved:
    what pages that show conversations compare to know they must look again."""
    handoffs = session.execute(
        select(
            func.max(Handoff.id),
            func.count(Handoff.id),
            func.max(Handoff.claimed_at),
            func.max(Handoff.resolved_at),
        )
    ).one()
    return (session.scalar(select(func.max(Message.id))), *handoffs)


def latest_conversation(*, session: Session, debtor_id: int) -> Conversation | None:
    """The debtor's most recent conversation (where news about their account goes)."""
    return session.scalar(
        select(Conversation)
        .where(Conversation.debtor_id == debtor_id)
        .order_by(Conversation.updated_at.desc(), Conversation.created_at.desc())
        .limit(1)
    )
