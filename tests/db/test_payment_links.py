"""Payment links on SQLite and PostgreSQL: one open link per target, booked exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.accounts.invoices import get_open_balance, list_open_invoices
from receivables.audit.events import list_events
from receivables.models import Payment
from receivables.payments.booking import book_payment
from receivables.payments.links import (
    get_or_create_link,
    invoice_target,
    list_open_links,
    resolve_target,
    settle_link,
)
from tests.db.test_services import debtor_with_invoices


def payments_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Payment)) or 0


def test_a_retried_link_request_returns_the_same_link(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    target = resolve_target(session=session, debtor_id=debtor.id)
    first = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        target=target,
        language="nl",
        provider="local",
        expiry_days=7,
    )
    again = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        target=target,
        language="nl",
        provider="local",
        expiry_days=7,
    )
    assert first.id == again.id and first.token == again.token
    assert first.amount == Decimal("239.95")
    assert first.expires_at - first.created_at == dt.timedelta(days=7)
    one_invoice = resolve_target(
        session=session, debtor_id=debtor.id, invoice_number="F-1-48213907"
    )
    other = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        target=one_invoice,
        language="nl",
        provider="local",
        expiry_days=7,
    )
    assert other.id != first.id and other.amount == Decimal("150.00")
    assert {link.id for link in list_open_links(session=session, debtor_id=debtor.id)} == {
        first.id,
        other.id,
    }


def test_a_link_for_a_changed_amount_is_replaced(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    old = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        language="en",
        provider="local",
        target=resolve_target(session=session, debtor_id=debtor.id),
        expiry_days=7,
    )
    book_payment(session=session, debtor=debtor, amount=Decimal("39.95"), external_id="bank-1")
    new = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        language="en",
        provider="local",
        target=resolve_target(session=session, debtor_id=debtor.id),
        expiry_days=7,
    )
    assert new.id != old.id and new.amount == Decimal("200.00")
    assert old.status == "canceled"


def test_an_expired_link_is_not_reused(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    target = resolve_target(session=session, debtor_id=debtor.id)
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    old = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        target=target,
        language="nl",
        provider="local",
        expiry_days=7,
        now=long_ago,
    )
    new = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        target=target,
        language="nl",
        provider="local",
        expiry_days=7,
    )
    assert new.id != old.id


def test_paid_twice_books_once_and_out_of_order_news_changes_nothing(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    invoices = list_open_invoices(session=session, debtor_id=debtor.id)
    link = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        language="nl",
        provider="local",
        target=invoice_target(invoices, "F-1-48213907"),
        expiry_days=7,
    )
    before = payments_count(session)
    paid = settle_link(
        session=session,
        link=link,
        provider_payment_id="tr_1",
        status="paid",
        amount=Decimal("150.00"),
    )
    assert paid is not None and link.status == "paid" and link.payment_id == paid.id
    for status in ("paid", "open", "canceled", "expired"):
        assert (
            settle_link(
                session=session,
                link=link,
                provider_payment_id="tr_1",
                status=status,
                amount=Decimal("150.00"),
            )
            is None
        )
    assert payments_count(session) == before + 1 and link.status == "paid"
    # the invoice paid is the one the link was for, not the oldest one
    statuses = {i.number: i.status for i in debtor.invoices}
    assert statuses == {"F-1-48213907": "paid", "F-2-48213907": "open"}
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("89.95")
    assert [e.action for e in list_events(session=session, debtor_id=debtor.id)].count(
        "payment_received"
    ) == 1


def test_a_not_paid_status_books_nothing_and_the_link_stays_usable(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    link = get_or_create_link(
        session=session,
        debtor_id=debtor.id,
        language="nl",
        provider="local",
        target=resolve_target(session=session, debtor_id=debtor.id),
        expiry_days=7,
    )
    before = payments_count(session)
    for status in ("open", "canceled", "failed", "expired"):
        assert (
            settle_link(
                session=session,
                link=link,
                provider_payment_id="tr_2",
                status=status,
                amount=link.amount,
            )
            is None
        )
    assert payments_count(session) == before and link.status == "open"
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("239.95")
