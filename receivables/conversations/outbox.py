"""The durable outbox: what is to be sent to a debtor's channel, claimed by one worker at a
time (a lease set by one conditional UPDATE, like the inbox), sent in order per
conversation, retried with back-off, and failed visibly after MAX_ATTEMPTS. Twilio's status
callbacks move a sent row on to delivered, read, undelivered or failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.conversations.leases import claim_oldest
from receivables.conversations.models import (
    DELIVERED,
    FAILED,
    PENDING,
    READ,
    SENT,
    UNDELIVERED,
    OutboxMessage,
)
from receivables.models import Message, utcnow

LEASE = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5
DELIVERY_FAILED = "delivery_failed"
# a status only moves forward; a repeated or late callback changes nothing
_RANK = {PENDING: 0, SENT: 1, DELIVERED: 2, UNDELIVERED: 2, FAILED: 2, READ: 3}
PROVIDER_STATUSES = (DELIVERED, READ, UNDELIVERED, FAILED)


@dataclass(frozen=True)
class Claimed:
    id: int
    conversation_id: str
    channel: str
    address: str
    message_id: int | None
    notice: dict[str, Any] | None
    attempts: int


def enqueue(
    *,
    session: Session,
    conversation_id: str,
    channel: str,
    address: str,
    message_ids: Iterable[int] = (),
    notice: dict[str, Any] | None = None,
) -> list[int]:
    """Rows for stored messages (each at most once per channel and address) and for a
    notice, in the caller's transaction; returns the new rows' ids."""
    rows = [
        OutboxMessage(
            conversation_id=conversation_id, channel=channel, address=address, message_id=m
        )
        for m in message_ids
    ]
    if notice is not None:
        rows.append(
            OutboxMessage(
                conversation_id=conversation_id, channel=channel, address=address, notice=notice
            )
        )
    added = []
    for row in rows:
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # pushed before: sent once
        added.append(row.id)
    return added


# the channels with a transport of their own: what is stored in their conversations is sent
SENDING_CHANNELS = ("whatsapp", "sms", "telegram")


def enqueue_replies(*, session: Session, conversation_id: str, message_ids: Iterable[int]) -> None:
    """Stored messages of a channel conversation ("whatsapp:+31...") into the outbox, in the
    transaction that stores them; the web chat and calls read theirs elsewhere."""
    channel, _, address = conversation_id.partition(":")
    if channel in SENDING_CHANNELS and address:
        enqueue(
            session=session,
            conversation_id=conversation_id,
            channel=channel,
            address=address,
            message_ids=message_ids,
        )


def claim_next(
    *,
    session: Session,
    now: dt.datetime | None = None,
    lease: dt.timedelta = LEASE,
    conversation_id: str | None = None,
) -> Claimed | None:
    """Take the oldest pending row of a conversation, when it is due and nobody sends it."""
    now = now or utcnow()
    row = claim_oldest(
        session,
        OutboxMessage,
        now=now,
        lease=lease,
        conversation_id=conversation_id,
        due=(OutboxMessage.next_attempt_at <= now,),
    )
    if row is None:
        return None
    return Claimed(
        row.id,
        row.conversation_id,
        row.channel,
        row.address,
        row.message_id,
        dict(row.notice) if row.notice else None,
        row.attempts + 1,
    )


def _set(session: Session, row_id: int, **values: Any) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(updated_at=utcnow(), claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


def mark_sent(*, session: Session, row_id: int, provider_id: str | None) -> None:
    _set(session, row_id, status=SENT, provider_id=provider_id, error=None)


def mark_failed_attempt(
    *, session: Session, claimed: Claimed, error: str, retry_in: dt.timedelta | None
) -> str:
    """A send failed: pending again after `retry_in`, or failed for good (no `retry_in`, or
    MAX_ATTEMPTS reached), recorded in the audit log for the console."""
    if retry_in is not None and claimed.attempts < MAX_ATTEMPTS:
        _set(session, claimed.id, error=error[:500], next_attempt_at=utcnow() + retry_in)
        return PENDING
    _set(session, claimed.id, status=FAILED, error=error[:500])
    record_event(
        session=session,
        actor="system",
        action=DELIVERY_FAILED,
        conversation_id=claimed.conversation_id,
        detail={
            "channel": claimed.channel,
            "message_id": claimed.message_id,
            "error": error[:500],
            "attempts": claimed.attempts,
        },
    )
    return FAILED


def record_status(
    *, session: Session, provider_id: str, status: str, error: str | None = None
) -> bool:
    """What the provider reports for a message it accepted; True when it changed anything
    (an unknown id, a repeated or an older status change nothing)."""
    if status not in PROVIDER_STATUSES:
        return False
    row = session.scalar(
        select(OutboxMessage).where(OutboxMessage.provider_id == provider_id).limit(1)
    )
    if row is None or _RANK.get(row.status, 0) >= _RANK[status]:
        return False
    row.status, row.updated_at = status, utcnow()
    if status in (UNDELIVERED, FAILED):
        row.error = (error or status)[:500]
        record_event(
            session=session,
            actor="system",
            action=DELIVERY_FAILED,
            conversation_id=row.conversation_id,
            detail={"channel": row.channel, "message_id": row.message_id, "error": row.error},
        )
    session.flush()
    return True


def statuses(*, session: Session, conversation_id: str) -> dict[int, str]:
    """Message id -> how its sending stands (the console marks the failed ones)."""
    rows = session.execute(
        select(OutboxMessage.message_id, OutboxMessage.status)
        .where(
            OutboxMessage.conversation_id == conversation_id,
            OutboxMessage.message_id.is_not(None),
        )
        .order_by(OutboxMessage.id)
    ).all()
    return {message_id: status for message_id, status in rows if message_id is not None}


@dataclass(frozen=True)
class FailedSend:
    conversation_id: str
    channel: str
    status: str
    error: str
    at: dt.datetime
    text: str


def list_failed(*, session: Session, since: dt.datetime, limit: int = 50) -> list[FailedSend]:
    """Sends given up or reported undelivered since then, newest first (the console)."""
    rows = session.execute(
        select(OutboxMessage, Message.text)
        .outerjoin(Message, Message.id == OutboxMessage.message_id)
        .where(OutboxMessage.status.in_((FAILED, UNDELIVERED)), OutboxMessage.updated_at >= since)
        .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        FailedSend(
            row.conversation_id,
            row.channel,
            row.status,
            row.error or "",
            row.updated_at,
            text or str((row.notice or {}).get("key", "")),
        )
        for row, text in rows
    ]


def count_pending(*, session: Session) -> int:
    """Rows waiting to be sent (the outbox depth)."""
    return (
        session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == PENDING))
        or 0
    )
