"""What followed a reminder: paid, promised or disputed within the policy's
`reminders.outcome_days`, else "none"; and the table of outcomes per plan, step and channel
for the console."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.models import Handoff, Installment, Invoice, PaymentPlan, Promise
from receivables.reminders.models import ReminderSend


def _outcome(session: Session, send: ReminderSend, until: dt.datetime) -> str | None:
    """paid, promised or disputed between the send and `until`, or None."""
    since = send.sent_at or send.created_at
    if send.installment_id is not None:
        installment = session.get(Installment, send.installment_id)
        if installment and installment.paid_at and since <= installment.paid_at <= until:
            return "paid"
    if send.invoice_id is not None:
        invoice = session.get(Invoice, send.invoice_id)
        if invoice is not None and invoice.status == "paid":
            return "paid"
        if invoice is not None and invoice.status == "on_hold":
            return "disputed"
    if send.promise_id is not None:
        promise = session.get(Promise, send.promise_id)
        if promise is not None and promise.status == "kept":
            return "paid"
    promised = session.scalar(
        select(func.count())
        .select_from(Promise)
        .where(
            Promise.debtor_id == send.debtor_id,
            Promise.created_at >= since,
            Promise.created_at <= until,
        )
    )
    planned = session.scalar(
        select(func.count())
        .select_from(PaymentPlan)
        .where(
            PaymentPlan.debtor_id == send.debtor_id,
            PaymentPlan.created_at >= since,
            PaymentPlan.created_at <= until,
        )
    )
    if promised or planned:
        return "promised"
    disputed = session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.debtor_id == send.debtor_id,
            Handoff.reason == "dispute",
            Handoff.created_at >= since,
            Handoff.created_at <= until,
        )
    )
    return "disputed" if disputed else None


def record_outcomes(*, session: Session, now: dt.datetime, outcome_days: int) -> int:
    """For each step sent without an outcome yet: paid, promised or disputed within
    `outcome_days`; "none" once that time has passed. How many were settled."""
    window = dt.timedelta(days=outcome_days)
    pending = session.scalars(
        select(ReminderSend).where(
            ReminderSend.status.in_(("sent", "task")), ReminderSend.outcome.is_(None)
        )
    )
    settled = 0
    for send in pending:
        since = send.sent_at or send.created_at
        outcome = _outcome(session, send, min(now, since + window))
        if outcome is None and now - since < window:
            continue
        send.outcome, send.outcome_at = outcome or "none", now
        settled += 1
    session.flush()
    return settled


@dataclass(frozen=True)
class OutcomeRow:
    plan: str
    step: str
    channel: str
    sent: int
    paid: int
    promised: int
    disputed: int


def outcome_summary(*, session: Session) -> list[OutcomeRow]:
    """Per plan, step and channel: how many were sent and what followed (for the dashboard)."""
    rows = session.execute(
        select(ReminderSend.plan, ReminderSend.step, ReminderSend.channel, ReminderSend.outcome)
        .add_columns(func.count())
        .where(ReminderSend.status.in_(("sent", "task")))
        .group_by(ReminderSend.plan, ReminderSend.step, ReminderSend.channel, ReminderSend.outcome)
    )
    table: dict[tuple[str, str, str], dict[str, int]] = {}
    for plan, step, channel, outcome, count in rows:
        cell = table.setdefault((plan, step, channel), {})
        cell[outcome or "pending"] = cell.get(outcome or "pending", 0) + count
    return [
        OutcomeRow(
            plan,
            step,
            channel,
            sum(cell.values()),
            cell.get("paid", 0),
            cell.get("promised", 0),
            cell.get("disputed", 0),
        )
        for (plan, step, channel), cell in sorted(table.items())
    ]
