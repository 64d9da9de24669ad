"""Bank statements on SQLite and PostgreSQL: credits matched by invoice number, customer
number or amount, booked once by their line's key; the rest wait for a collector. Every
detail of a batch is its own credit; debits are not payments; a reversal takes back what it
reverses; a credit in another currency waits. The real banks' files of
../shared/bank-statements/ import with the hand-counted credits, and again change nothing."""

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
from receivables.books.models import BankTransaction
from receivables.common import clock
from receivables.errors import InvalidInput
from receivables.models import Debtor, Payment, Promise
from receivables.policy.limits import effective_promise_limits
from receivables.policy.model import load_policy
from tests.fakes.bank_files import Entry, camt053, mt940, statement_files

# the clock's today: a payment "received" on a fixed past date cannot keep a promise made now
TODAY = clock.today()
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
    report = import_statement(
        session=session, lines=parse_statement(statement_format(entries)).lines
    )
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
    again = import_statement(
        session=session, lines=parse_statement(statement_format(entries)).lines
    )
    assert (again.already_imported, again.booked) == (4, 0)
    assert session.scalar(select(func.count(Payment.id))) == payments


def test_a_collector_assigns_an_unmatched_credit(session: Session) -> None:
    debtor = _debtor(session, "55120348", [("F2026-0777", "64.30")])
    other = _debtor(session, "55120349", [("F2026-0778", "64.30")])  # same amount: no match
    import_statement(
        session=session,
        lines=parse_statement(camt053([Entry("E9", Decimal("64.30"), "zie mail", TODAY)])).lines,
    )
    [waiting] = list_bank_transactions(session=session, status="unmatched")
    payment = assign_transaction(
        session=session, transaction_id=waiting.id, debtor_id=debtor.id, collector="eva"
    )
    assert payment.method == "bank_transfer" and payment.amount == Decimal("64.30")
    assert get_open_balance(session=session, debtor_id=debtor.id) == Decimal("0.00")
    assert get_open_balance(session=session, debtor_id=other.id) == Decimal("64.30")
    assert list_bank_transactions(session=session, status="unmatched") == []


def test_a_reversal_takes_back_the_credit_it_reverses(
    session: Session, statement_format: Callable[[list[Entry]], str]
) -> None:
    anna = _debtor(session, "48213907", [("F2026-0042", "150.00")])
    paid = Entry("P1", Decimal("150.00"), "F2026-0042", TODAY, end_to_end="E2E-0042")
    import_statement(session=session, lines=parse_statement(statement_format([paid])).lines)
    assert get_open_balance(session=session, debtor_id=anna.id) == Decimal("0.00")
    # the payer's bank takes it back (CAMT RvslInd on a debit, MT940 RC): another reference,
    # the original's end-to-end id
    back = Entry(
        "R1",
        Decimal("150.00"),
        "F2026-0042",
        TODAY,
        credit=False,
        reversal=True,
        end_to_end="E2E-0042",
    )
    report = import_statement(
        session=session, lines=parse_statement(statement_format([back])).lines
    )
    assert (report.credits, report.reversals, report.reversed_bookings) == (0, 1, 1)
    assert get_open_balance(session=session, debtor_id=anna.id) == Decimal("150.00")
    statuses = sorted(t.status for t in list_bank_transactions(session=session))
    assert statuses == ["reversal", "reversed"]
    # the same reversal again undoes nothing twice
    again = import_statement(session=session, lines=parse_statement(statement_format([back])).lines)
    assert (again.already_imported, again.reversed_bookings) == (1, 0)
    assert get_open_balance(session=session, debtor_id=anna.id) == Decimal("150.00")
    # a reversal of something never booked books nothing; money coming back (RD) is no payment
    other = Entry("R2", Decimal("9.99"), "x", TODAY, credit=False, reversal=True, end_to_end="?")
    returned = Entry("R3", Decimal("150.00"), "F2026-0042", TODAY, reversal=True)
    report = import_statement(
        session=session, lines=parse_statement(statement_format([other, returned])).lines
    )
    assert (report.reversals, report.reversed_bookings, report.not_payments) == (1, 0, 1)
    assert get_open_balance(session=session, debtor_id=anna.id) == Decimal("150.00")


def test_a_credit_in_another_currency_waits_for_a_collector(session: Session) -> None:
    anna = _debtor(session, "48213907", [("F2026-0042", "150.00")])
    chf = Entry("C1", Decimal("150.00"), "F2026-0042", TODAY, currency="CHF")
    report = import_statement(session=session, lines=parse_statement(camt053([chf])).lines)
    assert (report.booked, report.unmatched, report.other_currency) == (0, 1, 1)
    assert get_open_balance(session=session, debtor_id=anna.id) == Decimal("150.00")
    [waiting] = list_bank_transactions(session=session, status="unmatched")
    assert (waiting.currency, waiting.reason) == ("CHF", "other_currency")
    with pytest.raises(InvalidInput, match="in CHF"):
        assign_transaction(
            session=session, transaction_id=waiting.id, debtor_id=anna.id, collector="eva"
        )


# file -> the incoming payments stored on a first import (by hand, see tests/unit/
# test_bank_statement_files.py): every detail of a batch is its own credit
FIRST_IMPORT = {
    "C01": 1, "C02": 2, "C04": 4, "C05": 4, "C06": 8, "C07": 2, "C09": 21, "C10": 2,
    "C11": 1, "C13": 9, "C16": 4, "M01": 3, "M02": 3, "M03": 2, "M04": 5, "M05": 1,
    "M07": 1, "M09": 1, "M10": 2, "M11": 4, "M13": 26, "M15": 24, "M17": 3, "M20": 1,
    "M22": 1,
}  # fmt: skip


def test_every_real_file_imports_its_credits_once(session: Session) -> None:
    """Into books with no debtor: every credit stored (none "already imported" on the first
    import, batches included), no debit and no returned money stored as a credit; the whole
    set again changes nothing."""
    files = statement_files()
    assert sorted(files) == sorted(FIRST_IMPORT)
    for name, path in sorted(files.items()):
        report = import_statement(session=session, lines=parse_statement(path.read_bytes()).lines)
        assert (report.credits, report.already_imported) == (FIRST_IMPORT[name], 0), name
    stored = session.scalar(
        select(func.count(BankTransaction.id)).where(BankTransaction.status != "reversal")
    )
    assert stored == sum(FIRST_IMPORT.values())
    for name, path in sorted(files.items()):
        again = import_statement(session=session, lines=parse_statement(path.read_bytes()).lines)
        assert again.already_imported == again.credits + again.reversals, name
    assert session.scalar(select(func.count(Payment.id))) == 0
