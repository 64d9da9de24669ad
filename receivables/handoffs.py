"""Handoffs: a conversation handed to a human collector."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from receivables.audit import record_event
from receivables.conversations import get_or_create_conversation
from receivables.models import Handoff

REASONS = (
    "cannot_pay",
    "dispute",
    "requested_human",
    "verification_failed",
    "outside_limits",
    "other",
)
STATUSES = ("waiting", "claimed", "resolved")
LEVELS = ("junior", "senior")


def get_open_handoff(*, session: Session, conversation_id: str) -> Handoff | None:
    return session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status != "resolved")
        .order_by(Handoff.id.desc())
        .limit(1)
    )


def create_handoff(
    *,
    session: Session,
    conversation_id: str,
    reason: str,
    debtor_id: int | None = None,
    level: str = "junior",
    summary: str = "",
    actor: str = "bot",
) -> Handoff:
    """Hand the conversation to the queue. While one is open for the conversation, asking
    again returns it unchanged (a retried action creates no second handoff)."""
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason}")
    if level not in LEVELS:
        raise ValueError(f"unknown level {level}")
    existing = get_open_handoff(session=session, conversation_id=conversation_id)
    if existing:
        return existing
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel="rest"
    )
    handoff = Handoff(
        conversation_id=conversation_id,
        debtor_id=debtor_id,
        reason=reason,
        level=level,
        summary=summary,
        status="waiting",
    )
    session.add(handoff)
    conversation.state = "waiting"
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action="handoff_created",
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={"handoff_id": handoff.id, "reason": reason, "level": level},
    )
    return handoff


def list_handoffs(*, session: Session, status: str | None = None) -> list[Handoff]:
    """The queue: senior before junior, then longest waiting first."""
    query = select(Handoff)
    if status:
        query = query.where(Handoff.status == status)
    level_order = case((Handoff.level == "senior", 0), else_=1)
    return list(session.scalars(query.order_by(level_order, Handoff.created_at, Handoff.id)))
