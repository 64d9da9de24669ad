"""Every figure of the dashboard computed twice on a generated book, on SQLite and
PostgreSQL: by the report code (aggregate queries) and by a plain calculation over the raw
rows in this test. They must agree."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
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
from receivables.reports.figures import Period
from receivables.reports.service import (
    ageing,
    arrangements,
    assistant,
    dso_figures,
    payments,
    portfolio,
)

TODAY = dt.date(2026, 11, 30)
PERIOD = Period(dt.date(2026, 11, 1), TODAY)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def build_book(session: Session, seed: int = 3) -> None:
    rng = random.Random(seed)
    groups = ["willing_and_able", "unable", "unwilling", None]
    for d in range(40):
        debtor = Debtor(
            reference=f"R-{seed}-{d}",
            name=f"Debtor {d}",
            profile_group=rng.choice(groups),
            profile_risk=rng.choice(["low", "medium", "high", None]),
        )
        session.add(debtor)
        session.flush()
        channel = rng.choice(["webchat", "whatsapp", "telegram"])
        conversation = None
        if rng.random() < 0.7:
            started = TODAY - dt.timedelta(days=rng.randint(0, 70))
            conversation = Conversation(
                id=f"c-{seed}-{d}", channel=channel, debtor_id=debtor.id, created_at=at(started, 9)
            )
            session.add(conversation)
            session.flush()
            if rng.random() < 0.4:
                created = at(started, 11)
                claimed = (
                    created + dt.timedelta(minutes=rng.randint(5, 600))
                    if rng.random() < 0.7
                    else None
                )
                session.add(
                    Handoff(
                        conversation_id=conversation.id,
                        debtor_id=debtor.id,
                        reason=rng.choice(["cannot_pay", "dispute", "verification_failed"]),
                        level=rng.choice(["junior", "senior"]),
                        created_at=created,
                        claimed_at=claimed,
                        status="claimed" if claimed else "waiting",
                    )
                )
            for _ in range(rng.randint(0, 2)):
                session.add(
                    AuditEvent(
                        actor="bot",
                        action="verification_failed",
                        debtor_id=debtor.id,
                        conversation_id=conversation.id,
                        at=at(started, 10),
                    )
                )
        invoices = []
        for i in range(rng.randint(1, 4)):
            issued = TODAY - dt.timedelta(days=rng.randint(0, 150))
            invoice = Invoice(
                debtor_id=debtor.id,
                number=f"F-{seed}-{d}-{i}",
                amount=Decimal(rng.randint(1000, 90000)) / 100,
                issue_date=issued,
                due_date=issued + dt.timedelta(days=30),
                status="canceled"
                if rng.random() < 0.05
                else ("on_hold" if rng.random() < 0.05 else "open"),
            )
            session.add(invoice)
            invoices.append(invoice)
        session.flush()
        for invoice in invoices:
            if rng.random() < 0.15:
                session.add(
                    CreditNote(
                        external_id=f"CN-{invoice.number}",
                        invoice_id=invoice.id,
                        amount=Decimal("5.00"),
                        issue_date=invoice.issue_date + dt.timedelta(days=3),
                    )
                )
            if rng.random() < 0.5 and invoice.status != "canceled":
                paid_on = invoice.issue_date + dt.timedelta(days=rng.randint(1, 60))
                if paid_on > TODAY:
                    continue
                amount = (invoice.amount / rng.choice([1, 2])).quantize(Decimal("0.01"))
                method = rng.choice(["ideal", "creditcard", "bank_transfer"])
                payment = Payment(
                    debtor_id=debtor.id,
                    amount=amount,
                    method=method,
                    received_at=at(paid_on, 14),
                    reversed_amount=Decimal("1.00") if rng.random() < 0.1 else Decimal("0.00"),
                )
                session.add(payment)
                session.flush()
                session.add(
                    PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount=amount)
                )
                if method != "bank_transfer" and conversation is not None:
                    session.add(
                        PaymentLink(
                            token=f"t-{payment.id}-{seed}",
                            debtor_id=debtor.id,
                            conversation_id=conversation.id,
                            target="balance",
                            amount=amount,
                            description="x",
                            provider="local",
                            status="paid",
                            expires_at=at(paid_on) + dt.timedelta(days=7),
                            payment_id=payment.id,
                        )
                    )
        if rng.random() < 0.3:
            made = at(TODAY - dt.timedelta(days=rng.randint(0, 50)))
            session.add(
                PaymentPlan(
                    debtor_id=debtor.id,
                    total=Decimal("100.00"),
                    created_at=made,
                    status=rng.choice(["active", "completed", "broken"]),
                )
            )
            session.add(
                Promise(
                    debtor_id=debtor.id,
                    amount=Decimal("10.00"),
                    date=TODAY,
                    created_at=made,
                    status=rng.choice(["open", "kept", "broken"]),
                )
            )
        if rng.random() < 0.2:
            record_event(
                session=session, actor="bot", action="invoice_on_hold", debtor_id=debtor.id
            )
    session.flush()


def open_amounts(session: Session) -> list[tuple[Invoice, Decimal]]:
    paid: dict[int, Decimal] = defaultdict(Decimal)
    for a in session.scalars(select(PaymentAllocation)):
        paid[a.invoice_id] += a.amount
    for c in session.scalars(select(CreditNote)):
        paid[c.invoice_id] += c.amount
    result = []
    for invoice in session.scalars(select(Invoice)):
        left = invoice.amount - paid[invoice.id]
        if invoice.status != "canceled" and left > 0:
            result.append((invoice, left))
    return result


def plain_receivables(session: Session, day: dt.date) -> Decimal:
    invoiced = sum(
        (
            i.amount
            for i in session.scalars(select(Invoice))
            if i.status != "canceled" and i.issue_date <= day
        ),
        Decimal("0"),
    )
    paid = sum(
        (
            p.amount - p.reversed_amount
            for p in session.scalars(select(Payment))
            if p.received_at.date() <= day
        ),
        Decimal("0"),
    )
    credited = sum(
        (c.amount for c in session.scalars(select(CreditNote)) if c.issue_date <= day), Decimal("0")
    )
    return invoiced - paid - credited


def plain_sales(session: Session, period: Period) -> Decimal:
    return sum(
        (
            i.amount
            for i in session.scalars(select(Invoice))
            if i.status != "canceled" and period.start <= i.issue_date <= period.end
        ),
        Decimal("0"),
    )


def plain_dso(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """DSO as the dashboard defines it: receivables at the end of the period / credit sales
    in the period x the period's days, to one decimal (half up); none without sales."""
    if sales <= 0:
        return None
    return (receivables * days / sales).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def plain_bucket(due_date: dt.date, today: dt.date) -> str:
    """The ageing column by whole days past the due date: due today or later is not due."""
    late = (today - due_date).days
    for name, last_day in (("not_due", 0), ("1-30", 30), ("31-60", 60), ("61-90", 90)):
        if late <= last_day:
            return name
    return "90+"


def test_dso_and_its_weekly_trend(session: Session) -> None:
    build_book(session)
    figures = dso_figures(session=session, period=PERIOD)
    assert figures["receivables"] == plain_receivables(session, PERIOD.end)
    assert figures["dso"] == plain_dso(
        plain_receivables(session, PERIOD.end), plain_sales(session, PERIOD), 30
    )
    assert figures["dso"] is not None
    previous = PERIOD.previous()
    assert figures["previous"] == plain_dso(
        plain_receivables(session, previous.end), plain_sales(session, previous), previous.days
    )
    assert [w["start"] for w in figures["weeks"]][:2] == [
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 2),
    ]
    for week in figures["weeks"]:  # each point: the 30 days ending that week
        span = Period(week["end"] - dt.timedelta(days=29), week["end"])
        assert week["dso"] == plain_dso(
            plain_receivables(session, span.end), plain_sales(session, span), 30
        )


def test_ageing(session: Session) -> None:
    build_book(session)
    expected: dict[str, list[Decimal]] = defaultdict(list)
    for invoice, left in open_amounts(session):
        expected[plain_bucket(invoice.due_date, TODAY)].append(left)
    got = {
        b["bucket"]: (b["amount"], b["count"])
        for b in ageing(session=session, today=TODAY)["buckets"]
    }
    assert got == {
        name: (sum(expected[name], Decimal("0.00")), len(expected[name]))
        for name in ("not_due", "1-30", "31-60", "61-90", "90+")
    }


def test_ageing_at_the_edges_of_its_buckets(session: Session) -> None:
    """Known answers: an invoice due today is not due, one a day late is 1-30, 30 days late
    still 1-30, 31 days 31-60, and so on to 91 days: 90+."""
    debtor = Debtor(reference="R-edges", name="Edges")
    session.add(debtor)
    session.flush()
    for late in (0, 1, 30, 31, 60, 61, 90, 91):
        due = TODAY - dt.timedelta(days=late)
        session.add(
            Invoice(
                debtor_id=debtor.id,
                number=f"F-edge-{late}",
                amount=Decimal(late) + Decimal("0.50"),
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
                status="open",
            )
        )
    session.flush()
    got = {
        b["bucket"]: (b["amount"], b["count"])
        for b in ageing(session=session, today=TODAY)["buckets"]
    }
    assert got == {
        "not_due": (Decimal("0.50"), 1),
        "1-30": (Decimal("32.00"), 2),
        "31-60": (Decimal("92.00"), 2),
        "61-90": (Decimal("152.00"), 2),
        "90+": (Decimal("91.50"), 1),
    }


def test_payments_by_way_of_paying(session: Session) -> None:
    build_book(session)
    links = {link.payment_id: link for link in session.scalars(select(PaymentLink))}
    channels = {c.id: c.channel for c in session.scalars(select(Conversation))}
    counts: Counter[tuple[str, str]] = Counter()
    amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for p in session.scalars(select(Payment)):
        if PERIOD.start <= p.received_at.date() <= PERIOD.end:
            link = links.get(p.id)
            key = (
                p.method,
                channels[link.conversation_id] if link and link.conversation_id else "bank",
            )
            counts[key] += 1
            amounts[key] += p.amount
    got = payments(session=session, period=PERIOD)
    assert {(w["method"], w["channel"]): (w["count"], w["amount"]) for w in got["by_way"]} == {
        k: (counts[k], amounts[k]) for k in counts
    }
    assert got["count"] == sum(counts.values())


def test_the_assistant_and_the_arrangements(session: Session) -> None:
    build_book(session)
    conversations = [
        c
        for c in session.scalars(select(Conversation))
        if PERIOD.start <= c.created_at.date() <= PERIOD.end
    ]
    handoffs = list(session.scalars(select(Handoff)))
    handed = {h.conversation_id for h in handoffs}
    got = assistant(session=session, period=PERIOD)
    assert got["conversations"] == len(conversations)
    assert got["resolved_without_person"] == len([c for c in conversations if c.id not in handed])
    in_period = [h for h in handoffs if PERIOD.start <= h.created_at.date() <= PERIOD.end]
    assert sum(h["count"] for h in got["handoffs"]) == len(in_period)
    assert got["verification_locks"] == len(
        [h for h in in_period if h.reason == "verification_failed"]
    )
    failures = [
        e
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "verification_failed")
        )
        if PERIOD.start <= e.at.date() <= PERIOD.end
    ]
    assert got["verification_failures"] == len(failures)
    plans = [
        p
        for p in session.scalars(select(PaymentPlan))
        if PERIOD.start <= p.created_at.date() <= PERIOD.end
    ]
    promises = [
        p
        for p in session.scalars(select(Promise))
        if PERIOD.start <= p.created_at.date() <= PERIOD.end
    ]
    got_arrangements = arrangements(session=session, period=PERIOD)
    assert got_arrangements["plans"] == {
        "agreed": len(plans),
        "on_track": sum(p.status == "active" for p in plans),
        "completed": sum(p.status == "completed" for p in plans),
        "broken": sum(p.status == "broken" for p in plans),
    }
    assert got_arrangements["promises"]["kept"] == sum(p.status == "kept" for p in promises)
    on_hold = len([i for i in session.scalars(select(Invoice)) if i.status == "on_hold"])
    assert got_arrangements["disputes"]["open_now"] == on_hold


def test_the_portfolio_by_profile(session: Session) -> None:
    build_book(session)
    owed: dict[int, Decimal] = defaultdict(Decimal)
    for invoice, left in open_amounts(session):
        owed[invoice.debtor_id] += left
    expected: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for debtor in session.scalars(select(Debtor)):
        expected[(debtor.profile_group or "unknown", debtor.profile_risk or "unknown")].append(
            owed[debtor.id]
        )
    got = {
        (g["group"], g["risk"]): (g["debtors"], g["owed"])
        for g in portfolio(session=session)["groups"]
    }
    assert got == {k: (len(v), sum(v, Decimal("0.00"))) for k, v in expected.items()}


def test_which_reminders_work_per_step_channel_and_group(session: Session) -> None:
    from receivables.reminders.models import ReminderSend
    from receivables.reports.service import reminders

    build_book(session)
    rng = random.Random(5)
    debtors = list(session.scalars(select(Debtor)))
    for n in range(120):
        debtor = rng.choice(debtors)
        sent = at(TODAY - dt.timedelta(days=rng.randint(0, 50)))
        session.add(
            ReminderSend(
                key=f"k-{n}",
                debtor_id=debtor.id,
                plan=rng.choice(["small", "standard"]),
                step=rng.choice(["heads_up", "due", "firm"]),
                channel=rng.choice(["email", "sms"]),
                channel_reason="default",
                tone="friendly",
                text_key="x",
                planned_for=sent.date(),
                status=rng.choice(["sent", "sent", "task", "failed"]),
                sent_at=sent,
                outcome=rng.choice([None, "paid", "promised", "disputed"]),
            )
        )
    session.flush()
    expected: dict[tuple[str, str, str, str], Counter[str]] = defaultdict(Counter)
    groups = {d.id: d.profile_group or "unknown" for d in debtors}
    for send in session.scalars(select(ReminderSend)):
        if (
            send.status in ("sent", "task")
            and send.sent_at
            and PERIOD.start <= send.sent_at.date() <= PERIOD.end
        ):
            cell = expected[(send.plan, send.step, send.channel, groups[send.debtor_id])]
            cell["sent"] += 1
            cell[send.outcome or "none"] += 1
    got = reminders(session=session, period=PERIOD)["steps"]
    assert {
        (s["plan"], s["step"], s["channel"], s["group"]): (
            s["sent"],
            s["paid"],
            s["promised"],
            s["disputed"],
        )
        for s in got
    } == {k: (c["sent"], c["paid"], c["promised"], c["disputed"]) for k, c in expected.items()}
    for s in got:
        assert s["share_paid"] == round(s["paid"] / s["sent"], 3)
