"""The audit log: who told, agreed or decided what, with whom, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.models import AuditEvent


def record_event(
    *,
    session: Session,
    actor: str,
    action: str,
    debtor_id: int | None = None,
    conversation_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor,
        action=action,
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail=detail or {},
    )
    session.add(event)
    session.flush()
    return event


def count_events(*, session: Session, conversation_id: str, action: str) -> int:
    return (
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.conversation_id == conversation_id, AuditEvent.action == action
            )
        )
        or 0
    )


def list_events(
    *, session: Session, debtor_id: int | None = None, conversation_id: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if debtor_id is not None:
        query = query.where(AuditEvent.debtor_id == debtor_id)
    if conversation_id is not None:
        query = query.where(AuditEvent.conversation_id == conversation_id)
    return list(session.scalars(query))
