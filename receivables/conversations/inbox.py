"""The durable inbox: a channel delivery stored with its unique key and the debtor's message in
one transaction, before the webhook is answered; then claimed by one worker at a time and
made a bot turn.

A claim is a lease (`claimed_until`) set by one conditional UPDATE, so it holds on SQLite and
PostgreSQL alike and across processes: no transaction stays open while Rasa thinks, and a
claim a crashed process left behind runs out and is taken again. Only the oldest pending
delivery of a conversation can be claimed, so a conversation's messages are answered in the
order they came, one at a time, however many workers run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.conversations.leases import claim_oldest
from receivables.models import Delivery, utcnow

PENDING, DONE, FAILED = "pending", "done", "failed"
# longer than a turn can take (Rasa's timeout, the action server's work)
LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 5
TURN_FAILED = "turn_failed"  # the audit action of a message no worker could answer


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    conversation_id: str
    channel: str
    message_id: int | None
    details: dict[str, Any]
    attempts: int
    # the lease: who finishes must still hold it (no other worker took over meanwhile)
    claimed_until: dt.datetime | None = None


class LostClaim(Exception):
    """The claim ran out and another worker took the message over: this turn is not kept."""


def store_delivery(
    *,
    session: Session,
    channel: str,
    delivery_id: str,
    conversation_id: str,
    details: dict[str, Any] | None = None,
    status: str = PENDING,
) -> Delivery | None:
    """Record a delivery in the caller's transaction; None when it was recorded before (the
    unique key of a redelivery: the caller then stores nothing either)."""
    delivery = Delivery(
        channel=channel[:20],
        delivery_id=delivery_id[:128],
        conversation_id=conversation_id[:128],
        status=status,
        details=details or {},
    )
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:
        return None
    return delivery


def claim_next(
    *,
    session: Session,
    now: dt.datetime | None = None,
    lease: dt.timedelta = LEASE,
    conversation_id: str | None = None,
) -> Claimed | None:
    """Take the oldest pending delivery of a conversation nobody works on, for `lease`."""
    now = now or utcnow()
    row = claim_oldest(session, Delivery, now=now, lease=lease, conversation_id=conversation_id)
    if row is None:
        return None
    return Claimed(
        row.id,
        row.conversation_id,
        row.channel,
        row.message_id,
        dict(row.details or {}),
        row.attempts + 1,
        now + lease,
    )


def finish(*, session: Session, delivery_id: int, claimed_until: dt.datetime | None = None) -> None:
    """The turn is stored: the delivery is answered. With `claimed_until`, only while that
    claim still holds; raises LostClaim otherwise (the caller's transaction rolls back)."""
    query = update(Delivery).where(Delivery.id == delivery_id)
    if claimed_until is not None:
        query = query.where(Delivery.status == PENDING, Delivery.claimed_until == claimed_until)
    done = session.execute(
        query.values(status=DONE, answered_at=utcnow(), claimed_until=None).execution_options(
            synchronize_session=False
        )
    )
    if claimed_until is not None and getattr(done, "rowcount", 0) != 1:
        raise LostClaim(f"delivery {delivery_id} was taken over")


def release(*, session: Session, delivery_id: int, attempts: int, retry_in: dt.timedelta) -> str:
    """The turn failed: try again after `retry_in`, or give up after MAX_ATTEMPTS (the
    delivery stays, marked "failed", with its message in the conversation)."""
    status = FAILED if attempts >= MAX_ATTEMPTS else PENDING
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=status, claimed_until=utcnow() + retry_in)
        .execution_options(synchronize_session=False)
    )
    if status == FAILED:
        delivery = session.get(Delivery, delivery_id)
        record_event(
            session=session,
            actor="system",
            action=TURN_FAILED,
            conversation_id=delivery.conversation_id if delivery else None,
            detail={"delivery_id": delivery_id, "attempts": attempts},
        )
    return status


def count_pending(*, session: Session) -> int:
    """Channel messages stored and not yet answered by a turn (the inbox depth)."""
    return session.scalar(select(func.count(Delivery.id)).where(Delivery.status == PENDING)) or 0
