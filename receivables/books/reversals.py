"""Refunds and chargebacks: money that came back out. What a reversed payment covered is
open again (its allocations are reversed, newest first), plan installments the payments no
longer cover are open again (a completed plan is active again); all in the audit log. The
provider's figures are fetched, never taken from a webhook body: `reverse_payment` is given
the total paid back so far, so a redelivered notice changes nothing twice."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.arrangements.plans import list_plans, paid_elsewhere
from receivables.arrangements.promises import paid_since
from receivables.audit.events import record_event
from receivables.common.money import to_money
from receivables.models import Invoice, Payment, PaymentAllocation


def reverse_payment(
    *, session: Session, external_id: str, refunded: Decimal, charged_back: Decimal
) -> Decimal:
    """Bring the payment booked under `external_id` in line with what the provider says was
    paid back in total; returns the amount reversed now (0.00 when nothing changed)."""
    payment = session.scalar(select(Payment).where(Payment.external_id == external_id))
    if payment is None:
        return Decimal("0.00")
    total = min(to_money(refunded) + to_money(charged_back), to_money(payment.amount))
    now = to_money(total - to_money(payment.reversed_amount or 0))
    if now <= 0:
        return Decimal("0.00")
    net: dict[int, Decimal] = {}
    for allocation in payment.allocations:
        net[allocation.invoice_id] = (
            net.get(allocation.invoice_id, Decimal("0")) + allocation.amount
        )
    left = now
    newest_first = sorted(
        {a.invoice_id: a.id for a in payment.allocations}.items(), key=lambda x: -x[1]
    )
    for invoice_id, _ in newest_first:
        part = min(left, net[invoice_id])
        if part <= 0:
            continue
        session.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice_id, amount=-part))
        left -= part
        if left <= 0:
            break
    payment.reversed_amount = total
    session.flush()
    _fix_invoice_statuses(session, list(net))
    reopened = _reopen_installments(session, payment.debtor_id)
    kind = "chargeback" if charged_back > 0 else "refund"
    record_event(
        session=session,
        actor="system",
        action=f"payment_{kind}",
        debtor_id=payment.debtor_id,
        detail={
            "payment_id": payment.id,
            "amount": str(now),
            "reversed_total": str(total),
            "installments_reopened": reopened,
        },
    )
    return now


def _fix_invoice_statuses(session: Session, invoice_ids: list[int]) -> None:
    """Paid becomes partly paid, or open when nothing is paid on it any more."""
    for invoice_id in invoice_ids:
        invoice = session.get(Invoice, invoice_id)
        if invoice is None or invoice.status not in ("paid", "partially_paid"):
            continue
        paid = session.scalar(
            select(func.sum(PaymentAllocation.amount)).where(
                PaymentAllocation.invoice_id == invoice_id
            )
        ) or Decimal("0")
        invoice.status = "partially_paid" if paid > 0 else "open"


def _reopen_installments(session: Session, debtor_id: int) -> list[int]:
    """Installments the payments since their plan no longer cover are open again, newest
    first; a completed plan with an open installment is active again."""
    reopened = []
    for plan in list_plans(session=session, debtor_id=debtor_id):
        if plan.status not in ("active", "completed"):
            continue
        credit = paid_since(session=session, debtor_id=debtor_id, since=plan.created_at)
        credit -= paid_elsewhere(session, plan)
        paid = [i for i in plan.installments if i.status == "paid"]
        total = sum((i.amount for i in paid), Decimal("0"))
        for installment in reversed(paid):
            if total <= credit:
                break
            installment.status, installment.paid_at = "open", None
            total -= installment.amount
            reopened.append(installment.id)
        if reopened and plan.status == "completed":
            plan.status = "active"
    return reopened
