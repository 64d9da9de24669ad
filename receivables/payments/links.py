"""Payment links: what is paid (the balance, one invoice, one installment), one open link per
target, and booking the payment exactly once when the provider says it is paid."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.accounts.invoices import (
    OpenInvoice,
    list_open_invoices,
    open_balance,
    payable_invoices,
)
from receivables.arrangements.plans import apply_payment
from receivables.audit.events import record_event
from receivables.errors import InvalidInput, NotFound
from receivables.models import (
    Debtor,
    Installment,
    Invoice,
    Payment,
    PaymentLink,
    PaymentPlan,
    utcnow,
)
from receivables.payments.booking import book_payment

BALANCE = "balance"
LINK_STATUSES = ("open", "paid", "canceled", "expired", "failed")


class NothingToPay(InvalidInput):
    """The target has nothing open (everything paid, or only invoices on hold)."""


@dataclass(frozen=True)
class LinkTarget:
    """What a link pays. `key` is "balance", "invoice:<id>" or "installment:<id>"."""

    key: str
    amount: Decimal
    invoice_ids: list[int]
    invoice_numbers: list[str]
    installment_id: int | None = None


def balance_target(invoices: list[OpenInvoice]) -> LinkTarget:
    """The whole open balance, without invoices on hold (a dispute is not pressed). Pure."""
    payable = payable_invoices(invoices)
    return LinkTarget(
        key=BALANCE,
        amount=open_balance(payable),
        invoice_ids=[i.id for i in payable],
        invoice_numbers=[i.number for i in payable],
    )


def invoice_target(invoices: list[OpenInvoice], number: str) -> LinkTarget:
    """One open invoice, by its number. Pure."""
    wanted = number.strip().upper()
    for invoice in invoices:
        if invoice.number.upper() == wanted and invoice.open_amount > 0:
            return LinkTarget(
                key=f"invoice:{invoice.id}",
                amount=invoice.open_amount,
                invoice_ids=[invoice.id],
                invoice_numbers=[invoice.number],
            )
    raise NotFound("open invoice", number)


def resolve_target(
    *,
    session: Session,
    debtor_id: int,
    invoice_number: str | None = None,
    installment_id: int | None = None,
) -> LinkTarget:
    """What the debtor asked to pay, with today's open amount."""
    if installment_id is not None:
        installment = session.get(Installment, installment_id)
        plan = session.get(PaymentPlan, installment.plan_id) if installment else None
        if installment is None or plan is None or plan.debtor_id != debtor_id:
            raise NotFound("installment", installment_id)
        if installment.status == "paid":
            raise NothingToPay(f"installment {installment_id} is already paid")
        return LinkTarget(
            key=f"installment:{installment.id}",
            amount=installment.amount,
            invoice_ids=[],
            invoice_numbers=[],
            installment_id=installment.id,
        )
    invoices = list_open_invoices(session=session, debtor_id=debtor_id)
    target = (
        invoice_target(invoices, invoice_number) if invoice_number else balance_target(invoices)
    )
    if target.amount <= 0:
        raise NothingToPay("there is nothing open to pay")
    return target


def describe(target: LinkTarget, *, reference: str, language: str) -> str:
    """The description on the payment and the debtor's bank statement. Pure."""
    if target.installment_id is not None:
        word = "termijn" if language == "nl" else "installment"
        return f"{reference} {word} {target.installment_id}"
    numbers = ", ".join(target.invoice_numbers)
    if len(target.invoice_numbers) == 1:
        word = "factuur" if language == "nl" else "invoice"
    else:
        word = "facturen" if language == "nl" else "invoices"
    return f"{reference} {word} {numbers}"[:255]


def link_url(public_url: str, token: str) -> str:
    """The address of a link's page, where the debtor pays (the gateway's /pay/{token})."""
    return f"{public_url.rstrip('/')}/pay/{token}"


def find_open_link(
    *, session: Session, debtor_id: int, target_key: str, now: dt.datetime
) -> PaymentLink | None:
    return session.scalar(
        select(PaymentLink)
        .where(
            PaymentLink.debtor_id == debtor_id,
            PaymentLink.target == target_key,
            PaymentLink.status == "open",
            PaymentLink.expires_at > now,
        )
        .order_by(PaymentLink.id.desc())
        .limit(1)
    )


def get_or_create_link(
    *,
    session: Session,
    debtor_id: int,
    target: LinkTarget,
    language: str,
    provider: str,
    expiry_days: int,
    conversation_id: str | None = None,
    now: dt.datetime | None = None,
) -> PaymentLink:
    """The open link for this target, or a new one. A retried request returns the same link;
    a link for an amount that has changed since (a part was paid) is replaced."""
    now = now or utcnow()
    existing = find_open_link(session=session, debtor_id=debtor_id, target_key=target.key, now=now)
    if existing is not None and existing.amount == target.amount:
        return existing
    if existing is not None:
        existing.status = "canceled"
        record_event(
            session=session,
            actor="system",
            action="payment_link_replaced",
            debtor_id=debtor_id,
            conversation_id=conversation_id,
            detail={"link_id": existing.id},
        )
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound("debtor", debtor_id)
    link = PaymentLink(
        token=secrets.token_urlsafe(24),
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        target=target.key,
        invoice_ids=target.invoice_ids,
        installment_id=target.installment_id,
        amount=target.amount,
        currency="EUR",
        description=describe(target, reference=debtor.reference, language=language),
        language=language,
        provider=provider,
        status="open",
        created_at=now,
        expires_at=now + dt.timedelta(days=expiry_days),
    )
    session.add(link)
    session.flush()
    record_event(
        session=session,
        actor="bot",
        action="payment_link_created",
        debtor_id=debtor_id,
        conversation_id=conversation_id,
        detail={"link_id": link.id, "target": target.key, "amount": str(target.amount)},
    )
    return link


def get_link_by_token(*, session: Session, token: str) -> PaymentLink:
    link = session.scalar(select(PaymentLink).where(PaymentLink.token == token))
    if link is None:
        raise NotFound("payment link", "with this token")
    return link


def get_link(*, session: Session, link_id: int) -> PaymentLink | None:
    return session.get(PaymentLink, link_id)


def is_payable(link: PaymentLink, now: dt.datetime | None = None) -> bool:
    return link.status == "open" and link.expires_at > (now or utcnow())


def list_open_links(
    *, session: Session, debtor_id: int, now: dt.datetime | None = None
) -> list[PaymentLink]:
    return list(
        session.scalars(
            select(PaymentLink)
            .where(
                PaymentLink.debtor_id == debtor_id,
                PaymentLink.status == "open",
                PaymentLink.expires_at > (now or utcnow()),
            )
            .order_by(PaymentLink.id)
        )
    )


def attach_provider_payment(
    *, session: Session, link: PaymentLink, provider_payment_id: str, checkout_url: str | None
) -> None:
    """Remember the provider's newest payment for this link (an abandoned checkout may leave
    older ones; their webhooks still find the link through the payment's metadata)."""
    link.provider_payment_id = provider_payment_id
    link.checkout_url = checkout_url
    session.flush()


def settle_link(
    *,
    session: Session,
    link: PaymentLink,
    provider_payment_id: str,
    status: str,
    amount: Decimal,
    method: str | None = None,
    paid_at: dt.datetime | None = None,
) -> Payment | None:
    """Apply the provider's status. A paid status books the payment once (a redelivered or
    late webhook changes nothing twice) and returns it; anything else returns None. A
    canceled or failed checkout leaves the link open, so the debtor can try again."""
    if status == "paid":
        if link.status == "paid":
            return None
        already = session.scalar(select(Payment).where(Payment.external_id == provider_payment_id))
        if already is not None:
            return None
        debtor = session.get(Debtor, link.debtor_id)
        assert debtor is not None
        payment = book_payment(
            session=session,
            debtor=debtor,
            amount=amount,
            method=method or "ideal",
            external_id=provider_payment_id,
            received_at=paid_at,
            invoice_ids=link.invoice_ids or None,
        )
        link.status, link.paid_at, link.payment_id = "paid", payment.received_at, payment.id
        apply_payment(
            session=session,
            debtor_id=debtor.id,
            payment=payment,
            installment_id=link.installment_id,
        )
        record_event(
            session=session,
            actor="system",
            action="payment_received",
            debtor_id=debtor.id,
            conversation_id=link.conversation_id,
            detail={
                "link_id": link.id,
                "payment_id": payment.id,
                "amount": str(payment.amount),
                "provider_payment_id": provider_payment_id,
            },
        )
        return payment
    if status in ("canceled", "expired", "failed") and link.status == "open":
        # the checkout ended without money; the link stays usable until it expires
        record_event(
            session=session,
            actor="system",
            action=f"payment_{status}",
            debtor_id=link.debtor_id,
            conversation_id=link.conversation_id,
            detail={"link_id": link.id, "provider_payment_id": provider_payment_id},
        )
    return None


@dataclass(frozen=True)
class LinkContents:
    """What a link pays, as its page lists it: one installment, or invoices by due date."""

    installment: Installment | None
    invoices: list[Invoice]


def get_link_contents(*, session: Session, link: PaymentLink) -> LinkContents:
    if link.installment_id is not None:
        installment = session.get(Installment, link.installment_id)
        if installment is not None:
            return LinkContents(installment, [])
    invoices = session.scalars(
        select(Invoice).where(Invoice.id.in_(link.invoice_ids)).order_by(Invoice.due_date)
    )
    return LinkContents(None, list(invoices))
