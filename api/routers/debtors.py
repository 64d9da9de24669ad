from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import AdminDep, SessionDep, SettingsDep
from api.payment_flow import link_url
from api.schemas import (
    AllocationRead,
    DebtorCreate,
    DebtorDetail,
    DebtorRead,
    InvoiceCreate,
    InvoiceRead,
    PaymentLinkRead,
    PaymentPlanRead,
    PaymentRead,
    PromiseRead,
)
from receivables.audit import record_event
from receivables.debtors import create_debtor, get_debtor
from receivables.invoices import create_invoice, get_open_amounts
from receivables.models import Debtor, Invoice, PaymentPlan, Promise
from receivables.payment_links import list_open_links

router = APIRouter(prefix="/api/v1/debtors", tags=["debtors"], dependencies=[AdminDep])


def _invoice_read(invoice: Invoice, open_amounts: dict[int, object]) -> InvoiceRead:
    return InvoiceRead.model_validate(
        {
            **{c: getattr(invoice, c) for c in InvoiceRead.model_fields if c != "open_amount"},
            "open_amount": open_amounts.get(invoice.id, invoice.amount),
        }  # fmt: skip
    )


def _plans_and_promises(
    session: Session, debtor_id: int
) -> tuple[list[PaymentPlanRead], list[PromiseRead]]:
    plans = session.scalars(
        select(PaymentPlan).where(PaymentPlan.debtor_id == debtor_id).order_by(PaymentPlan.id)
    )
    promises = session.scalars(
        select(Promise).where(Promise.debtor_id == debtor_id).order_by(Promise.id)
    )
    return (
        [PaymentPlanRead.model_validate(p) for p in plans],
        [PromiseRead.model_validate(p) for p in promises],
    )


def _links(session: Session, debtor_id: int, public_url: str) -> list[PaymentLinkRead]:
    return [
        PaymentLinkRead(
            id=link.id,
            url=link_url(public_url, link.token),
            target=link.target,
            amount=link.amount,
            currency=link.currency,
            description=link.description,
            status=link.status,
            created_at=link.created_at,
            expires_at=link.expires_at,
        )  # fmt: skip
        for link in list_open_links(session=session, debtor_id=debtor_id)
    ]


def _detail(session: Session, debtor: Debtor, public_url: str) -> DebtorDetail:
    open_amounts = get_open_amounts(session=session, debtor_id=debtor.id)
    invoices = [_invoice_read(i, open_amounts) for i in debtor.invoices]  # type: ignore[arg-type]
    payments = [
        PaymentRead(
            id=p.id,
            amount=p.amount,
            currency=p.currency,
            received_at=p.received_at,
            method=p.method,
            allocations=[
                AllocationRead(invoice_number=a.invoice.number, amount=a.amount)
                for a in p.allocations
            ],
        )
        for p in debtor.payments
    ]
    plans, promises = _plans_and_promises(session, debtor.id)
    return DebtorDetail(
        **DebtorRead.model_validate(debtor).model_dump(),
        balance=sum((i.open_amount for i in invoices), Decimal("0.00")),
        invoices=invoices,
        payments=payments,
        payment_links=_links(session, debtor.id, public_url),
        payment_plans=plans,
        promises=promises,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DebtorRead)
def post_debtor(body: DebtorCreate, session: SessionDep) -> Debtor:
    debtor = create_debtor(session=session, **body.model_dump())
    record_event(session=session, actor="admin", action="debtor_created", debtor_id=debtor.id)
    return debtor


@router.get("/{debtor_id}", response_model=DebtorDetail)
def read_debtor(debtor_id: int, session: SessionDep, settings: SettingsDep) -> DebtorDetail:
    debtor = get_debtor(session=session, debtor_id=debtor_id)
    return _detail(session, debtor, settings.public_url)


@router.post(
    "/{debtor_id}/invoices", status_code=status.HTTP_201_CREATED, response_model=InvoiceRead
)
def post_invoice(debtor_id: int, body: InvoiceCreate, session: SessionDep) -> InvoiceRead:
    debtor = get_debtor(session=session, debtor_id=debtor_id)
    invoice = create_invoice(session=session, debtor=debtor, **body.model_dump())
    record_event(
        session=session, actor="admin", action="invoice_created", debtor_id=debtor.id,
        detail={"number": invoice.number, "amount": str(invoice.amount)},
    )  # fmt: skip
    return _invoice_read(invoice, {invoice.id: invoice.amount})
