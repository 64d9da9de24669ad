"""Opting out of reminders: "STOP" (or "afmelden") in any conversation, or the unsubscribe
link in every e-mail; every debtor the conversation reaches opts out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import Conversation, Debtor
from receivables.reminders.models import ReminderOptOut, ReminderSend

STOP_WORDS = frozenset({"stop", "stopp", "afmelden", "unsubscribe", "stop alle"})


def is_stop_word(text: str) -> bool:
    """ "STOP", "stop.", "Afmelden": a request for no more reminders. Pure."""
    return text.strip().strip(".!").lower() in STOP_WORDS


def opt_out(*, session: Session, debtor_id: int, channel: str) -> bool:
    """Record the debtor's opt-out; False when it was there already."""
    if session.scalar(select(ReminderOptOut.id).where(ReminderOptOut.debtor_id == debtor_id)):
        return False
    try:
        with session.begin_nested():
            session.add(ReminderOptOut(debtor_id=debtor_id, channel=channel))
            session.flush()
    except IntegrityError:
        return False
    record_event(
        session=session,
        actor="debtor",
        action="reminders_opted_out",
        debtor_id=debtor_id,
        detail={"channel": channel},
    )
    return True


def debtors_at_address(*, session: Session, conversation_id: str) -> list[int]:
    """The debtors a conversation reaches: the one verified in it, the debtors reminded in
    it, and for a phone number the debtors with that number."""
    found = set(
        session.scalars(
            select(ReminderSend.debtor_id).where(ReminderSend.conversation_id == conversation_id)
        )
    )
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None and conversation.debtor_id is not None:
        found.add(conversation.debtor_id)
    channel, _, address = conversation_id.partition(":")
    if channel in ("sms", "whatsapp") and address:
        found |= set(session.scalars(select(Debtor.id).where(Debtor.phone == address)))
    return sorted(found)


def opt_out_conversation(*, session: Session, conversation_id: str, channel: str) -> list[int]:
    """ "STOP" in a conversation: every debtor it reaches opts out. The debtor ids."""
    debtor_ids = debtors_at_address(session=session, conversation_id=conversation_id)
    for debtor_id in debtor_ids:
        opt_out(session=session, debtor_id=debtor_id, channel=channel)
    return debtor_ids


def send_by_stop_token(*, session: Session, token: str) -> ReminderSend | None:
    return session.scalar(select(ReminderSend).where(ReminderSend.stop_token == token))
