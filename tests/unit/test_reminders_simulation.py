"""Sixty simulated days over a generated portfolio of 1,000 debtors, with the policy's
reminder plans: the time is a parameter, nothing sleeps. Two scheduler instances run four
times a day (twice in quiet hours). Each step goes out once, on its day, never in quiet hours,
on a Sunday or a Dutch public holiday; disputes and handoffs pause, an opt-out stops, the
preferred channel is used, the frequency cap holds. The counts per channel and step are
printed (pytest -s)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from receivables.policy.model import Policy, load_policy
from receivables.reminders.calendars import PublicHolidays, calendar_for
from receivables.reminders.planner import (
    CALL,
    STATED,
    ArrangementFacts,
    DebtorFacts,
    Due,
    InvoiceFacts,
    Pauses,
    plan_day,
    plan_for,
)

START = dt.date(2026, 12, 1)
DAYS = 60
RUNS = (dt.time(7, 0), dt.time(10, 0), dt.time(15, 30), dt.time(21, 0))
GROUPS = ("willing_and_able", "unable", "unwilling", "information_available", "no_information")
CHANNELS = ("email", "sms", "whatsapp", "telegram")


@dataclass
class Life:
    """What happens to one debtor during the simulation (day numbers, None: never)."""

    debtor: DebtorFacts
    invoices: list[InvoiceFacts]
    installments: list[ArrangementFacts]
    disputes_on: int | None = None
    handoff_on: int | None = None
    opts_out_on: int | None = None
    pays_on: int | None = None


def portfolio(seed: int = 17, size: int = 1000) -> list[Life]:
    rng = random.Random(seed)
    lives = []
    for debtor_id in range(1, size + 1):
        reachable = frozenset(c for c in CHANNELS if rng.random() < 0.7) or frozenset({"email"})
        debtor = DebtorFacts(
            id=debtor_id,
            language=rng.choice(("nl", "nl", "en")),
            group=rng.choice(GROUPS),
            stated_channel=rng.choice((None, None, *CHANNELS)),
            last_channel=rng.choice((None, *CHANNELS)),
            reachable=reachable,
        )
        count = 2 if rng.random() < 0.1 else 1
        invoices = [
            InvoiceFacts(
                id=debtor_id * 10 + n,
                debtor_id=debtor_id,
                number=f"F-{debtor_id}-{n}",
                due_date=START + dt.timedelta(days=rng.randint(-3, 35)),
                open_amount=Decimal(rng.randint(1500, 600000)) / 100,
            )
            for n in range(count)
        ]
        installments = []
        if rng.random() < 0.05:
            debtor = replace(debtor, has_arrangement=True)
            first = START + dt.timedelta(days=rng.randint(3, 20))
            installments = [
                ArrangementFacts(
                    "installment",
                    debtor_id * 10 + n,
                    debtor_id,
                    first + dt.timedelta(days=30 * n),
                    Decimal("50.00"),
                )
                for n in range(2)
            ]
        debtor = replace(
            debtor,
            balance=sum((i.open_amount for i in invoices), Decimal("0")),
        )

        def some_day(share: float) -> int | None:
            return rng.randint(0, DAYS - 1) if rng.random() < share else None

        lives.append(
            Life(
                debtor,
                invoices,
                installments,
                disputes_on=some_day(0.05),
                handoff_on=some_day(0.05),
                opts_out_on=some_day(0.05),
                pays_on=some_day(0.2),
            )
        )
    return lives


def state_on(life: Life, number: int) -> tuple[DebtorFacts, list[InvoiceFacts]]:
    """The debtor and their invoices as the database would show them on day `number`."""

    def happened(on: int | None) -> bool:
        return on is not None and on <= number

    debtor = replace(
        life.debtor, in_handoff=happened(life.handoff_on), opted_out=happened(life.opts_out_on)
    )
    invoices = [
        replace(i, on_hold=happened(life.disputes_on))
        for i in life.invoices
        if not happened(life.pays_on)
    ]
    return debtor, invoices


@dataclass(frozen=True)
class Sent:
    due: Due
    day: dt.date
    at: dt.time


def simulate(policy: Policy, lives: list[Life]) -> dict[str, Sent]:
    calendar = calendar_for(policy.reminders)
    sent: dict[str, Sent] = {}
    for number in range(DAYS):
        day = START + dt.timedelta(days=number)
        states = [state_on(life, number) for life in lives]
        debtors = {d.id: d for d, _ in states}
        invoices = [i for _, inv in states for i in inv]
        installments = [i for life in lives for i in life.installments]
        for at in RUNS:
            for _instance in range(2):
                recent = Counter(
                    s.due.debtor_id
                    for s in sent.values()
                    if not s.due.is_call and 0 <= (day - s.day).days < 7
                )
                plan = plan_day(
                    policy=policy,
                    calendar=calendar,
                    day=day,
                    at=at,
                    debtors=debtors,
                    invoices=invoices,
                    arrangements=installments,
                    pauses=Pauses(),
                    sent=frozenset(sent),
                    recent_messages=recent,
                )
                for due in plan.due:
                    assert due.key not in sent, f"{due.key} twice"
                    sent[due.key] = Sent(due, day, at)
    return sent


def test_sixty_days_over_a_thousand_debtors() -> None:
    policy = load_policy()
    lives = portfolio()
    by_id = {life.debtor.id: life for life in lives}
    calendar = calendar_for(policy.reminders)
    holidays = PublicHolidays("NL")
    sent = simulate(policy, lives)
    assert len(sent) > 2000

    for item in sent.values():
        due, life = item.due, by_id[item.due.debtor_id]
        number = (item.day - START).days
        # never in quiet hours, on a Sunday or a public holiday
        assert not calendar.is_quiet(item.at)
        assert item.day.weekday() != 6 and item.day not in holidays
        # on the right day (the holidays moved it; late only when the cap held it back)
        if due.planned_for != item.day:
            assert 0 < (item.day - due.planned_for).days <= policy.reminders.catch_up_days
        # paused for disputes and handoffs, stopped after an opt-out, nothing after paying
        for on in (life.handoff_on, life.opts_out_on):
            assert on is None or number < on
        if due.invoice_id is not None:
            for on in (life.disputes_on, life.pays_on):
                assert on is None or number < on
        # through the stated channel whenever it reaches the debtor
        debtor = life.debtor
        if not due.is_call and debtor.stated_channel in debtor.reachable:
            assert (due.channel, due.channel_reason) == (debtor.stated_channel, STATED)
        if due.is_call:
            assert due.level in ("junior", "senior")

    # the frequency cap: at most max_per_week messages to a debtor in any 7 days
    days_of: dict[int, list[dt.date]] = {}
    for item in sent.values():
        if not item.due.is_call:
            days_of.setdefault(item.due.debtor_id, []).append(item.day)
    cap = policy.reminders.max_per_week
    for days in days_of.values():
        for first in days:
            assert sum(0 <= (d - first).days < 7 for d in days) <= cap

    # every step of an undisturbed debtor with one invoice goes out, on its sending day
    end = START + dt.timedelta(days=DAYS - 1)
    checked = 0
    for life in lives:
        quiet_life = (
            len(life.invoices) == 1
            and not life.installments
            and (life.disputes_on, life.handoff_on, life.opts_out_on, life.pays_on)
            == (None, None, None, None)
            and life.debtor.reachable
        )
        if not quiet_life:
            continue
        invoice = life.invoices[0]
        plan = plan_for(policy.reminders, group=life.debtor.group, amount=invoice.open_amount)
        assert plan is not None
        # two steps moved onto the same sending day (a holiday): the later one goes out
        last_step_on = {
            calendar.on_or_after(invoice.due_date + dt.timedelta(days=step.day)): step
            for step in plan.steps
        }
        for on, step in last_step_on.items():
            if START <= on <= end:
                item = sent.get(f"invoice:{invoice.id}:{step.name}")
                assert item is not None, (invoice, step)
                assert item.day == on
                checked += 1
    assert checked > 1500

    # installments: two days before (a sending day), and the day after a missed one
    for life in lives:
        for installment in life.installments:
            before = sent.get(f"installment:{installment.id}:before")
            if before is not None:
                assert before.day <= installment.due_date - dt.timedelta(days=2)
            missed = sent.get(f"installment:{installment.id}:missed")
            if missed is not None:
                assert missed.day > installment.due_date

    counts = Counter((s.due.plan, s.due.step, s.due.channel) for s in sent.values())
    print(f"\n{len(sent)} sent over {DAYS} days to {len(lives)} debtors")
    print(f"{'plan':<12}{'step':<14}{'channel':<10}{'count':>6}")
    for (plan_name, step_name, channel), count in sorted(counts.items()):
        print(f"{plan_name:<12}{step_name:<14}{channel:<10}{count:>6}")
    per_channel = Counter(s.due.channel for s in sent.values())
    print("per channel:", dict(sorted(per_channel.items())))
    assert per_channel[CALL] > 0 and per_channel["email"] > 0 and per_channel["sms"] > 0


def test_the_policy_names_only_reminder_texts_and_they_exist_in_both_languages() -> None:
    from api.flows.reminders import STEP_TEXTS, unknown_texts
    from texts import text

    assert unknown_texts(load_policy()) == []
    for key in STEP_TEXTS:
        for language in ("nl", "en"):
            assert "{number}" not in text(
                key, language, creditor="C", number="F-1", amount="€ 1", due_date="1 mei", link="L"
            )
