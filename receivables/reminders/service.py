"""The stored side of the reminders: the facts of a day for the planner, claiming a step
exactly once, opt-outs, pauses and outcomes."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Container
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import holidays as holiday_calendars
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
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
    utcnow,
)
from receivables.policy.model import ReminderSettings
from receivables.reminders.models import ReminderOptOut, ReminderPause, ReminderSend
from receivables.reminders.planner import (
    CALL,
    ArrangementFacts,
    Calendar,
    DebtorFacts,
    Due,
    InvoiceFacts,
    Pauses,
)

OPEN_INVOICE_STATUSES = ("open", "partially_paid", "on_hold")
OPEN_HANDOFF_STATUSES = ("waiting", "claimed")
STOP_WORDS = frozenset({"stop", "stopp", "afmelden", "unsubscribe", "stop alle"})


@cache
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holiday_calendars.country_holidays(country, years=year))


class PublicHolidays(Container[dt.date]):
    """The public holidays of one country, any year (the maintained `holidays` package)."""

    def __init__(self, country: str) -> None:
        self.country = country

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and day in _holidays(self.country, day.year)

    def name(self, day: dt.date) -> str | None:
        found = holiday_calendars.country_holidays(self.country, years=day.year).get(day)
        return str(found) if found else None


def calendar_for(rules: ReminderSettings) -> Calendar:
    return Calendar.of(rules, PublicHolidays(rules.holidays_country))


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


# --- exactly once -----------------------------------------------------------------------
def claim(*, session: Session, due: Due, day: dt.date) -> ReminderSend | None:
    """Record the step as being sent; None when another scheduler instance (or an earlier
    run) has it already. The unique key decides, on SQLite and PostgreSQL alike; the caller
    commits before sending, so a second instance never sends the same step."""
    send = ReminderSend(
        key=due.key,
        debtor_id=due.debtor_id,
        invoice_id=due.invoice_id,
        installment_id=due.installment_id,
        promise_id=due.promise_id,
        plan=due.plan,
        step=due.step,
        channel=due.channel,
        channel_reason=due.channel_reason,
        tone=due.tone,
        text_key=due.text_key,
        planned_for=day,
        status="sending",
        stop_token=secrets.token_urlsafe(24) if due.channel == "email" else None,
    )
    try:
        with session.begin_nested():
            session.add(send)
            session.flush()
    except IntegrityError:
        return None
    return send


def finish(
    *,
    session: Session,
    send_id: int,
    status: str,
    conversation_id: str | None = None,
    payment_link_id: int | None = None,
    error: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """The send's result: sent, failed or task."""
    send = session.get(ReminderSend, send_id)
    if send is None:
        return
    send.status = status
    send.conversation_id = conversation_id
    send.payment_link_id = payment_link_id
    send.error = error[:1000] if error else None
    send.sent_at = None if status == "failed" else (now or utcnow())
    record_event(
        session=session,
        actor="system",
        action="reminder_" + status,
        debtor_id=send.debtor_id,
        conversation_id=conversation_id,
        detail={"key": send.key, "channel": send.channel, "reason": send.channel_reason},
    )


def list_sends(
    *, session: Session, debtor_id: int | None = None, limit: int = 200
) -> list[ReminderSend]:
    query = select(ReminderSend).order_by(ReminderSend.id.desc()).limit(limit)
    if debtor_id is not None:
        query = query.where(ReminderSend.debtor_id == debtor_id)
    return list(session.scalars(query))


def reminder_for_conversation(*, session: Session, conversation_id: str) -> ReminderSend | None:
    """The last reminder sent into this conversation: what an answer is about."""
    return session.scalar(
        select(ReminderSend)
        .where(ReminderSend.conversation_id == conversation_id, ReminderSend.status == "sent")
        .order_by(ReminderSend.id.desc())
        .limit(1)
    )


def telegram_chat(*, session: Session, debtor_id: int) -> str | None:
    """The Telegram chat the debtor talked to the bot in (a bot may only write there)."""
    conversation_id = session.scalar(
        select(Conversation.id)
        .where(Conversation.debtor_id == debtor_id, Conversation.channel == "telegram")
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
    return conversation_id.partition(":")[2] if conversation_id else None


def reminder_context(*, session: Session, conversation_id: str) -> dict[str, str]:
    """What the last reminder in this conversation was about, for the bot's metadata (never
    shown before verification): {"reminder_invoice": "F-77", "reminder_step": "heads_up"}."""
    send = reminder_for_conversation(session=session, conversation_id=conversation_id)
    if send is None:
        return {}
    context = {"reminder_step": send.step}
    if send.invoice_id is not None:
        invoice = session.get(Invoice, send.invoice_id)
        if invoice is not None:
            context["reminder_invoice"] = invoice.number
    return context


# --- opt-outs ---------------------------------------------------------------------------
def is_stop_word(text: str) -> bool:
    """ "STOP", "stop.", "Afmelden": a request for no more reminders. Pure."""
    return text.strip().strip(".!").lower() in STOP_WORDS


def opt_out(*, session: Session, debtor_id: int, channel: str) -> bool:
    """Record the debtor's opt-out; False when it was there already."""
    if session.scalar(select(ReminderOptOut.id).where(ReminderOptOut.debtor_id == debtor_id)):
        return False
    try:
        with session.begin_nested():
            session.add(ReminderOptOut(debtor_id=debtor_id, channel=channel))
            session.flush()
    except IntegrityError:
        return False
    record_event(
        session=session,
        actor="debtor",
        action="reminders_opted_out",
        debtor_id=debtor_id,
        detail={"channel": channel},
    )
    return True


def debtors_at_address(*, session: Session, conversation_id: str) -> list[int]:
    """The debtors a conversation reaches: the one verified in it, the debtors reminded in
    it, and for a phone number the debtors with that number."""
    found = set(
        session.scalars(
            select(ReminderSend.debtor_id).where(ReminderSend.conversation_id == conversation_id)
        )
    )
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None and conversation.debtor_id is not None:
        found.add(conversation.debtor_id)
    channel, _, address = conversation_id.partition(":")
    if channel in ("sms", "whatsapp") and address:
        found |= set(session.scalars(select(Debtor.id).where(Debtor.phone == address)))
    return sorted(found)


def opt_out_conversation(*, session: Session, conversation_id: str, channel: str) -> list[int]:
    """ "STOP" in a conversation: every debtor it reaches opts out. The debtor ids."""
    debtor_ids = debtors_at_address(session=session, conversation_id=conversation_id)
    for debtor_id in debtor_ids:
        opt_out(session=session, debtor_id=debtor_id, channel=channel)
    return debtor_ids


def send_by_stop_token(*, session: Session, token: str) -> ReminderSend | None:
    return session.scalar(select(ReminderSend).where(ReminderSend.stop_token == token))


def is_opted_out(*, session: Session, debtor_id: int) -> bool:
    return bool(
        session.scalar(select(ReminderOptOut.id).where(ReminderOptOut.debtor_id == debtor_id))
    )


# --- pauses -----------------------------------------------------------------------------
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


# --- outcomes ---------------------------------------------------------------------------
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


def cancel_stale_sending(*, session: Session, before: dt.datetime) -> int:
    """Steps claimed but never finished (the instance died mid-send) are marked failed, so
    the console shows them; they are not sent again (at most once, until an outbox retries)."""
    result = session.execute(
        update(ReminderSend)
        .where(ReminderSend.status == "sending", ReminderSend.created_at < before)
        .values(status="failed", error="the scheduler stopped while sending")
    )
    return int(getattr(result, "rowcount", 0) or 0)
