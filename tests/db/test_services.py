"""receivables services on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from receivables.accounts.debtors import create_debtor, find_debtor_by_reference
from receivables.accounts.invoices import create_invoice, get_open_balance, list_open_invoices
from receivables.common.redaction import CARD_PLACEHOLDER
from receivables.conversations.service import add_message, get_or_create_conversation, list_messages
from receivables.errors import Conflict, InvalidInput
from receivables.handoffs.service import create_handoff, list_handoffs
from receivables.models import Debtor
from receivables.payments.booking import book_payment
from receivables.verification.service import SecondFactor, verify_identity

TODAY = dt.date(2026, 11, 23)


def debtor_with_invoices(session: Session, reference: str = "48213907") -> Debtor:
    debtor = create_debtor(
        session=session,
        reference=reference,
        name="Anna de Vries",
        date_of_birth=dt.date(1985, 3, 12),
        postcode="1012 ab",
        language="nl",
    )
    for number, amount, due in (("F-2", "89.95", 30), ("F-1", "150.00", 10)):
        create_invoice(
            session=session,
            debtor=debtor,
            number=f"{number}-{reference}",
            amount=Decimal(amount),
            issue_date=TODAY - dt.timedelta(days=60),
            due_date=TODAY - dt.timedelta(days=60 - due),
        )
    return debtor


def test_balance_is_exact_and_decimal(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    balance = get_open_balance(session=session, debtor_id=debtor.id)
    assert balance == Decimal("239.95") and isinstance(balance, Decimal)
    assert debtor.postcode == "1012AB"


def test_payment_is_allocated_oldest_due_first(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    book_payment(session=session, debtor=debtor, amount=Decimal("160.00"), external_id="p-1")
    open_invoices = list_open_invoices(session=session, debtor_id=debtor.id)
    assert [(i.number, i.open_amount, i.status) for i in open_invoices] == [
        ("F-2-48213907", Decimal("79.95"), "partially_paid")
    ]
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("79.95")


def test_the_same_payment_is_booked_once(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    first = book_payment(session=session, debtor=debtor, amount=Decimal("50"), external_id="tr-9")
    again = book_payment(session=session, debtor=debtor, amount=Decimal("50"), external_id="tr-9")
    assert first.id == again.id
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("189.95")


def test_duplicates_and_bad_invoices_are_refused(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    with pytest.raises(Conflict):
        create_debtor(session=session, reference="48213907", name="Someone")
    with pytest.raises(Conflict):
        create_invoice(
            session=session,
            debtor=debtor,
            number="f-1-48213907",
            amount=Decimal("1"),
            issue_date=TODAY,
            due_date=TODAY,
        )
    with pytest.raises(InvalidInput):
        create_invoice(
            session=session,
            debtor=debtor,
            number="X-1",
            amount=Decimal("1"),
            issue_date=TODAY,
            due_date=TODAY - dt.timedelta(days=1),
        )


def test_a_debtor_is_found_by_customer_or_invoice_number(session: Session) -> None:
    debtor = debtor_with_invoices(session, reference="KL-2291")
    assert find_debtor_by_reference(session=session, reference="kl-2291") == debtor
    assert find_debtor_by_reference(session=session, reference="f-1-kl-2291") == debtor
    assert find_debtor_by_reference(session=session, reference="nope-1") is None


def test_verification_locks_after_three_failures(session: Session) -> None:
    debtor = debtor_with_invoices(session)
    get_or_create_conversation(session=session, conversation_id="c-1")
    wrong = SecondFactor(date_of_birth=dt.date(1970, 1, 1))
    results = [
        verify_identity(session=session, conversation_id="c-1", reference="48213907", factor=wrong)
        for _ in range(3)
    ]
    assert [r.failed_attempts for r in results] == [1, 2, 3] and results[-1].locked
    right = SecondFactor(date_of_birth=dt.date(1985, 3, 12))
    late = verify_identity(
        session=session, conversation_id="c-1", reference="48213907", factor=right
    )
    assert not late.verified
    fresh = verify_identity(
        session=session, conversation_id="c-2", reference="48213907", factor=right
    )
    assert fresh.debtor == debtor


def test_handoff_is_created_once_and_queued_senior_first(session: Session) -> None:
    first = create_handoff(session=session, conversation_id="c-j", reason="requested_human")
    assert create_handoff(session=session, conversation_id="c-j", reason="other").id == first.id
    senior = create_handoff(
        session=session, conversation_id="c-s", reason="dispute", level="senior"
    )
    queue = list_handoffs(session=session, status="waiting")
    assert [h.id for h in queue] == [senior.id, first.id]
    assert get_or_create_conversation(session=session, conversation_id="c-j").state == "waiting"


def test_messages_after_an_id_and_card_numbers_redacted(session: Session) -> None:
    conversation = get_or_create_conversation(session=session, conversation_id="c-m")
    first = add_message(session=session, conversation=conversation, sender="debtor", text="hoi")
    add_message(
        session=session,
        conversation=conversation,
        sender="debtor",
        text="mijn kaart is 4111 1111 1111 1111",
    )
    later = list_messages(session=session, conversation_id="c-m", after=first.id)
    assert len(later) == 1
    assert "4111" not in later[0].text and CARD_PLACEHOLDER in later[0].text
