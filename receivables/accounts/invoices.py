"""Invoices and what is still open on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.audit.events import record_event
from receivables.common.identifiers import normalize_reference
from receivables.common.money import to_money
from receivables.errors import Conflict, InvalidInput
from receivables.models import AuditEvent, CreditNote, Debtor, Invoice, PaymentAllocation

OPEN_STATUSES = ("open", "partially_paid", "on_hold")


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    amount: Decimal
    open_amount: Decimal
    currency: str
    issue_date: dt.date
    due_date: dt.date
    description: str | None
    status: str

    def days_overdue(self, today: dt.date) -> int:
        return max(0, (today - self.due_date).days)


def create_invoice(
    *,
    session: Session,
    debtor: Debtor,
    number: str,
    amount: Decimal,
    issue_date: dt.date,
    due_date: dt.date,
    currency: str = "EUR",
    description: str | None = None,
) -> Invoice:
    amount = to_money(amount)
    if amount <= 0:
        raise InvalidInput("amount must be positive")
    if due_date < issue_date:
        raise InvalidInput("due_date is before issue_date")
    key = normalize_reference(number)
    clash = session.scalar(select(Invoice.id).where(func.upper(Invoice.number) == key))
    clash = clash or session.scalar(select(Debtor.id).where(func.upper(Debtor.reference) == key))
    if clash:
        raise Conflict(f"an invoice or debtor with number {number} already exists")
    invoice = Invoice(
        debtor_id=debtor.id,
        number=number.strip(),
        amount=amount,
        currency=currency,
        issue_date=issue_date,
        due_date=due_date,
        description=description,
    )
    session.add(invoice)
    session.flush()
    return invoice


def _paid_per_invoice(session: Session, debtor_id: int) -> dict[int, Decimal]:
    """What is settled per invoice: payments allocated to it (less what was refunded or
    charged back) and credit notes on it."""
    paid = session.execute(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount))
        .join(Invoice)
        .where(Invoice.debtor_id == debtor_id)
        .group_by(PaymentAllocation.invoice_id)
    )
    credited = session.execute(
        select(CreditNote.invoice_id, func.sum(CreditNote.amount))
        .join(Invoice)
        .where(Invoice.debtor_id == debtor_id)
        .group_by(CreditNote.invoice_id)
    )
    settled: dict[int, Decimal] = {}
    for invoice_id, total in [*paid, *credited]:
        settled[invoice_id] = settled.get(invoice_id, Decimal("0")) + to_money(total)
    return settled


def _owed(invoice: Invoice) -> Decimal:
    """What the invoice asks for: nothing once the creditor canceled it."""
    return Decimal("0.00") if invoice.status == "canceled" else to_money(invoice.amount)


def list_open_invoices(*, session: Session, debtor_id: int) -> list[OpenInvoice]:
    """Invoices with something left to pay, oldest due date first."""
    paid = _paid_per_invoice(session, debtor_id)
    invoices = session.scalars(
        select(Invoice).where(Invoice.debtor_id == debtor_id).order_by(Invoice.due_date, Invoice.id)
    )
    result = []
    for inv in invoices:
        open_amount = _owed(inv) - paid.get(inv.id, Decimal("0"))
        if open_amount > 0:
            result.append(
                OpenInvoice(
                    id=inv.id,
                    number=inv.number,
                    amount=to_money(inv.amount),
                    open_amount=open_amount,
                    currency=inv.currency,
                    issue_date=inv.issue_date,
                    due_date=inv.due_date,
                    description=inv.description,
                    status=inv.status,
                )
            )
    return result


def payable_invoices(invoices: list[OpenInvoice]) -> list[OpenInvoice]:
    """The open invoices a debtor is asked to pay: not on hold (a dispute is not pressed).
    Pure."""
    return [i for i in invoices if i.status != "on_hold" and i.open_amount > 0]


class HasOpenAmount(Protocol):
    @property
    def open_amount(self) -> Decimal: ...


def open_balance(invoices: Iterable[HasOpenAmount]) -> Decimal:
    """What is still open on these invoices, in EUR: the one place a balance is summed.
    Pure."""
    return to_money(sum((i.open_amount for i in invoices), Decimal("0.00")))


def get_open_balance(*, session: Session, debtor_id: int) -> Decimal:
    """What the debtor still owes over all invoices, in EUR."""
    return open_balance(list_open_invoices(session=session, debtor_id=debtor_id))


def get_open_amounts(*, session: Session, debtor_id: int) -> dict[int, Decimal]:
    """Open amount per invoice id, for every invoice of the debtor (0.00 when paid)."""
    paid = _paid_per_invoice(session, debtor_id)
    invoices = session.scalars(select(Invoice).where(Invoice.debtor_id == debtor_id))
    return {i.id: max(_owed(i) - paid.get(i.id, Decimal("0")), Decimal("0.00")) for i in invoices}


def put_invoice_on_hold(
    *, session: Session, debtor_id: int, number: str, actor: str, conversation_id: str | None
) -> Invoice | None:
    """A disputed invoice: no reminder, link or plan pressure follows it until a collector
    decides. Returns the invoice, or None when the debtor has no open invoice by that number."""
    invoice = session.scalar(
        select(Invoice).where(
            Invoice.debtor_id == debtor_id,
            func.upper(Invoice.number) == normalize_reference(number),
            Invoice.status.in_(OPEN_STATUSES),
        )
    )
    if invoice is None:
        return None
    if invoice.status != "on_hold":
        invoice.status = "on_hold"
        record_event(
            session=session,
            actor=actor,
            action="invoice_on_hold",
            debtor_id=debtor_id,
            conversation_id=conversation_id,
            detail={"invoice": invoice.number},
        )
    return invoice


def release_invoice_holds(
    *, session: Session, debtor_id: int, conversation_id: str, actor: str
) -> list[str]:
    """Take the invoices put on hold in this conversation off hold (a dispute rejected):
    open again, or partly paid. Returns their numbers."""
    held = session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.debtor_id == debtor_id,
            AuditEvent.conversation_id == conversation_id,
            AuditEvent.action == "invoice_on_hold",
        )
    )
    numbers = {normalize_reference(str(d.get("invoice", ""))) for d in held}
    released = []
    paid = _paid_per_invoice(session, debtor_id)
    for invoice in session.scalars(
        select(Invoice).where(Invoice.debtor_id == debtor_id, Invoice.status == "on_hold")
    ):
        if normalize_reference(invoice.number) in numbers:
            invoice.status = "partially_paid" if paid.get(invoice.id) else "open"
            released.append(invoice.number)
            record_event(
                session=session,
                actor=actor,
                action="invoice_hold_released",
                debtor_id=debtor_id,
                conversation_id=conversation_id,
                detail={"invoice": invoice.number},
            )
    return released
