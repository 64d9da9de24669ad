"""The day's facts for the planner (receivables.reminders.planner, pure): open invoices with
their open amounts, plans and promises, the debtors with how they can be reached, pauses,
the steps already sent and the messages of the last week, read in a handful of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.common.language import resolve_language
from receivables.common.money import to_money
from receivables.models import (
    Conversation,
    Debtor,
    Handoff,
    Installment,
    Invoice,
    PaymentAllocation,
    PaymentPlan,
    Promise,
)
from receivables.reminders.models import ReminderOptOut, ReminderSend
from receivables.reminders.pauses import active_pauses
from receivables.reminders.planner import (
    CALL,
    ArrangementFacts,
    DebtorFacts,
    InvoiceFacts,
    Pauses,
)

OPEN_INVOICE_STATUSES = ("open", "partially_paid", "on_hold")
OPEN_HANDOFF_STATUSES = ("waiting", "claimed")


@dataclass(frozen=True)
class DayFacts:
    debtors: dict[int, DebtorFacts]
    invoices: list[InvoiceFacts]
    arrangements: list[ArrangementFacts]
    pauses: Pauses
    sent: frozenset[str]
    recent_messages: dict[int, int]


def _open_invoices(session: Session) -> list[InvoiceFacts]:
    paid = dict(
        session.execute(
            select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount))
            .join(Invoice)
            .where(Invoice.status.in_(OPEN_INVOICE_STATUSES))
            .group_by(PaymentAllocation.invoice_id)
        ).all()
    )
    rows = session.execute(
        select(Invoice.id, Invoice.debtor_id, Invoice.number, Invoice.due_date)
        .add_columns(Invoice.amount, Invoice.status)
        .where(Invoice.status.in_(OPEN_INVOICE_STATUSES))
    )
    result = []
    for invoice_id, debtor_id, number, due_date, amount, status in rows:
        open_amount = to_money(amount) - to_money(paid.get(invoice_id) or Decimal("0"))
        if open_amount > 0:
            result.append(
                InvoiceFacts(
                    invoice_id, debtor_id, number, due_date, open_amount, status == "on_hold"
                )
            )
    return result


def _arrangements(session: Session) -> list[ArrangementFacts]:
    installments = session.execute(
        select(
            Installment.id,
            PaymentPlan.debtor_id,
            Installment.due_date,
            Installment.amount,
            Installment.status,
        )
        .join(PaymentPlan)
        .where(PaymentPlan.status == "active")
    )
    promises = session.execute(
        select(Promise.id, Promise.debtor_id, Promise.date, Promise.amount, Promise.status).where(
            Promise.status.in_(("open", "broken"))
        )
    )
    return [
        ArrangementFacts("installment", i, d, due, to_money(a), status == "paid")
        for i, d, due, a, status in installments
    ] + [ArrangementFacts("promise", i, d, due, to_money(a), False) for i, d, due, a, _ in promises]


def load_day_facts(*, session: Session, day: dt.date) -> DayFacts:
    """Everything the planner needs for `day`, in a handful of queries."""
    invoices = _open_invoices(session)
    arrangements = _arrangements(session)
    balances: dict[int, Decimal] = {}
    for invoice in invoices:
        if not invoice.on_hold:
            balances[invoice.debtor_id] = balances.get(invoice.debtor_id, Decimal("0")) + (
                invoice.open_amount
            )
    open_promises = set(session.scalars(select(Promise.debtor_id).where(Promise.status == "open")))
    arranged = {a.debtor_id for a in arrangements if a.kind == "installment"} | open_promises
    wanted = {i.debtor_id for i in invoices} | {a.debtor_id for a in arrangements}
    in_handoff = set(
        session.scalars(
            select(Handoff.debtor_id).where(
                Handoff.status.in_(OPEN_HANDOFF_STATUSES), Handoff.debtor_id.is_not(None)
            )
        )
    )
    opted_out = set(session.scalars(select(ReminderOptOut.debtor_id)))
    on_telegram = set(
        session.scalars(
            select(Conversation.debtor_id).where(
                Conversation.channel == "telegram", Conversation.debtor_id.is_not(None)
            )
        )
    )
    debtors: dict[int, DebtorFacts] = {}
    for row in session.execute(
        select(
            Debtor.id,
            Debtor.language,
            Debtor.profile_group,
            Debtor.stated_channel,
            Debtor.preferred_channel,
            Debtor.email,
            Debtor.phone,
        )
    ):
        if row.id not in wanted:
            continue
        reachable = {"email"} if row.email else set()
        reachable |= {"sms", "whatsapp"} if row.phone else set()
        reachable |= {"telegram"} if row.id in on_telegram else set()
        debtors[row.id] = DebtorFacts(
            id=row.id,
            language=resolve_language(row.language),
            group=row.profile_group,
            balance=to_money(balances.get(row.id, Decimal("0"))),
            stated_channel=row.stated_channel,
            last_channel=row.preferred_channel,
            reachable=frozenset(reachable),
            in_handoff=row.id in in_handoff,
            opted_out=row.id in opted_out,
            has_arrangement=row.id in arranged,
        )
    return DayFacts(
        debtors=debtors,
        invoices=invoices,
        arrangements=arrangements,
        pauses=active_pauses(session=session),
        sent=frozenset(session.scalars(select(ReminderSend.key))),
        recent_messages=recent_message_counts(session=session, day=day),
    )


def recent_message_counts(*, session: Session, day: dt.date) -> dict[int, int]:
    """Messages (not call tasks) per debtor planned in the 7 days up to and including `day`."""
    rows = session.execute(
        select(ReminderSend.debtor_id, func.count())
        .where(
            ReminderSend.channel != CALL,
            ReminderSend.status.in_(("sending", "sent")),
            ReminderSend.planned_for > day - dt.timedelta(days=7),
            ReminderSend.planned_for <= day,
        )
        .group_by(ReminderSend.debtor_id)
    )
    return {int(debtor_id): int(count) for debtor_id, count in rows.all()}
