"""Pauses a credit manager sets in the console: one debtor, or one step of a plan for every
debtor; lifted, not deleted (the audit log keeps who did what)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.models import utcnow
from receivables.reminders.models import ReminderPause
from receivables.reminders.planner import Pauses


def active_pauses(*, session: Session) -> Pauses:
    rows = session.execute(
        select(ReminderPause.debtor_id, ReminderPause.plan, ReminderPause.step).where(
            ReminderPause.lifted_at.is_(None)
        )
    ).all()
    return Pauses(
        debtors=frozenset(d for d, _, _ in rows if d is not None),
        steps=frozenset((p, s) for d, p, s in rows if d is None and p and s),
    )


def list_pauses(*, session: Session) -> list[ReminderPause]:
    return list(
        session.scalars(
            select(ReminderPause)
            .where(ReminderPause.lifted_at.is_(None))
            .order_by(ReminderPause.id)
        )
    )


def pause(
    *,
    session: Session,
    by: str,
    debtor_id: int | None = None,
    plan: str | None = None,
    step: str | None = None,
    note: str = "",
) -> ReminderPause:
    """Pause one debtor, or one step of a plan for everybody."""
    if (debtor_id is None) == (plan is None or step is None):
        raise ValueError("pause a debtor, or a plan's step")
    existing = session.scalar(
        select(ReminderPause).where(
            ReminderPause.lifted_at.is_(None),
            ReminderPause.debtor_id == debtor_id
            if debtor_id is not None
            else ReminderPause.debtor_id.is_(None),
            ReminderPause.plan == plan if plan else ReminderPause.plan.is_(None),
            ReminderPause.step == step if step else ReminderPause.step.is_(None),
        )
    )
    if existing is not None:
        return existing
    paused = ReminderPause(debtor_id=debtor_id, plan=plan, step=step, by=by, note=note)
    session.add(paused)
    session.flush()
    record_event(
        session=session,
        actor=by,
        action="reminders_paused",
        debtor_id=debtor_id,
        detail={"pause_id": paused.id, "plan": plan, "step": step},
    )
    return paused


def lift_pause(*, session: Session, pause_id: int, by: str) -> None:
    paused = session.get(ReminderPause, pause_id)
    if paused is None or paused.lifted_at is not None:
        return
    paused.lifted_at = utcnow()
    record_event(
        session=session,
        actor=by,
        action="reminders_resumed",
        debtor_id=paused.debtor_id,
        detail={"pause_id": paused.id, "plan": paused.plan, "step": paused.step},
    )
