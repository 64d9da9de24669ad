"""Payment plans ("betalingsregelingen"): stored inside the policy, one active plan per
debtor, installments marked paid as payments come in (`apply_payment`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from receivables.arrangements.promises import (
    lock_debtor,
    paid_since,
    payable_balance,
    settle_promises,
)
from receivables.arrangements.schedule import Schedule, plan_within_policy
from receivables.audit.events import record_event
from receivables.errors import Conflict, InvalidInput, NotFound
from receivables.models import Installment, Payment, PaymentPlan, utcnow
from receivables.policy.limits import PlanLimits
from receivables.policy.model import OutsidePolicy

PLAN_STATUSES = ("active", "completed", "broken", "canceled")
INSTALLMENT_STATUSES = ("open", "paid", "broken")


def list_plans(*, session: Session, debtor_id: int) -> list[PaymentPlan]:
    """The debtor's plans, oldest first, with their installments."""
    return list(
        session.scalars(
            select(PaymentPlan)
            .where(PaymentPlan.debtor_id == debtor_id)
            .options(selectinload(PaymentPlan.installments))
            .order_by(PaymentPlan.id)
        )
    )


def get_active_plan(*, session: Session, debtor_id: int) -> PaymentPlan | None:
    """The debtor's active plan (there is at most one), or None."""
    return session.scalar(
        select(PaymentPlan)
        .where(PaymentPlan.debtor_id == debtor_id, PaymentPlan.status == "active")
        .options(selectinload(PaymentPlan.installments))
        .order_by(PaymentPlan.id.desc())
        .limit(1)
    )


def has_broken_plan(*, session: Session, debtor_id: int) -> bool:
    """Whether the debtor ever broke a plan (the policy decides if a new one is allowed)."""
    found = session.scalar(
        select(func.count(PaymentPlan.id)).where(
            PaymentPlan.debtor_id == debtor_id, PaymentPlan.status == "broken"
        )
    )
    return bool(found)


def list_missed_installments(*, session: Session, debtor_id: int) -> list[Installment]:
    """Installments that passed their due date unpaid (marked broken by the follow-up job),
    oldest first: what the bot mentions in a later conversation."""
    return list(
        session.scalars(
            select(Installment)
            .join(PaymentPlan)
            .where(PaymentPlan.debtor_id == debtor_id, Installment.status == "broken")
            .order_by(Installment.due_date, Installment.id)
        )
    )


def get_next_installment(*, session: Session, debtor_id: int) -> Installment | None:
    """The first unpaid installment of the active plan (the one a payment link is for)."""
    plan = get_active_plan(session=session, debtor_id=debtor_id)
    if plan is None:
        return None
    return next((i for i in plan.installments if i.status != "paid"), None)


def _agreed_in(
    session: Session, debtor_id: int, conversation_id: str, schedule: Schedule
) -> PaymentPlan | None:
    """The plan with this schedule already agreed in this conversation (a retried call)."""
    wanted = [(i.amount, i.due_date) for i in schedule]
    plans = session.scalars(
        select(PaymentPlan)
        .where(
            PaymentPlan.debtor_id == debtor_id,
            PaymentPlan.conversation_id == conversation_id,
            PaymentPlan.status != "canceled",
        )
        .options(selectinload(PaymentPlan.installments))
    )
    return next(
        (p for p in plans if [(i.amount, i.due_date) for i in p.installments] == wanted), None
    )


def create_plan(
    *,
    session: Session,
    debtor_id: int,
    schedule: Schedule,
    limits: PlanLimits | None = None,
    today: dt.date | None = None,
    conversation_id: str | None = None,
    agreed_by: str = "bot",
    outside_policy: bool = False,
) -> PaymentPlan:
    """Store an agreed plan with its installments and record a "plan_agreed" audit event.

    Idempotent: a retried call for the same conversation with the same schedule returns the
    plan stored the first time. A debtor never has two active plans: any other call while
    one is active raises Conflict. Inside the policy only: `limits`
    (policy.effective_plan_limits for the payable balance) are required, the schedule must
    pass schedule.plan_within_policy against the debtor's payable balance now (so it adds up
    to exactly that) for `today` (default: the system date), and a debtor with a broken plan
    gets a new one only when the limits allow it; otherwise OutsidePolicy. Only
    a person (agreed_by "collector:<name>") may store a plan outside the policy, with
    outside_policy=True. Raises NotFound for an unknown debtor.
    """
    lock_debtor(session=session, debtor_id=debtor_id)
    if conversation_id is not None and (
        retried := _agreed_in(session, debtor_id, conversation_id, schedule)
    ):
        return retried
    active = get_active_plan(session=session, debtor_id=debtor_id)
    if active is not None:
        raise Conflict(f"debtor {debtor_id} already has an active payment plan ({active.id})")
    if not schedule.installments or any(i.amount <= 0 for i in schedule):
        raise InvalidInput("a plan has installments, each for a positive amount")
    if outside_policy:
        if agreed_by == "bot":
            raise InvalidInput("the bot never agrees a plan outside the policy")
    else:
        _guard(
            session=session,
            debtor_id=debtor_id,
            schedule=schedule,
            limits=limits,
            today=today or dt.date.today(),
        )
    plan = PaymentPlan(
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        total=schedule.total,
        status="active",
        agreed_by=agreed_by,
        outside_policy=outside_policy,
    )
    session.add(plan)
    session.flush()
    for item in schedule:
        session.add(
            Installment(
                plan_id=plan.id,
                sequence=item.sequence,
                amount=item.amount,
                due_date=item.due_date,
                status="open",
            )
        )
    session.flush()
    session.refresh(plan, ["installments"])
    record_event(
        session=session,
        actor=agreed_by,
        action="plan_agreed",
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={
            "plan_id": plan.id,
            "total": str(plan.total),
            "outside_policy": outside_policy,
            "installments": schedule.to_json(),
        },
    )
    return plan


def _guard(
    *,
    session: Session,
    debtor_id: int,
    schedule: Schedule,
    limits: PlanLimits | None,
    today: dt.date,
) -> None:
    if limits is None:
        raise ValueError("limits are required for a plan inside the policy")
    # the bot's plan covers what the debtor owes now (not on hold), not what was owed once
    balance = payable_balance(session=session, debtor_id=debtor_id)
    problems = plan_within_policy(schedule, balance=balance, limits=limits, today=today)
    if not limits.allow_after_broken_plan and has_broken_plan(session=session, debtor_id=debtor_id):
        problems.append("the debtor broke a plan before; a person decides on a new one")
    if problems:
        raise OutsidePolicy(problems)


@dataclass
class PaymentApplied:
    """What a payment settled: installments paid, plans completed, promises kept (ids)."""

    installments_paid: list[int] = field(default_factory=list)
    plans_completed: list[int] = field(default_factory=list)
    promises_kept: list[int] = field(default_factory=list)


def apply_payment(
    *,
    session: Session,
    debtor_id: int,
    payment: Payment,
    installment_id: int | None = None,
) -> PaymentApplied:
    """After `payment` is booked: mark the installment it was for (`installment_id`, from
    its payment link) paid when the payment covers it; then the active plan's oldest unpaid
    installments that the payments since the plan was agreed cover; a plan whose
    installments are all paid is completed; open promises covered by the payments since
    they were made are kept. Idempotent: applying the same payment twice changes nothing
    the second time. Raises NotFound when the installment is not the debtor's."""
    if payment.debtor_id != debtor_id:
        raise InvalidInput(f"payment {payment.id} is not debtor {debtor_id}'s")
    result = PaymentApplied()
    at = payment.received_at or utcnow()
    plans: list[PaymentPlan] = []
    if installment_id is not None:
        installment = session.get(Installment, installment_id)
        if installment is None or installment.plan.debtor_id != debtor_id:
            raise NotFound("installment", installment_id)
        if installment.status != "paid" and payment.amount >= installment.amount:
            _mark_paid(session, installment, at, payment_id=payment.id)
            result.installments_paid.append(installment.id)
        plans.append(installment.plan)
    active = get_active_plan(session=session, debtor_id=debtor_id)
    if active is not None:
        for installment in _covered(session, active):
            _mark_paid(session, installment, at, payment_id=payment.id)
            result.installments_paid.append(installment.id)
        plans.append(active)
    for plan in plans:
        if plan.status in ("active", "broken") and all(
            i.status == "paid" for i in plan.installments
        ):
            _complete(session, plan)
            result.plans_completed.append(plan.id)
    kept = settle_promises(session=session, debtor_id=debtor_id, now=at)
    result.promises_kept = [p.id for p in kept]
    session.flush()
    return result


def settle_installments(*, session: Session, debtor_id: int) -> list[int]:
    """Mark the active plan's installments that the payments since it was agreed cover paid,
    and complete the plan when all are; for payments booked without apply_payment (the
    follow-up job calls this before it marks anything broken). Returns the installment ids
    marked paid."""
    plan = get_active_plan(session=session, debtor_id=debtor_id)
    if plan is None:
        return []
    now = utcnow()
    covered = _covered(session, plan)
    for installment in covered:
        _mark_paid(session, installment, now)
    if all(i.status == "paid" for i in plan.installments):
        _complete(session, plan)
    session.flush()
    return [i.id for i in covered]


def _covered(session: Session, plan: PaymentPlan) -> list[Installment]:
    """The plan's unpaid installments, oldest first, that the payments received since the
    plan was agreed cover after the installments already paid (of this plan, and of other
    plans paid since through their own links)."""
    credit = paid_since(session=session, debtor_id=plan.debtor_id, since=plan.created_at)
    credit -= sum((i.amount for i in plan.installments if i.status == "paid"), Decimal("0"))
    credit -= paid_elsewhere(session, plan)
    covered = []
    for installment in plan.installments:
        if installment.status == "paid":
            continue
        if credit < installment.amount:
            break
        credit -= installment.amount
        covered.append(installment)
    return covered


def paid_elsewhere(session: Session, plan: PaymentPlan) -> Decimal:
    """Installments of the debtor's other plans paid since this plan was agreed."""
    total = session.scalar(
        select(func.sum(Installment.amount))
        .join(PaymentPlan)
        .where(
            PaymentPlan.debtor_id == plan.debtor_id,
            PaymentPlan.id != plan.id,
            Installment.status == "paid",
            Installment.paid_at >= plan.created_at,
        )
    )
    return Decimal(total or 0)


def _mark_paid(
    session: Session, installment: Installment, at: dt.datetime, *, payment_id: int | None = None
) -> None:
    installment.status, installment.paid_at = "paid", at
    record_event(
        session=session,
        actor="system",
        action="installment_paid",
        debtor_id=installment.plan.debtor_id,
        conversation_id=installment.plan.conversation_id,
        detail={
            "plan_id": installment.plan_id,
            "installment_id": installment.id,
            "sequence": installment.sequence,
            "amount": str(installment.amount),
            "payment_id": payment_id,
        },
    )


def _complete(session: Session, plan: PaymentPlan) -> None:
    plan.status = "completed"
    record_event(
        session=session,
        actor="system",
        action="plan_completed",
        debtor_id=plan.debtor_id,
        conversation_id=plan.conversation_id,
        detail={"plan_id": plan.id},
    )
