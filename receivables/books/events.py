"""What goes back to the creditor's books: every agreement and event they need (a plan agreed,
completed or broken; a promise made, kept or broken; a dispute opened or resolved; a payment
booked or paid back; a handoff resolved with its outcome).

The audit log already records each of them in the transaction that did it, so it is the
source: `collect_book_events` copies new ones into `book_events`, a durable outbox (unique by
audit event, so collecting twice queues nothing twice). `claim_next` hands the oldest pending
event to one sender at a time (a row lock, so several gateway processes can run the sender):
events leave in order, and a receiver that is down gets them later, once each (the event id
is the idempotency key). Signing is pure: HMAC-SHA256 over "<timestamp>.<body>".
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from receivables.books.models import BookEvent
from receivables.models import AuditEvent, Debtor, utcnow

# audit action -> the event type the books receive
EVENT_TYPES = {
    "plan_agreed": "plan.agreed",
    "plan_agreed_outside_policy": "plan.agreed",
    "plan_completed": "plan.completed",
    "plan_broken": "plan.broken",
    "promise_made": "promise.made",
    "promise_kept": "promise.kept",
    "promise_broken": "promise.broken",
    "invoice_on_hold": "dispute.opened",
    "invoice_hold_released": "dispute.resolved",
    "payment_received": "payment.booked",
    "payment_refund": "payment.reversed",
    "payment_chargeback": "payment.reversed",
    "handoff_resolved": "handoff.resolved",
}
# an audit event committed a little after a later one was collected is still picked up
LOOK_BACK = 1000
MAX_BACKOFF = 3600.0
SIGNATURE_HEADER = "Settle-Signature"


def collect_book_events(*, session: Session, limit: int = 5000) -> int:
    """Queue the audit events the books need that are not queued yet; returns how many."""
    last = session.scalar(select(func.max(BookEvent.audit_event_id))) or 0
    rows = session.execute(
        select(AuditEvent, Debtor.reference, Debtor.external_id)
        .outerjoin(Debtor, Debtor.id == AuditEvent.debtor_id)
        .where(
            AuditEvent.id > last - LOOK_BACK,
            AuditEvent.action.in_(EVENT_TYPES),
            ~exists().where(BookEvent.audit_event_id == AuditEvent.id),
        )
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    queued = 0
    for audit, reference, external_id in rows:
        detail = dict(audit.detail or {})
        if audit.action == "handoff_resolved" and detail.get("outcome") == "dispute_accepted":
            detail["dispute"] = "accepted"
        session.add(
            BookEvent(
                audit_event_id=audit.id,
                type=EVENT_TYPES[audit.action],
                debtor_id=audit.debtor_id,
                occurred_at=audit.at,
                payload={
                    "debtor": {
                        "id": audit.debtor_id,
                        "reference": reference,
                        "external_id": external_id,
                    },
                    "actor": audit.actor,
                    "action": audit.action,
                    "conversation_id": audit.conversation_id,
                    "data": detail,
                },
            )
        )
        queued += 1
    session.flush()
    return queued


def event_body(event: BookEvent) -> bytes:
    """The JSON the receiver gets: the same bytes each time (the signature covers them)."""
    body = {
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        **event.payload,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value: "t=<unix time>,v1=<hex HMAC-SHA256>". Pure."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def claim_next(*, session: Session, now: dt.datetime | None = None) -> BookEvent | None:
    """The oldest pending event, locked for this sender; None when there is none, when it
    waits for its next attempt, or when another sender holds it (order is kept: nobody
    skips ahead of it)."""
    now = now or utcnow()
    head = session.scalar(select(func.min(BookEvent.id)).where(BookEvent.status == "pending"))
    if head is None:
        return None
    event = session.scalar(
        select(BookEvent).where(BookEvent.id == head).with_for_update(skip_locked=True)
    )
    if event is None or event.next_attempt_at > now:
        return None
    return event


def mark_sent(event: BookEvent, now: dt.datetime | None = None) -> None:
    event.status, event.sent_at, event.last_error = "sent", now or utcnow(), None
    event.attempts += 1


def mark_failed(event: BookEvent, error: str, now: dt.datetime | None = None) -> float:
    """Try again later: 1, 2, 4 ... seconds, at most an hour. Returns the delay."""
    event.attempts += 1
    delay = min(2.0 ** (event.attempts - 1), MAX_BACKOFF)
    event.next_attempt_at = (now or utcnow()) + dt.timedelta(seconds=delay)
    event.last_error = error[:500]
    return delay


def count_pending(*, session: Session) -> int:
    return (
        session.scalar(select(func.count(BookEvent.id)).where(BookEvent.status == "pending")) or 0
    )


@dataclass(frozen=True)
class ExportRange:
    start: dt.date
    end: dt.date  # inclusive


def export_csv(*, session: Session, period: ExportRange) -> str:
    """Every book event of the period as CSV, for a spreadsheet or an ERP's import."""
    collect_book_events(session=session)
    start = dt.datetime.combine(period.start, dt.time(), dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), dt.UTC)
    events = session.scalars(
        select(BookEvent)
        .where(BookEvent.occurred_at >= start, BookEvent.occurred_at < end)
        .order_by(BookEvent.id)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "occurred_at", "type", "debtor_reference", "debtor_external_id", "amount", "data"]
    )
    for event in events:
        debtor: dict[str, Any] = event.payload.get("debtor") or {}
        data: dict[str, Any] = event.payload.get("data") or {}
        writer.writerow(
            [
                event.id,
                event.occurred_at.isoformat(),
                event.type,
                debtor.get("reference") or "",
                debtor.get("external_id") or "",
                data.get("amount") or data.get("total") or "",
                json.dumps(data, sort_keys=True),
            ]
        )
    return out.getvalue()
