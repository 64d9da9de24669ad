"""The credit manager's figures over a period, compared with the period before: DSO and its
trend by week, ageing, payments by way of paying, what the assistant resolves, arrangements,
disputes, and the portfolio by profile. Each figure is a handful of aggregate queries (sums
and counts grouped in the database), so a large book answers in well under a second on
PostgreSQL; the arithmetic is in receivables.reports.figures."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from receivables.common.money import to_money
from receivables.models import (
    AuditEvent,
    Conversation,
    CreditNote,
    Debtor,
    Handoff,
    Invoice,
    Payment,
    PaymentAllocation,
    PaymentLink,
    PaymentPlan,
    Promise,
)
from receivables.reminders.models import ReminderSend
from receivables.reports.figures import (
    AGEING_BUCKETS,
    Period,
    change,
    dso,
    median_hours,
    share,
    trailing,
)

ZERO = Decimal("0.00")
FIGURES = ("dso", "ageing", "payments", "assistant", "arrangements", "reminders", "portfolio")


@dataclass(frozen=True)
class _Daily:
    """A running total by day: what was added on or before a day, found by bisection."""

    days: list[dt.date]
    totals: list[Decimal]

    def upto(self, day: dt.date) -> Decimal:
        index = bisect_right(self.days, day)
        return self.totals[index - 1] if index else ZERO

    def between(self, period: Period) -> Decimal:
        return self.upto(period.end) - self.upto(period.start - dt.timedelta(days=1))


def _daily(rows: Any) -> _Daily:
    pairs = sorted((_as_date(day), to_money(amount or 0)) for day, amount in rows if day)
    return _Daily([d for d, _ in pairs], list(accumulate((a for _, a in pairs), initial=ZERO))[1:])


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class _Ledger:
    """Invoiced, paid and credited per day: enough for receivables at any moment and
    credit sales over any period, in three queries."""

    def __init__(self, session: Session) -> None:
        self.invoiced = _daily(
            session.execute(
                select(Invoice.issue_date, func.sum(Invoice.amount))
                .where(Invoice.status != "canceled")
                .group_by(Invoice.issue_date)
            )
        )
        # the day a payment came in (a string on SQLite, a date on PostgreSQL: _as_date reads both)
        paid_day = func.date(Payment.received_at)
        self.paid = _daily(
            session.execute(
                select(paid_day, func.sum(Payment.amount - Payment.reversed_amount)).group_by(
                    paid_day
                )
            )
        )
        self.credited = _daily(
            session.execute(
                select(CreditNote.issue_date, func.sum(CreditNote.amount)).group_by(
                    CreditNote.issue_date
                )
            )
        )

    def receivables(self, day: dt.date) -> Decimal:
        """What was owed at the end of `day`."""
        return self.invoiced.upto(day) - self.paid.upto(day) - self.credited.upto(day)

    def dso(self, period: Period) -> Decimal | None:
        return dso(self.receivables(period.end), self.invoiced.between(period), period.days)


def dso_figures(*, session: Session, period: Period) -> dict[str, Any]:
    ledger = _Ledger(session)
    previous = period.previous()
    now, before = ledger.dso(period), ledger.dso(previous)
    return {
        "method": "receivables at the end of the period / credit sales in the period x days",
        "dso": now,
        "previous": before,
        "change": change(now, before),
        "receivables": ledger.receivables(period.end),
        "credit_sales": ledger.invoiced.between(period),
        # each week's DSO over the 30 days ending that week, so a quiet week has one too
        "weeks": [
            {
                "start": w.start,
                "end": w.end,
                "dso": ledger.dso(trailing(w.end)),
                "receivables": ledger.receivables(w.end),
            }
            for w in period.weeks()
        ],
    }


def _open_amounts() -> Any:
    """Per open invoice: its due date, debtor and open amount (a subquery)."""
    paid = (
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount).label("paid"))
        .group_by(PaymentAllocation.invoice_id)
        .subquery()
    )
    credited = (
        select(CreditNote.invoice_id, func.sum(CreditNote.amount).label("credited"))
        .group_by(CreditNote.invoice_id)
        .subquery()
    )
    open_amount = (
        Invoice.amount - func.coalesce(paid.c.paid, 0) - func.coalesce(credited.c.credited, 0)
    )
    return (
        select(
            Invoice.debtor_id.label("debtor_id"),
            Invoice.due_date.label("due_date"),
            open_amount.label("open_amount"),
        )
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .outerjoin(credited, credited.c.invoice_id == Invoice.id)
        .where(Invoice.status != "canceled", open_amount > 0)
        .subquery()
    )


def ageing(*, session: Session, today: dt.date) -> dict[str, Any]:
    """What is open now, by days past the due date: amount and count per bucket."""
    items = _open_amounts()
    late = [today - dt.timedelta(days=n) for n in (0, 30, 60, 90)]
    bucket = case(
        (items.c.due_date >= late[0], "not_due"),
        (items.c.due_date >= late[1], "1-30"),
        (items.c.due_date >= late[2], "31-60"),
        (items.c.due_date >= late[3], "61-90"),
        else_="90+",
    )
    rows = session.execute(
        select(bucket.label("bucket"), func.sum(items.c.open_amount), func.count()).group_by(bucket)
    )
    found = {name: (to_money(amount or 0), count) for name, amount, count in rows}
    return {
        "as_of": today,
        "buckets": [
            {
                "bucket": name,
                "amount": found.get(name, (ZERO, 0))[0],
                "count": found.get(name, (ZERO, 0))[1],
            }
            for name in AGEING_BUCKETS
        ],
    }


def payments(*, session: Session, period: Period) -> dict[str, Any]:
    """Payments received in the period by way of paying (method, and the channel of the
    conversation its link was sent in; "bank" for transfers), and the median time from the
    debtor's first contact with the assistant to the payment."""
    channel = func.coalesce(Conversation.channel, "bank")
    in_period = and_(Payment.received_at >= period.start_at, Payment.received_at < period.end_at)
    rows = session.execute(
        select(Payment.method, channel, func.count(Payment.id), func.sum(Payment.amount))
        .outerjoin(PaymentLink, PaymentLink.payment_id == Payment.id)
        .outerjoin(Conversation, Conversation.id == PaymentLink.conversation_id)
        .where(in_period)
        .group_by(Payment.method, channel)
        .order_by(Payment.method, channel)
    )
    ways: list[dict[str, Any]] = [
        {"method": method, "channel": ch, "count": count, "amount": to_money(amount or 0)}
        for method, ch, count, amount in rows
    ]
    first_contact = (
        select(Conversation.debtor_id, func.min(Conversation.created_at).label("first"))
        .where(Conversation.debtor_id.is_not(None))
        .group_by(Conversation.debtor_id)
        .subquery()
    )
    pairs = session.execute(
        select(first_contact.c.first, Payment.received_at)
        .join(first_contact, first_contact.c.debtor_id == Payment.debtor_id)
        .where(in_period, first_contact.c.first <= Payment.received_at)
    )
    waits = [_aware(paid) - _aware(first) for first, paid in pairs]
    return {
        "by_way": ways,
        "count": sum(w["count"] for w in ways),
        "amount": to_money(sum((Decimal(w["amount"]) for w in ways), ZERO)),
        "median_hours_from_first_contact": median_hours(waits),
    }


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def assistant(*, session: Session, period: Period) -> dict[str, Any]:
    """Conversations begun in the period and the share the assistant resolved without a
    person (no handoff), handoffs by reason and level, the median time to claim, failed
    verifications and the conversations they locked."""
    started = and_(
        Conversation.created_at >= period.start_at, Conversation.created_at < period.end_at
    )
    conversations = session.scalar(select(func.count(Conversation.id)).where(started)) or 0
    handed = (
        session.scalar(
            select(func.count(func.distinct(Handoff.conversation_id)))
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .where(started)
        )
        or 0
    )
    made = and_(Handoff.created_at >= period.start_at, Handoff.created_at < period.end_at)
    by = session.execute(
        select(Handoff.reason, Handoff.level, func.count(Handoff.id))
        .where(made)
        .group_by(Handoff.reason, Handoff.level)
        .order_by(Handoff.reason, Handoff.level)
    )
    claims = session.execute(
        select(Handoff.created_at, Handoff.claimed_at).where(made, Handoff.claimed_at.is_not(None))
    )
    failures = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "verification_failed",
            AuditEvent.at >= period.start_at,
            AuditEvent.at < period.end_at,
        )
    )
    locks = session.scalar(
        select(func.count(Handoff.id)).where(made, Handoff.reason == "verification_failed")
    )
    return {
        "conversations": conversations,
        "resolved_without_person": conversations - handed,
        "containment": share(conversations - handed, conversations),
        "handoffs": [{"reason": r, "level": lv, "count": n} for r, lv, n in by],
        "median_hours_to_claim": median_hours(
            [_aware(claimed) - _aware(created) for created, claimed in claims if claimed]
        ),
        "verification_failures": failures or 0,
        "verification_locks": locks or 0,
    }


def arrangements(*, session: Session, period: Period) -> dict[str, Any]:
    """Plans and promises made in the period and where they stand now; disputes opened and
    resolved in the period, and open now."""
    plans = dict(
        session.execute(
            select(PaymentPlan.status, func.count(PaymentPlan.id))
            .where(
                PaymentPlan.created_at >= period.start_at, PaymentPlan.created_at < period.end_at
            )
            .group_by(PaymentPlan.status)
        ).all()
    )
    promises = dict(
        session.execute(
            select(Promise.status, func.count(Promise.id))
            .where(Promise.created_at >= period.start_at, Promise.created_at < period.end_at)
            .group_by(Promise.status)
        ).all()
    )
    events = dict(
        session.execute(
            select(AuditEvent.action, func.count(AuditEvent.id))
            .where(
                AuditEvent.action.in_(("invoice_on_hold", "invoice_hold_released")),
                AuditEvent.at >= period.start_at,
                AuditEvent.at < period.end_at,
            )
            .group_by(AuditEvent.action)
        ).all()
    )
    accepted = session.scalar(
        select(func.count(Handoff.id)).where(
            Handoff.outcome == "dispute_accepted",
            Handoff.resolved_at >= period.start_at,
            Handoff.resolved_at < period.end_at,
        )
    )
    on_hold = session.scalar(select(func.count(Invoice.id)).where(Invoice.status == "on_hold"))
    return {
        "plans": {
            "agreed": sum(plans.values()),
            "on_track": plans.get("active", 0),
            "completed": plans.get("completed", 0),
            "broken": plans.get("broken", 0),
        },
        "promises": {
            "made": sum(promises.values()),
            "open": promises.get("open", 0),
            "kept": promises.get("kept", 0),
            "broken": promises.get("broken", 0),
        },
        "disputes": {
            "opened": events.get("invoice_on_hold", 0),
            "resolved": events.get("invoice_hold_released", 0) + (accepted or 0),
            "open_now": on_hold or 0,
        },
    }


def reminders(*, session: Session, period: Period) -> dict[str, Any]:
    """Reminders sent in the period, per step, channel and the debtor's profile group, and
    the share that was paid, promised or disputed within the policy's outcome window (7 days):
    which communication works for whom."""
    group = func.coalesce(Debtor.profile_group, "unknown")
    rows = session.execute(
        select(
            ReminderSend.plan,
            ReminderSend.step,
            ReminderSend.channel,
            group,
            ReminderSend.outcome,
            func.count(ReminderSend.id),
        )
        .join(Debtor, Debtor.id == ReminderSend.debtor_id)
        .where(
            ReminderSend.status.in_(("sent", "task")),
            ReminderSend.sent_at >= period.start_at,
            ReminderSend.sent_at < period.end_at,
        )
        .group_by(
            ReminderSend.plan, ReminderSend.step, ReminderSend.channel, group, ReminderSend.outcome
        )
    )
    cells: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for plan, step, channel, profile, outcome, count in rows:
        cell = cells.setdefault((plan, step, channel, profile), {})
        cell[outcome or "none"] = cell.get(outcome or "none", 0) + count
    steps = []
    for (plan, step, channel, profile), cell in sorted(cells.items()):
        sent = sum(cell.values())
        steps.append(
            {
                "plan": plan,
                "step": step,
                "channel": channel,
                "group": profile,
                "sent": sent,
                **{name: cell.get(name, 0) for name in ("paid", "promised", "disputed")},
                **{
                    f"share_{name}": share(cell.get(name, 0), sent)
                    for name in ("paid", "promised", "disputed")
                },
            }
        )
    return {"steps": steps}


def portfolio(*, session: Session) -> dict[str, Any]:
    """Debtors and what they owe now, by profile group and risk."""
    items = _open_amounts()
    owed = (
        select(items.c.debtor_id, func.sum(items.c.open_amount).label("owed"))
        .group_by(items.c.debtor_id)
        .subquery()
    )
    group = func.coalesce(Debtor.profile_group, "unknown")
    risk = func.coalesce(Debtor.profile_risk, "unknown")
    rows = session.execute(
        select(group, risk, func.count(Debtor.id), func.sum(func.coalesce(owed.c.owed, 0)))
        .outerjoin(owed, owed.c.debtor_id == Debtor.id)
        .group_by(group, risk)
        .order_by(group, risk)
    )
    return {
        "groups": [
            {"group": g, "risk": r, "debtors": n, "owed": to_money(amount or 0)}
            for g, r, n, amount in rows
        ]
    }


def report(*, session: Session, name: str, period: Period, today: dt.date) -> dict[str, Any]:
    """One figure over the period, with the same figure for the period before where a
    comparison means something."""
    if name == "dso":
        return dso_figures(session=session, period=period)
    if name == "ageing":
        return ageing(session=session, today=today)
    if name == "portfolio":
        return portfolio(session=session)
    compute = {
        "payments": payments,
        "assistant": assistant,
        "arrangements": arrangements,
        "reminders": reminders,
    }[name]
    return {
        "current": compute(session=session, period=period),
        "previous": compute(session=session, period=period.previous()),
    }
