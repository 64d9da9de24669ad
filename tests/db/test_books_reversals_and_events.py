"""Refunds and chargebacks reopen what they covered; book events leave in order, once each,
signed; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice, get_open_balance, list_open_invoices
from receivables.arrangements.plans import apply_payment, create_plan
from receivables.arrangements.schedule import monthly_schedule, split_evenly
from receivables.books.events import (
    ExportRange,
    claim_next,
    collect_book_events,
    event_body,
    export_csv,
    mark_failed,
    mark_sent,
    sign,
)
from receivables.books.models import BookEvent
from receivables.books.reversals import reverse_payment
from receivables.models import Debtor, Invoice, PaymentPlan
from receivables.payments.booking import book_payment

TODAY = dt.date.today()


def _debtor(session: Session, reference: str = "61002377") -> Debtor:
    debtor = create_debtor(session=session, reference=reference, name="Pieter Bakker")
    for number, amount in (("F-1", "300.00"), ("F-2", "155.00")):
        create_invoice(
            session=session,
            debtor=debtor,
            number=f"{number}-{reference}",
            amount=Decimal(amount),
            issue_date=TODAY - dt.timedelta(days=60),
            due_date=TODAY - dt.timedelta(days=30) + dt.timedelta(days=len(number)),
        )
    return debtor


def test_a_refund_reopens_what_it_covered_once(session: Session) -> None:
    debtor = _debtor(session)
    book_payment(session=session, debtor=debtor, amount=Decimal("455.00"), external_id="tr_1")
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("0.00")
    assert reverse_payment(
        session=session, external_id="tr_1", refunded=Decimal("155.00"), charged_back=Decimal("0")
    ) == Decimal("155.00")
    # the same news again (a redelivered webhook) changes nothing
    assert reverse_payment(
        session=session, external_id="tr_1", refunded=Decimal("155.00"), charged_back=Decimal("0")
    ) == Decimal("0.00")
    open_now = list_open_invoices(session=session, debtor_id=debtor.id)
    assert [(i.number, i.open_amount) for i in open_now] == [("F-2-61002377", Decimal("155.00"))]
    assert session.scalar(select(Invoice.status).where(Invoice.number == "F-2-61002377")) == "open"
    # a chargeback of the rest later
    reverse_payment(
        session=session,
        external_id="tr_1",
        refunded=Decimal("155.00"),
        charged_back=Decimal("300.00"),
    )
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("455.00")


def test_a_chargeback_reopens_installments_and_the_plan(session: Session) -> None:
    debtor = _debtor(session, "61002378")
    schedule = monthly_schedule(split_evenly(Decimal("455.00"), 2), first=TODAY)
    plan = create_plan(
        session=session,
        debtor_id=debtor.id,
        schedule=schedule,
        agreed_by="collector:eva",
        outside_policy=True,
    )
    payment = book_payment(
        session=session,
        debtor=debtor,
        amount=Decimal("455.00"),
        external_id="tr_2",
        received_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
    )
    apply_payment(session=session, debtor_id=debtor.id, payment=payment)
    assert session.get(PaymentPlan, plan.id).status == "completed"  # type: ignore[union-attr]
    reverse_payment(
        session=session, external_id="tr_2", refunded=Decimal("0"), charged_back=Decimal("200.00")
    )
    session.refresh(plan)
    assert plan.status == "active"
    assert [i.status for i in plan.installments] == ["paid", "open"]


def test_book_events_leave_in_order_once_each(session: Session) -> None:
    debtor = _debtor(session, "61002379")
    payment = book_payment(
        session=session, debtor=debtor, amount=Decimal("10.00"), external_id="b1"
    )
    from receivables.audit.events import record_event

    record_event(
        session=session,
        actor="system",
        action="payment_received",
        debtor_id=debtor.id,
        detail={"payment_id": payment.id, "amount": "10.00"},
    )
    record_event(
        session=session,
        actor="bot",
        action="promise_made",
        debtor_id=debtor.id,
        detail={"amount": "445.00", "date": TODAY.isoformat()},
    )
    record_event(session=session, actor="bot", action="told_balance", debtor_id=debtor.id)
    assert collect_book_events(session=session) == 2
    assert collect_book_events(session=session) == 0  # nothing queued twice
    first = claim_next(session=session)
    assert first is not None and first.type == "payment.booked"
    body = json.loads(event_body(first))
    assert body["debtor"]["reference"] == "61002379" and body["data"]["amount"] == "10.00"
    # the receiver is down: the same event waits, the next does not overtake it
    mark_failed(first, "connection refused")
    assert claim_next(session=session) is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert claim_next(session=session, now=later) is first
    mark_sent(first)
    second = claim_next(session=session, now=later)
    assert second is not None and second.type == "promise.made"
    csv_text = export_csv(session=session, period=ExportRange(TODAY, TODAY))
    assert csv_text.splitlines()[0].startswith("id,occurred_at,type")
    assert sum(",payment.booked,61002379," in line for line in csv_text.splitlines()) == 1
    assert session.scalar(select(BookEvent.attempts).where(BookEvent.id == first.id)) == 2


def test_the_signature_is_the_hmac_of_time_and_body() -> None:
    """What a receiver computes with its own HMAC-SHA256 (the scheme the docs give), not
    with any code of ours: "t=<time>,v1=<hex of HMAC(secret, '<time>.<body>')>"."""
    body = b'{"id":1}'
    mac = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body, 1767225600) == f"t=1767225600,v1={mac}"
    assert sign("other", body, 1767225600) != sign("s3cret", body, 1767225600)
