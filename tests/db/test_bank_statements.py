"""Bank statements on SQLite and PostgreSQL: credits matched by invoice number, customer
number or amount, booked once by the bank's entry reference; the rest wait for a collector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice, get_open_balance
from receivables.arrangements.promises import create_promise
from receivables.books.bank_statements import (
    assign_transaction,
    import_statement,
    list_bank_transactions,
    parse_statement,
)
from receivables.models import Debtor, Payment, Promise
from receivables.policy.limits import effective_promise_limits
from receivables.policy.model import load_policy
from tests.fakes.bank_files import Entry, camt053, mt940

TODAY = dt.date(2026, 11, 30)
FORMATS: dict[str, Callable[[list[Entry]], str]] = {"camt053": camt053, "mt940": mt940}


def _debtor(session: Session, reference: str, invoices: list[tuple[str, str]]) -> Debtor:
    debtor = create_debtor(session=session, reference=reference, name=f"Debtor {reference}")
    for number, amount in invoices:
        create_invoice(
            session=session,
            debtor=debtor,
            number=number,
            amount=Decimal(amount),
            issue_date=TODAY - dt.timedelta(days=40),
            due_date=TODAY - dt.timedelta(days=10),
        )
    return debtor


@pytest.fixture(params=sorted(FORMATS))
def statement_format(request: pytest.FixtureRequest) -> Callable[[list[Entry]], str]:
    return FORMATS[request.param]


def test_matched_partly_matched_and_unmatched_credits(
    session: Session, statement_format: Callable[[list[Entry]], str]
) -> None:
    anna = _debtor(session, "48213907", [("F2026-0042", "150.00"), ("F2026-0107", "89.95")])
    mark = _debtor(session, "KL-2291", [("F2026-0300", "1000.00")])
    emma = _debtor(session, "39904512", [("F2026-0500", "198.00")])
    promise = create_promise(
        session=session,
        debtor_id=anna.id,
        date=TODAY,
        amount=Decimal("150.00"),
        limits=effective_promise_limits(load_policy()),
        today=TODAY - dt.timedelta(days=2),
    )
    entries = [
        # the invoice number in the description, the exact amount
        Entry("E1", Decimal("150.00"), "betaling factuur F2026-0042", TODAY),
        # the customer number, a part of the balance
        Entry("E2", Decimal("250.00"), "klantnummer KL-2291 eerste deel", TODAY),
        # no reference, but exactly one debtor owes this amount
        Entry("E3", Decimal("198.00"), "bedankt voor het geduld", TODAY),
        # nothing to go on
        Entry("E4", Decimal("12.34"), "gift", TODAY),
        # a debit is not a payment to us
        Entry("E5", Decimal("40.00"), "bankkosten", TODAY, credit=False),
    ]
    report = import_statement(session=session, credits=parse_statement(statement_format(entries)))
    assert (report.credits, report.booked, report.partly_matched, report.unmatched) == (4, 3, 1, 1)
    assert get_open_balance(session=session, debtor_id=anna.id) == Decimal("89.95")
    assert get_open_balance(session=session, debtor_id=mark.id) == Decimal("750.00")
    assert get_open_balance(session=session, debtor_id=emma.id) == Decimal("0.00")
    assert session.get(Promise, promise.id).status == "kept"  # type: ignore[union-attr]
    statuses = {t.remittance.split()[0]: t.status for t in list_bank_transactions(session=session)}
    assert statuses == {
        "betaling": "matched",
        "klantnummer": "partly_matched",
        "bedankt": "matched",
        "gift": "unmatched",
    }
    # the same statement again books nothing
    payments = session.scalar(select(func.count(Payment.id)))
    again = import_statement(session=session, credits=parse_statement(statement_format(entries)))
    assert (again.already_imported, again.booked) == (4, 0)
    assert session.scalar(select(func.count(Payment.id))) == payments


def test_a_collector_assigns_an_unmatched_credit(session: Session) -> None:
    debtor = _debtor(session, "55120348", [("F2026-0777", "64.30")])
    other = _debtor(session, "55120349", [("F2026-0778", "64.30")])  # same amount: no match
    import_statement(
        session=session,
        credits=parse_statement(camt053([Entry("E9", Decimal("64.30"), "zie mail", TODAY)])),
    )
    [waiting] = list_bank_transactions(session=session, status="unmatched")
    payment = assign_transaction(
        session=session, transaction_id=waiting.id, debtor_id=debtor.id, collector="eva"
    )
    assert payment.method == "bank_transfer" and payment.amount == Decimal("64.30")
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("0.00")
    assert get_open_balance(session=session, debtor_id=other.id) == Decimal("64.30")
    assert list_bank_transactions(session=session, status="unmatched") == []
