from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from api.deps import AdminDep, PolicyDep, RowId, SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.schemas import (
    AllocationRead,
    CreditRead,
    DebtorCreate,
    DebtorCreditUpdate,
    DebtorDetail,
    DebtorProfileItem,
    DebtorRead,
    InvoiceCreate,
    InvoiceRead,
    PaymentLinkRead,
    PaymentPlanRead,
    PaymentRead,
    ProfileRead,
    PromiseRead,
)
from receivables.accounts.debtors import create_debtor, get_debtor
from receivables.accounts.invoices import create_invoice, get_open_amounts, open_balance
from receivables.arrangements.plans import list_plans
from receivables.arrangements.promises import list_promises
from receivables.audit.events import record_event
from receivables.common.language import resolve_language
from receivables.models import Debtor, Invoice
from receivables.payments.links import link_url, list_open_links
from receivables.policy.model import Policy, ProfileName, RiskLevel
from receivables.profiles.service import (
    ProfileView,
    current_profile,
    list_debtor_profiles,
    set_business_attributes,
    set_credit_info,
)

router = APIRouter(
    prefix="/api/v1/debtors", tags=["debtors"], dependencies=[AdminDep], responses=ERROR_RESPONSES
)


def _invoice_read(invoice: Invoice, open_amounts: dict[int, object]) -> InvoiceRead:
    return InvoiceRead.model_validate(
        {
            **{c: getattr(invoice, c) for c in InvoiceRead.model_fields if c != "open_amount"},
            "open_amount": open_amounts.get(invoice.id, invoice.amount),
        }
    )


def _plans_and_promises(
    session: Session, debtor_id: int
) -> tuple[list[PaymentPlanRead], list[PromiseRead]]:
    plans = list_plans(session=session, debtor_id=debtor_id)
    promises = sorted(list_promises(session=session, debtor_id=debtor_id), key=lambda p: p.id)
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
        )
        for link in list_open_links(session=session, debtor_id=debtor_id)
    ]


def _profile_read(view: ProfileView) -> ProfileRead:
    return ProfileRead(group=view.group, risk=view.risk, reasons=list(view.reasons))


def _detail(
    session: Session, debtor: Debtor, public_url: str, policy: Policy | None = None
) -> DebtorDetail:
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
    profile = current_profile(session=session, debtor_id=debtor.id, policy=policy)
    return DebtorDetail(
        **DebtorRead.model_validate(debtor).model_dump(),
        balance=open_balance(invoices),
        invoices=invoices,
        payments=payments,
        payment_links=_links(session, debtor.id, public_url),
        payment_plans=plans,
        promises=promises,
        kind=debtor.kind,
        industry=debtor.industry,
        country=debtor.country,
        credit=CreditRead(
            score=debtor.credit_score,
            flag=debtor.credit_flag,
            source=debtor.credit_source,
            updated_at=debtor.credit_updated_at,
        ),
        profile=_profile_read(profile),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DebtorRead)
def post_debtor(body: DebtorCreate, session: SessionDep, policy: PolicyDep) -> Debtor:
    language = resolve_language(body.language, default=policy.creditor.language)
    debtor = create_debtor(session=session, **{**body.model_dump(), "language": language})
    record_event(session=session, actor="admin", action="debtor_created", debtor_id=debtor.id)
    return debtor


@router.get("", response_model=list[DebtorProfileItem])
def list_debtors(
    session: SessionDep,
    policy: PolicyDep,
    group: Annotated[ProfileName | None, Query()] = None,
    risk: Annotated[RiskLevel | None, Query()] = None,
) -> list[DebtorProfileItem]:
    """Debtors by profile, for the credit manager: highest risk first, then largest balance."""
    rows = list_debtor_profiles(session=session, policy=policy, group=group, risk=risk)
    return [
        DebtorProfileItem(
            id=r.debtor.id,
            reference=r.debtor.reference,
            name=r.debtor.name,
            language=r.debtor.language,
            preferred_channel=r.debtor.preferred_channel,
            kind=r.debtor.kind,
            country=r.debtor.country,
            balance=r.balance,
            profile=_profile_read(r.profile),
        )
        for r in rows
    ]


@router.get("/{debtor_id}", response_model=DebtorDetail)
def read_debtor(
    debtor_id: RowId, session: SessionDep, settings: SettingsDep, policy: PolicyDep
) -> DebtorDetail:
    debtor = get_debtor(session=session, debtor_id=debtor_id)
    return _detail(session, debtor, settings.public_url, policy)


@router.put("/{debtor_id}/credit", response_model=DebtorDetail)
def put_credit(
    debtor_id: RowId,
    body: DebtorCreditUpdate,
    session: SessionDep,
    settings: SettingsDep,
    policy: PolicyDep,
) -> DebtorDetail:
    """External credit information (score, flag, source) and, when given, the business
    attributes; the debtor's read model with the recomputed profile comes back."""
    set_credit_info(
        session=session,
        debtor_id=debtor_id,
        score=body.score,
        flag=body.flag,
        source=body.source or "admin",
    )
    business = body.model_dump(include={"kind", "industry", "country"}, exclude_unset=True)
    if business:
        set_business_attributes(session=session, debtor_id=debtor_id, **business)
    debtor = get_debtor(session=session, debtor_id=debtor_id)
    return _detail(session, debtor, settings.public_url, policy)


@router.post(
    "/{debtor_id}/invoices", status_code=status.HTTP_201_CREATED, response_model=InvoiceRead
)
def post_invoice(debtor_id: RowId, body: InvoiceCreate, session: SessionDep) -> InvoiceRead:
    debtor = get_debtor(session=session, debtor_id=debtor_id)
    invoice = create_invoice(session=session, debtor=debtor, **body.model_dump())
    record_event(
        session=session,
        actor="admin",
        action="invoice_created",
        debtor_id=debtor.id,
        detail={"number": invoice.number, "amount": str(invoice.amount)},
    )
    return _invoice_read(invoice, {invoice.id: invoice.amount})
