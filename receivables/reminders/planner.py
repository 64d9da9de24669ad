"""What is due on day D: the reminder plans applied to the facts of the day. Pure: the
scheduler (and the console's preview, and the 60-day simulation) pass everything in,
time included, and get the steps to send and the steps held back with the reason.

Rules, in the order they apply:
- a debtor with an open plan or promise follows its installments instead of the invoice
  steps: a reminder `before_days` before each, a message `missed_after_days` after a missed
  one;
- a disputed invoice (on hold), a debtor in a handoff, a debtor who opted out and a debtor
  or step a credit manager paused get nothing (held, with the reason);
- a step goes out on the first sending day (`send_days`, no public holiday) on or after its
  day; one missed (scheduler down, the cap) still goes out up to `catch_up_days` late unless
  a later step of the same invoice is due; each key once;
- never in quiet hours; at most `max_per_week` messages to one debtor in any 7 days;
- the channel: the debtor's stated preference, else the channel they last answered on, else
  the step's default, else any channel that reaches them (e-mail, SMS), each only when the
  debtor can be reached there and the channel is on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from receivables.common.language import DEFAULT_LANGUAGE
from receivables.policy.limits import handoff_level
from receivables.policy.model import (
    Policy,
    ReminderPlan,
    ReminderSettings,
    ReminderStep,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALL = "call"
MESSAGE_CHANNELS = ("email", "sms", "whatsapp", "telegram")
FALLBACK_CHANNELS = ("email", "sms", "whatsapp", "telegram")
ARRANGEMENT_PLAN = "arrangement"

STATED, LAST_ANSWERED, STEP_DEFAULT, FALLBACK = (
    "stated preference",
    "last answered",
    "step default",
    "fallback",
)


@dataclass(frozen=True)
class InvoiceFacts:
    id: int
    debtor_id: int
    number: str
    due_date: dt.date
    open_amount: Decimal
    # on hold after a dispute
    on_hold: bool = False


@dataclass(frozen=True)
class ArrangementFacts:
    """An installment of an active plan, or a promise to pay."""

    kind: Literal["installment", "promise"]
    id: int
    debtor_id: int
    due_date: dt.date
    amount: Decimal
    paid: bool = False


@dataclass(frozen=True)
class DebtorFacts:
    id: int
    language: str = DEFAULT_LANGUAGE
    group: str | None = None
    balance: Decimal = Decimal("0")
    stated_channel: str | None = None
    last_channel: str | None = None
    # the channels with an address for this debtor (e-mail, phone, a Telegram chat)
    reachable: frozenset[str] = frozenset()
    in_handoff: bool = False
    opted_out: bool = False
    # an active plan or an open promise: its installments replace the invoice steps
    has_arrangement: bool = False


@dataclass(frozen=True)
class Pauses:
    debtors: frozenset[int] = frozenset()
    # (plan, step)
    steps: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Calendar:
    send_days: frozenset[str]
    holidays: Container[dt.date]
    quiet_start: dt.time
    quiet_end: dt.time

    @classmethod
    def of(cls, rules: ReminderSettings, holidays: Container[dt.date]) -> Calendar:
        return cls(
            frozenset(rules.send_days),
            holidays,
            rules.quiet_hours.start,
            rules.quiet_hours.end,
        )

    def is_send_day(self, day: dt.date) -> bool:
        return WEEKDAYS[day.weekday()] in self.send_days and day not in self.holidays

    def on_or_after(self, day: dt.date) -> dt.date:
        for offset in range(15):
            candidate = day + dt.timedelta(days=offset)
            if self.is_send_day(candidate):
                return candidate
        raise ValueError("no sending day within two weeks")

    def on_or_before(self, day: dt.date) -> dt.date:
        for offset in range(15):
            candidate = day - dt.timedelta(days=offset)
            if self.is_send_day(candidate):
                return candidate
        raise ValueError("no sending day within two weeks")

    def is_quiet(self, moment: dt.time) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start <= end:
            return start <= moment < end
        return moment >= start or moment < end


@dataclass(frozen=True)
class Due:
    """One step to send (or a call task to make) today."""

    key: str
    debtor_id: int
    plan: str
    step: str
    channel: str
    channel_reason: str
    tone: str
    text_key: str
    amount: Decimal
    due_date: dt.date
    planned_for: dt.date
    language: str = DEFAULT_LANGUAGE
    invoice_id: int | None = None
    number: str | None = None
    installment_id: int | None = None
    promise_id: int | None = None
    # call tasks: junior | senior
    level: str | None = None

    @property
    def is_call(self) -> bool:
        return self.channel == CALL


@dataclass(frozen=True)
class Held:
    due: Due
    reason: str


@dataclass
class DayPlan:
    day: dt.date
    due: list[Due] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    # why nothing goes out at all (quiet hours, no sending day), or None
    closed: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A step whose day has come, before the exclusions and the cap."""

    key: str
    debtor_id: int
    plan: str
    step: ReminderStep | None
    default_channel: str
    tone: str
    text_key: str
    amount: Decimal
    due_date: dt.date
    planned_for: dt.date
    invoice: InvoiceFacts | None = None
    arrangement: ArrangementFacts | None = None


def plan_for(rules: ReminderSettings, *, group: str | None, amount: Decimal) -> ReminderPlan | None:
    """The first plan for this profile group and amount, or None."""
    for plan in rules.plans:
        if plan.groups and (group or "no_information") not in plan.groups:
            continue
        if plan.up_to is not None and amount > plan.up_to:
            continue
        return plan
    return None


def invoice_key(invoice_id: int, step: str) -> str:
    return f"invoice:{invoice_id}:{step}"


def _invoice_candidate(
    invoice: InvoiceFacts,
    plan: ReminderPlan,
    *,
    day: dt.date,
    calendar: Calendar,
    catch_up: int,
    sent: Container[str],
) -> Candidate | None:
    """The latest step of the plan whose sending day has come, unless sent or too late."""
    latest: tuple[ReminderStep, dt.date] | None = None
    for step in plan.steps:
        send_on = calendar.on_or_after(invoice.due_date + dt.timedelta(days=step.day))
        if send_on <= day:
            latest = (step, send_on)
    if latest is None:
        return None
    step, send_on = latest
    key = invoice_key(invoice.id, step.name)
    if key in sent or (day - send_on).days > catch_up:
        return None
    return Candidate(
        key=key,
        debtor_id=invoice.debtor_id,
        plan=plan.name,
        step=step,
        default_channel=step.channel,
        tone=step.tone,
        text_key=step.text,
        amount=invoice.open_amount,
        due_date=invoice.due_date,
        planned_for=send_on,
        invoice=invoice,
    )


def _arrangement_candidate(
    item: ArrangementFacts,
    rules: ReminderSettings,
    *,
    day: dt.date,
    calendar: Calendar,
    sent: Container[str],
) -> Candidate | None:
    arrangement = rules.arrangements
    if item.paid:
        return None
    before = calendar.on_or_before(item.due_date - dt.timedelta(days=arrangement.before_days))
    missed = calendar.on_or_after(item.due_date + dt.timedelta(days=arrangement.missed_after_days))
    if missed <= day:
        step, send_on, text_key = "missed", missed, arrangement.missed_text
    elif before <= day <= item.due_date:
        step, send_on, text_key = "before", before, arrangement.before_text
    else:
        return None
    key = f"{item.kind}:{item.id}:{step}"
    if key in sent or (day - send_on).days > rules.catch_up_days:
        return None
    return Candidate(
        key=key,
        debtor_id=item.debtor_id,
        plan=ARRANGEMENT_PLAN,
        step=None,
        default_channel=arrangement.channel,
        tone="friendly" if step == "before" else "neutral",
        text_key=text_key,
        amount=item.amount,
        due_date=item.due_date,
        planned_for=send_on,
        arrangement=item,
    )


def choose_channel(
    debtor: DebtorFacts,
    default: str,
    channels_on: Iterable[str],
    *,
    text_key: str | None = None,
    whatsapp_texts: Container[str] | None = None,
) -> tuple[str, str] | None:
    """The channel and the reason: stated preference, last answered, the step's default,
    a fallback; each only where the debtor can be reached and the channel is on (WhatsApp
    only for a text with an approved template, when `whatsapp_texts` says which)."""
    usable = debtor.reachable & frozenset(channels_on)
    if whatsapp_texts is not None and text_key not in whatsapp_texts:
        usable -= {"whatsapp"}
    choices = [
        (debtor.stated_channel, STATED),
        (debtor.last_channel, LAST_ANSWERED),
        (default, STEP_DEFAULT),
        *((name, FALLBACK) for name in FALLBACK_CHANNELS),
    ]
    for channel, reason in choices:
        if channel and channel in usable:
            return channel, reason
    return None


def _exclusion(candidate: Candidate, debtor: DebtorFacts, pauses: Pauses) -> str | None:
    if candidate.invoice is not None and candidate.invoice.on_hold:
        return "disputed"
    if debtor.in_handoff:
        return "in a handoff"
    if debtor.opted_out:
        return "opted out"
    if debtor.id in pauses.debtors:
        return "debtor paused"
    step = candidate.step.name if candidate.step else candidate.key.rsplit(":", 1)[1]
    if (candidate.plan, step) in pauses.steps:
        return "step paused"
    return None


def _due(
    candidate: Candidate, debtor: DebtorFacts, channel: tuple[str, str], policy: Policy
) -> Due:
    invoice, item = candidate.invoice, candidate.arrangement
    is_call = channel[0] == CALL
    return Due(
        key=candidate.key,
        debtor_id=debtor.id,
        plan=candidate.plan,
        step=candidate.step.name if candidate.step else candidate.key.rsplit(":", 1)[1],
        channel=channel[0],
        channel_reason=channel[1],
        tone=candidate.tone,
        text_key=candidate.text_key,
        amount=candidate.amount,
        due_date=candidate.due_date,
        planned_for=candidate.planned_for,
        language=debtor.language,
        invoice_id=invoice.id if invoice else None,
        number=invoice.number if invoice else None,
        installment_id=item.id if item and item.kind == "installment" else None,
        promise_id=item.id if item and item.kind == "promise" else None,
        level=handoff_level(debtor.balance, policy, profile=debtor.group) if is_call else None,
    )


def plan_day(
    *,
    policy: Policy,
    calendar: Calendar,
    day: dt.date,
    at: dt.time | None,
    debtors: Mapping[int, DebtorFacts],
    invoices: Iterable[InvoiceFacts],
    arrangements: Iterable[ArrangementFacts] = (),
    pauses: Pauses = Pauses(),
    sent: Container[str] = frozenset(),
    recent_messages: Mapping[int, int] | None = None,
    channels_on: Iterable[str] = MESSAGE_CHANNELS,
    whatsapp_texts: Container[str] | None = None,
) -> DayPlan:
    """What goes out on `day` at local time `at` (None: the whole day, for a preview).
    `recent_messages`: messages each debtor got in the 7 days up to `day` (for the cap);
    `whatsapp_texts`: the texts with an approved WhatsApp template (None: any)."""
    rules = policy.reminders
    result = DayPlan(day)
    if not rules.enabled:
        result.closed = "reminders disabled"
        return result
    if not calendar.is_send_day(day):
        result.closed = "no sending day (weekend or public holiday)"
        return result
    if at is not None and calendar.is_quiet(at):
        result.closed = "quiet hours"
        return result
    on = frozenset(channels_on)
    candidates: list[Candidate] = []
    for invoice in invoices:
        debtor = debtors.get(invoice.debtor_id)
        if debtor is None or debtor.has_arrangement or invoice.open_amount <= 0:
            continue
        plan = plan_for(rules, group=debtor.group, amount=invoice.open_amount)
        if plan is not None:
            found = _invoice_candidate(
                invoice,
                plan,
                day=day,
                calendar=calendar,
                catch_up=rules.catch_up_days,
                sent=sent,
            )
            candidates += [found] if found else []
    for item in arrangements:
        found = _arrangement_candidate(item, rules, day=day, calendar=calendar, sent=sent)
        candidates += [found] if found else []
    counts = dict(recent_messages or {})
    for candidate in sorted(candidates, key=lambda c: (c.debtor_id, c.due_date, c.key)):
        debtor = debtors[candidate.debtor_id]
        if candidate.default_channel == CALL:
            channel: tuple[str, str] | None = (CALL, STEP_DEFAULT)
        else:
            channel = choose_channel(
                debtor,
                candidate.default_channel,
                on,
                text_key=candidate.text_key,
                whatsapp_texts=whatsapp_texts,
            )
        due = _due(candidate, debtor, channel or ("none", "unreachable"), policy)
        reason = _exclusion(candidate, debtor, pauses)
        if reason is None and channel is None:
            reason = "no channel reaches the debtor"
        if reason is None and not due.is_call:
            if counts.get(debtor.id, 0) >= rules.max_per_week:
                reason = "frequency cap"
            else:
                counts[debtor.id] = counts.get(debtor.id, 0) + 1
        if reason is None:
            result.due.append(due)
        else:
            result.held.append(Held(due, reason))
    return result
