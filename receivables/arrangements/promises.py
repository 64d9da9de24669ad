"""Promises to pay ("ik betaal vrijdag"): made inside the policy, kept when the payments
since cover them, broken by the follow-up job when the date passes unpaid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.accounts.invoices import list_open_invoices, open_balance, payable_invoices
from receivables.arrangements.promise_dates import check_promise
from receivables.audit.events import record_event
from receivables.common.money import to_money
from receivables.errors import InvalidInput, NotFound
from receivables.models import Debtor, Payment, Promise, utcnow
from receivables.policy.limits import PromiseLimits
from receivables.policy.model import OutsidePolicy

PROMISE_STATUSES = ("open", "kept", "broken", "canceled")


def lock_debtor(*, session: Session, debtor_id: int) -> Debtor:
    """The debtor, locked until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE), so
    that two concurrent requests cannot both create a plan or promise."""
    debtor = session.scalar(select(Debtor).where(Debtor.id == debtor_id).with_for_update())
    if debtor is None:
        raise NotFound("debtor", debtor_id)
    return debtor


def payable_balance(*, session: Session, debtor_id: int) -> Decimal:
    """What is open on invoices that are not on hold (a disputed invoice is not pressed)."""
    invoices = payable_invoices(list_open_invoices(session=session, debtor_id=debtor_id))
    return open_balance(invoices)


def paid_since(*, session: Session, debtor_id: int, since: dt.datetime) -> Decimal:
    """The sum of the debtor's payments received at or after `since`, less what was
    refunded or charged back of them."""
    total = session.scalar(
        select(func.sum(Payment.amount - Payment.reversed_amount)).where(
            Payment.debtor_id == debtor_id, Payment.received_at >= since
        )
    )
    return to_money(total or 0)


def list_promises(*, session: Session, debtor_id: int, status: str | None = None) -> list[Promise]:
    """The debtor's promises, by date."""
    query = select(Promise).where(Promise.debtor_id == debtor_id)
    if status is not None:
        query = query.where(Promise.status == status)
    return list(session.scalars(query.order_by(Promise.date, Promise.id)))


def count_open_promises(*, session: Session, debtor_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Promise.id)).where(
                Promise.debtor_id == debtor_id, Promise.status == "open"
            )
        )
        or 0
    )


def create_promise(
    *,
    session: Session,
    debtor_id: int,
    date: dt.date,
    amount: Decimal | None = None,
    limits: PromiseLimits | None = None,
    today: dt.date | None = None,
    conversation_id: str | None = None,
    agreed_by: str = "bot",
    outside_policy: bool = False,
) -> Promise:
    """Record a promise to pay `amount` (None: the whole payable balance) on `date`.

    Idempotent: a retried call for the same conversation and date returns the promise made
    the first time. Inside the policy only: `limits` (policy.effective_promise_limits) are
    required and checked (date not in the past nor after today + max_days_ahead, open
    promises below the maximum, the profile allows promises, the amount no more than the
    payable balance); a violation raises
    OutsidePolicy. Only a person (agreed_by "collector:<name>") may record a promise
    outside the policy, with outside_policy=True. Records a "promise_made" audit event.
    Raises NotFound for an unknown debtor, InvalidInput for a non-positive amount.
    """
    lock_debtor(session=session, debtor_id=debtor_id)
    if conversation_id is not None:
        existing = session.scalar(
            select(Promise).where(
                Promise.debtor_id == debtor_id,
                Promise.conversation_id == conversation_id,
                Promise.date == date,
                Promise.status != "canceled",
            )
        )
        if existing is not None:
            return existing
    if amount is None:
        amount = payable_balance(session=session, debtor_id=debtor_id)
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("a promise is for a positive amount")
    _guard(
        session=session,
        debtor_id=debtor_id,
        date=date,
        amount=amount,
        limits=limits,
        today=today,
        agreed_by=agreed_by,
        outside_policy=outside_policy,
    )
    promise = Promise(
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        amount=amount,
        date=date,
        status="open",
    )
    session.add(promise)
    session.flush()
    record_event(
        session=session,
        actor=agreed_by,
        action="promise_made",
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={
            "promise_id": promise.id,
            "amount": str(amount),
            "date": date.isoformat(),
            "outside_policy": outside_policy,
        },
    )
    return promise


def _guard(
    *,
    session: Session,
    debtor_id: int,
    date: dt.date,
    amount: Decimal,
    limits: PromiseLimits | None,
    today: dt.date | None,
    agreed_by: str,
    outside_policy: bool,
) -> None:
    if outside_policy:
        if agreed_by == "bot":
            raise InvalidInput("the bot never agrees a promise outside the policy")
        return
    if limits is None:
        raise ValueError("limits are required for a promise inside the policy")
    check = check_promise(
        date=date,
        today=today or dt.date.today(),
        limits=limits,
        open_promises=count_open_promises(session=session, debtor_id=debtor_id),
    )
    problems = []
    if not check.ok:
        problems.append(
            f"promise for {date.isoformat()}: {check.status} "
            f"(latest allowed {check.latest.isoformat()})"
        )
    owed = payable_balance(session=session, debtor_id=debtor_id)
    if amount > owed:
        problems.append(f"promise of {amount} is more than the {owed} owed")
    if problems:
        raise OutsidePolicy(problems)


def settle_promises(
    *, session: Session, debtor_id: int, now: dt.datetime | None = None
) -> list[Promise]:
    """Mark open promises kept when the payments received since each was made cover its
    amount (earliest date first; a payment counts once), or when nothing is left to pay.
    Returns the promises kept now. Idempotent."""
    now = now or utcnow()
    kept = []
    used = Decimal("0.00")
    nothing_left = payable_balance(session=session, debtor_id=debtor_id) <= 0
    for promise in list_promises(session=session, debtor_id=debtor_id, status="open"):
        paid = paid_since(session=session, debtor_id=debtor_id, since=promise.created_at) - used
        if nothing_left or paid >= promise.amount:
            used += min(paid, promise.amount) if paid > 0 else Decimal("0.00")
            promise.status, promise.settled_at = "kept", now
            kept.append(promise)
            record_event(
                session=session,
                actor="system",
                action="promise_kept",
                debtor_id=debtor_id,
                conversation_id=promise.conversation_id,
                detail={
                    "promise_id": promise.id,
                    "amount": str(promise.amount),
                    "date": promise.date.isoformat(),
                },
            )
    session.flush()
    return kept
