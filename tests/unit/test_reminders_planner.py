"""The planner's rules one by one (pure): which plan, which channel and why, quiet hours,
holidays, installments, holds, the cap; and the policy's validation of the plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.policy.model import (
    DEFAULT_POLICY_FILE,
    PolicyError,
    ReminderSettings,
    load_policy,
)
from receivables.reminders.calendars import PublicHolidays, calendar_for
from receivables.reminders.planner import (
    FALLBACK,
    LAST_ANSWERED,
    STATED,
    STEP_DEFAULT,
    ArrangementFacts,
    DebtorFacts,
    InvoiceFacts,
    Pauses,
    choose_channel,
    plan_day,
    plan_for,
)

POLICY = load_policy()
CALENDAR = calendar_for(POLICY.reminders)
TEN = dt.time(10, 0)
ALL = frozenset({"email", "sms", "whatsapp", "telegram"})


def test_the_first_plan_for_the_group_and_amount_applies() -> None:
    rules = POLICY.reminders
    assert plan_for(rules, group="unable", amount=Decimal("9000")).name == "unable"  # type: ignore[union-attr]
    assert plan_for(rules, group="willing_and_able", amount=Decimal("250.00")).name == "small"  # type: ignore[union-attr]
    assert plan_for(rules, group=None, amount=Decimal("250.01")).name == "standard"  # type: ignore[union-attr]


def test_the_channel_and_why() -> None:
    debtor = DebtorFacts(1, stated_channel="sms", last_channel="telegram", reachable=ALL)
    assert choose_channel(debtor, "email", ALL) == ("sms", STATED)
    assert choose_channel(debtor, "email", ALL - {"sms"}) == ("telegram", LAST_ANSWERED)
    assert choose_channel(debtor, "email", {"email", "whatsapp"}) == ("email", STEP_DEFAULT)
    only_phone = DebtorFacts(2, reachable=frozenset({"sms", "whatsapp"}))
    assert choose_channel(only_phone, "email", ALL) == ("sms", FALLBACK)
    assert choose_channel(DebtorFacts(3), "email", ALL) is None
    # WhatsApp only for a text with an approved template
    on_whatsapp = DebtorFacts(
        4, stated_channel="whatsapp", reachable=frozenset({"whatsapp", "sms"})
    )
    templates = {"reminders.due_today"}
    assert choose_channel(
        on_whatsapp, "sms", ALL, text_key="reminders.due_today", whatsapp_texts=templates
    ) == ("whatsapp", STATED)
    assert choose_channel(
        on_whatsapp, "whatsapp", ALL, text_key="reminders.overdue", whatsapp_texts=templates
    ) == ("sms", FALLBACK)


def test_quiet_hours_span_midnight_and_holidays_are_dutch() -> None:
    assert CALENDAR.is_quiet(dt.time(20, 0)) and CALENDAR.is_quiet(dt.time(8, 59))
    assert not CALENDAR.is_quiet(dt.time(9, 0)) and not CALENDAR.is_quiet(dt.time(19, 59))
    holidays = PublicHolidays("NL")
    assert dt.date(2027, 4, 27) in holidays  # King's Day
    assert holidays.name(dt.date(2026, 12, 25)) == "Christmas Day"
    assert not CALENDAR.is_send_day(dt.date(2026, 12, 25))
    assert CALENDAR.on_or_after(dt.date(2026, 12, 25)) == dt.date(2026, 12, 28)  # past Sunday


def day_plan(day: dt.date, debtor: DebtorFacts, *invoices: InvoiceFacts, **extra: object):  # type: ignore[no-untyped-def]
    return plan_day(
        policy=POLICY,
        calendar=CALENDAR,
        day=day,
        at=TEN,
        debtors={debtor.id: debtor},
        invoices=invoices,
        **extra,  # type: ignore[arg-type]
    )


def test_steps_on_their_day_held_with_a_reason() -> None:
    day = dt.date(2026, 12, 1)
    debtor = DebtorFacts(1, group="willing_and_able", reachable=ALL)
    invoice = InvoiceFacts(10, 1, "F-10", day + dt.timedelta(days=5), Decimal("80.00"))
    [due] = day_plan(day, debtor, invoice).due
    assert (due.key, due.step, due.channel, due.channel_reason) == (
        "invoice:10:heads_up",
        "heads_up",
        "email",
        STEP_DEFAULT,
    )
    assert day_plan(day, debtor, invoice, sent=frozenset({due.key})).due == []
    assert day_plan(day, debtor, invoice).closed is None
    assert day_plan(dt.date(2026, 12, 6), debtor, invoice).closed  # a Sunday
    for held, reason in (
        (
            day_plan(day, debtor, InvoiceFacts(10, 1, "F-10", invoice.due_date, Decimal(80), True)),
            "disputed",
        ),
        (day_plan(day, DebtorFacts(1, reachable=ALL, in_handoff=True), invoice), "in a handoff"),
        (day_plan(day, DebtorFacts(1, reachable=ALL, opted_out=True), invoice), "opted out"),
        (day_plan(day, debtor, invoice, pauses=Pauses(debtors=frozenset({1}))), "debtor paused"),
        (
            day_plan(day, debtor, invoice, pauses=Pauses(steps=frozenset({("small", "heads_up")}))),
            "step paused",
        ),
        (day_plan(day, debtor, invoice, recent_messages={1: 3}), "frequency cap"),
    ):
        assert held.due == [] and [h.reason for h in held.held] == [reason]


def test_installments_instead_of_invoice_steps() -> None:
    due = dt.date(2026, 12, 10)  # a Thursday
    debtor = DebtorFacts(1, reachable=ALL, has_arrangement=True)
    invoice = InvoiceFacts(10, 1, "F-10", dt.date(2026, 12, 3), Decimal("80.00"))
    item = ArrangementFacts("installment", 5, 1, due, Decimal("40.00"))
    before = day_plan(dt.date(2026, 12, 8), debtor, invoice, arrangements=[item])
    assert [(d.key, d.channel) for d in before.due] == [("installment:5:before", "sms")]
    missed = day_plan(dt.date(2026, 12, 11), debtor, invoice, arrangements=[item])
    assert [d.key for d in missed.due] == ["installment:5:missed"]
    paid = ArrangementFacts("installment", 5, 1, due, Decimal("40.00"), paid=True)
    assert day_plan(dt.date(2026, 12, 11), debtor, invoice, arrangements=[paid]).due == []


def test_a_call_task_for_the_right_level() -> None:
    day = dt.date(2026, 12, 21)
    invoice = InvoiceFacts(10, 1, "F-10", dt.date(2026, 12, 1), Decimal("3000.00"))
    debtor = DebtorFacts(1, balance=Decimal("3000.00"), reachable=ALL)
    [call] = day_plan(day, debtor, invoice).due
    assert (call.channel, call.level) == ("call", "senior")
    small = DebtorFacts(1, balance=Decimal("600.00"), reachable=frozenset(), group="no_information")
    [call] = day_plan(
        day, small, InvoiceFacts(10, 1, "F-10", dt.date(2026, 12, 1), Decimal(600))
    ).due
    assert call.level == "junior"


def test_the_policy_rejects_plans_out_of_order(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="day order"):
        ReminderSettings.model_validate(
            {
                "plans": [
                    {
                        "name": "x",
                        "steps": [
                            {"name": "a", "day": 3, "text": "reminders.overdue"},
                            {"name": "b", "day": -5, "text": "reminders.heads_up"},
                        ],
                    }
                ]
            }
        )
    bad = tmp_path / "policy.yml"
    source = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    bad.write_text(
        source.replace("channel: email, tone: friendly", "channel: fax, tone: friendly", 1)
    )
    with pytest.raises(PolicyError, match=r"reminders\.plans"):
        load_policy(bad)
