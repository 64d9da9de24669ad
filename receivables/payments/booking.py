"""Booking payments against invoices, oldest due date first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.accounts.invoices import list_open_invoices
from receivables.common.money import to_money
from receivables.errors import InvalidInput, NotFound
from receivables.models import Debtor, Invoice, Payment, PaymentAllocation, utcnow


def allocate(amount: Decimal, open_amounts: list[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Spread amount over (invoice id, open amount) pairs in the given order. Pure."""
    left = to_money(amount)
    result = []
    for invoice_id, open_amount in open_amounts:
        if left <= 0:
            break
        part = min(left, open_amount)
        if part > 0:
            result.append((invoice_id, part))
            left -= part
    return result


def book_payment(
    *,
    session: Session,
    debtor: Debtor,
    amount: Decimal,
    method: str = "bank_transfer",
    external_id: str | None = None,
    received_at: dt.datetime | None = None,
    invoice_ids: list[int] | None = None,
    first_invoice_ids: list[int] | None = None,
) -> Payment:
    """Record a payment and allocate it; booking the same external_id twice returns the
    first booking and changes nothing."""
    if external_id:
        existing = session.scalar(select(Payment).where(Payment.external_id == external_id))
        if existing:
            return existing
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("a payment amount must be positive")
    open_invoices = list_open_invoices(session=session, debtor_id=debtor.id)
    if invoice_ids is not None:
        open_invoices = [i for i in open_invoices if i.id in invoice_ids]
    if first_invoice_ids:
        # a transfer that names an invoice pays it first, the rest oldest due first
        open_invoices.sort(key=lambda i: i.id not in first_invoice_ids)
    payment = Payment(
        debtor_id=debtor.id,
        amount=amount,
        method=method,
        external_id=external_id,
        received_at=received_at or utcnow(),
    )
    session.add(payment)
    session.flush()
    for invoice_id, part in allocate(amount, [(i.id, i.open_amount) for i in open_invoices]):
        session.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice_id, amount=part))
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        remaining = next(i.open_amount for i in open_invoices if i.id == invoice_id) - part
        invoice.status = "paid" if remaining <= 0 else "partially_paid"
    session.flush()
    return payment


def list_payments(
    *, session: Session, debtor_id: int, since: dt.datetime | None = None
) -> list[Payment]:
    """The debtor's payments, oldest first; with `since`, only those received since then."""
    query = select(Payment).where(Payment.debtor_id == debtor_id)
    if since is not None:
        query = query.where(Payment.received_at >= since)
    return list(session.scalars(query.order_by(Payment.received_at, Payment.id)))


def get_payment(*, session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("payment", payment_id)
    return payment
