"""The follow-up job: promises and installments whose date passed unpaid become broken, so
later conversations can mention them and the policy can decide on a new plan.

    settle followup            # every 15 minutes until SIGTERM or Ctrl-C
    settle followup --once     # one round, then exit (cron)

Reads SETTLE_DATABASE_URL and SETTLE_POLICY_FILE (grace days: followup.grace_days; "today"
in the creditor's time zone: handoff.timezone). `make run` starts it with the other processes.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from dataclasses import dataclass, field
from types import FrameType
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from receivables.arrangements.plans import settle_installments
from receivables.arrangements.promises import settle_promises
from receivables.audit.events import record_event
from receivables.db import session_scope
from receivables.models import Installment, PaymentPlan, Promise
from receivables.policy.model import Policy

DEFAULT_INTERVAL = 900.0
# PostgreSQL advisory lock key of a round: one instance at a time, however many run
ROUND_LOCK = 0x5E7713
log = logging.getLogger("settle.followup")


@dataclass
class FollowupResult:
    """Ids of what one round marked broken."""

    promises_broken: list[int] = field(default_factory=list)
    installments_broken: list[int] = field(default_factory=list)
    plans_broken: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.promises_broken)} promises, {len(self.installments_broken)} "
            f"installments and {len(self.plans_broken)} plans marked broken"
        )


def _overdue_promises(session: Session, cutoff: dt.date) -> list[Promise]:
    return list(
        session.scalars(
            select(Promise)
            .where(Promise.status == "open", Promise.date < cutoff)
            .order_by(Promise.id)
        )
    )


def _overdue_installments(session: Session, cutoff: dt.date) -> list[Installment]:
    return list(
        session.scalars(
            select(Installment)
            .join(PaymentPlan)
            .where(
                Installment.status == "open",
                Installment.due_date < cutoff,
                PaymentPlan.status.in_(("active", "broken")),
            )
            .order_by(Installment.id)
        )
    )


def mark_broken(*, session: Session, today: dt.date, grace_days: int = 0) -> FollowupResult:
    """Mark open promises and installments dated more than `grace_days` before `today` as
    broken, and their plans too, each with an audit event ("promise_broken",
    "installment_missed", "plan_broken"). Payments booked since are counted first (a debtor
    who paid is never marked broken). Idempotent: a second run the same day changes
    nothing. Does not commit."""
    cutoff = today - dt.timedelta(days=grace_days)
    result = FollowupResult()
    debtors = {p.debtor_id for p in _overdue_promises(session, cutoff)}
    debtors |= {i.plan.debtor_id for i in _overdue_installments(session, cutoff)}
    for debtor_id in sorted(debtors):
        settle_installments(session=session, debtor_id=debtor_id)
        settle_promises(session=session, debtor_id=debtor_id)
    for promise in _overdue_promises(session, cutoff):
        promise.status = "broken"
        result.promises_broken.append(promise.id)
        record_event(
            session=session,
            actor="system",
            action="promise_broken",
            debtor_id=promise.debtor_id,
            conversation_id=promise.conversation_id,
            detail={
                "promise_id": promise.id,
                "amount": str(promise.amount),
                "date": promise.date.isoformat(),
            },
        )
    for installment in _overdue_installments(session, cutoff):
        installment.status = "broken"
        plan = installment.plan
        result.installments_broken.append(installment.id)
        record_event(
            session=session,
            actor="system",
            action="installment_missed",
            debtor_id=plan.debtor_id,
            conversation_id=plan.conversation_id,
            detail={
                "plan_id": plan.id,
                "installment_id": installment.id,
                "sequence": installment.sequence,
                "amount": str(installment.amount),
                "due_date": installment.due_date.isoformat(),
            },
        )
        if plan.status == "active":
            plan.status = "broken"
            result.plans_broken.append(plan.id)
            record_event(
                session=session,
                actor="system",
                action="plan_broken",
                debtor_id=plan.debtor_id,
                conversation_id=plan.conversation_id,
                detail={"plan_id": plan.id, "missed_installment_id": installment.id},
            )
    session.flush()
    return result


def creditor_today(policy: Policy, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the creditor is (handoff.timezone)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(policy.handoff.timezone)).date()


def take_round(*, session: Session) -> bool:
    """Whether this instance may run a round now. On PostgreSQL a transaction-level
    advisory lock: while one instance's round runs, another's skips (the next round finds
    the work done: mark_broken is idempotent). SQLite lets one writer at a time anyway."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(ROUND_LOCK))))


def run_once(factory: sessionmaker[Session], policy: Policy) -> FollowupResult:
    with session_scope(factory) as session:
        if not take_round(session=session):
            log.info("another instance runs this round")
            return FollowupResult()
        return mark_broken(
            session=session, today=creditor_today(policy), grace_days=policy.followup.grace_days
        )


class _Stop:
    """Set by SIGTERM or SIGINT: the loop ends after the current round."""

    def __init__(self) -> None:
        self.event = threading.Event()
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        self.event.set()


def run_rounds(
    factory: sessionmaker[Session], policy: Policy, *, once: bool, interval: float
) -> int:
    """A round every `interval` seconds until SIGTERM or Ctrl-C, or one round (`once`).
    Returns the exit status: 1 when the one round failed on the database, else 0."""
    stop = None if once else _Stop()
    while True:
        try:
            log.info("%s", run_once(factory, policy))
        except SQLAlchemyError as exc:
            # the database may be down for a moment: try again next round
            log.error("round failed: %s", exc)
            if once:
                return 1
        if stop is None or stop.event.wait(interval):
            return 0
