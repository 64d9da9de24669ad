"""Claiming rows for one worker at a time (the inbox's deliveries, the outbox's messages): a
claim is a lease (`claimed_until`) set by one conditional UPDATE, so it holds on SQLite and
PostgreSQL alike and across processes; a crashed worker's claim runs out by itself."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

PENDING = "pending"
Row = TypeVar("Row")


def free(model: Any, now: dt.datetime) -> ColumnElement[bool]:
    """Nobody holds the row (never claimed, or the claim ran out)."""
    return or_(model.claimed_until.is_(None), model.claimed_until < now)


def claim_oldest(
    session: Session,
    model: type[Row],
    *,
    now: dt.datetime,
    lease: dt.timedelta,
    conversation_id: str | None = None,
    due: tuple[ColumnElement[bool], ...] = (),
) -> Row | None:
    """Claim the oldest pending row of a conversation (in order per conversation: only each
    conversation's first pending row is a candidate) that is `due` and free, for `lease`.
    Returns the row as read before the claim (its `attempts` not yet counted up), or None."""
    table: Any = model
    firsts = (
        select(func.min(table.id)).where(table.status == PENDING).group_by(table.conversation_id)
    )
    if conversation_id is not None:
        firsts = firsts.where(table.conversation_id == conversation_id)
    takeable = (table.status == PENDING, free(table, now), *due)
    candidates = session.scalars(
        select(model)
        .where(table.id.in_(firsts.scalar_subquery()), *takeable)
        .order_by(table.id)
        .limit(20)
    ).all()
    for candidate in candidates:
        row: Any = candidate
        taken = session.execute(
            update(model)
            .where(table.id == row.id, *takeable)
            .values(claimed_until=now + lease, attempts=table.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            return candidate
    return None
