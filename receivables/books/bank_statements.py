"""Bank statements: the credits on the creditor's account, read into neutral lines by
receivables.books.statements (CAMT.053 and MT940, every transaction detail its own line),
matched to a debtor and invoices, booked once by the line's key, and the rest left for a
collector. Debits are never payments; a reversal or return takes back the credit it reverses
(or is kept, booking nothing, when nothing was booked); a credit in another currency than
the ledger's waits for a collector with that reason.

Matching, in this order (`match_credit`, pure):
1. an invoice number in the remittance information (or the payment reference);
2. a customer number there;
3. the amount: exactly one debtor whose open balance, or one open invoice whose open amount,
   equals the credit.
A credit matched by a reference but for another amount is "partly matched": it is booked to
that debtor, on the named invoice first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import find_debtor_by_reference
from receivables.accounts.invoices import list_open_invoices, open_balance
from receivables.arrangements.plans import apply_payment
from receivables.audit.events import record_event
from receivables.books.models import BankTransaction
from receivables.books.reversals import reverse_payment
from receivables.books.statements import StatementError, StatementLine, parse_statement
from receivables.common.identifiers import normalize_reference
from receivables.common.money import to_money
from receivables.errors import InvalidInput, NotFound
from receivables.models import Debtor, Invoice, Payment, utcnow
from receivables.payments.booking import book_payment

__all__ = [
    "StatementError",
    "assign_transaction",
    "import_statement",
    "list_bank_transactions",
    "match_credit",
    "parse_statement",
]

LEDGER_CURRENCY = "EUR"  # what invoices are in (the contract's "currency": "EUR")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*[A-Za-z0-9]|[A-Za-z0-9]")


@dataclass(frozen=True)
class OpenItem:
    debtor_id: int
    invoice_id: int
    number: str
    open_amount: Decimal


@dataclass(frozen=True)
class Ledger:
    """What can be matched against: open invoices, customer numbers, balances. Pure data."""

    invoices: dict[str, OpenItem]  # normalized invoice number -> open item
    customers: dict[str, int]  # normalized customer number -> debtor id
    balances: dict[int, Decimal]  # debtor id -> open balance


@dataclass(frozen=True)
class Match:
    status: str  # matched | partly_matched | unmatched
    by: str | None  # invoice | customer | amount
    debtor_id: int | None
    invoice_ids: list[int]


def _searchable(line: StatementLine) -> str:
    """What the payer wrote: the remittance, the structured reference, the end-to-end id."""
    parts = (line.remittance, line.structured_reference, line.end_to_end_id)
    return " ".join(p for p in parts if p)


def match_credit(credit: StatementLine, ledger: Ledger) -> Match:
    """Who paid what. Pure."""
    text = _searchable(credit)
    tokens = [normalize_reference(t) for t in _TOKEN.findall(text)]
    compact = normalize_reference(re.sub(r"\s+", "", text))
    for number, item in ledger.invoices.items():
        if number in tokens or (len(number) >= 6 and number in compact):
            status = "matched" if credit.amount == item.open_amount else "partly_matched"
            if credit.amount == ledger.balances.get(item.debtor_id):
                status = "matched"
            return Match(status, "invoice", item.debtor_id, [item.invoice_id])
    for token in tokens:
        if token in ledger.customers:
            debtor_id = ledger.customers[token]
            status = (
                "matched" if credit.amount == ledger.balances.get(debtor_id) else "partly_matched"
            )
            return Match(status, "customer", debtor_id, [])
    by_balance = [d for d, balance in ledger.balances.items() if balance == credit.amount]
    if len(by_balance) == 1:
        return Match("matched", "amount", by_balance[0], [])
    by_invoice = [i for i in ledger.invoices.values() if i.open_amount == credit.amount]
    if len(by_invoice) == 1:
        return Match("matched", "amount", by_invoice[0].debtor_id, [by_invoice[0].invoice_id])
    return Match("unmatched", None, None, [])


def load_ledger(*, session: Session) -> Ledger:
    """Every debtor with something open: their open invoices, numbers and balances."""
    invoices: dict[str, OpenItem] = {}
    customers: dict[str, int] = {}
    balances: dict[int, Decimal] = {}
    debtor_ids = session.scalars(
        select(Invoice.debtor_id).where(Invoice.status.in_(("open", "partially_paid"))).distinct()
    )
    for debtor_id in debtor_ids:
        open_invoices = list_open_invoices(session=session, debtor_id=debtor_id)
        if not open_invoices:
            continue
        balances[debtor_id] = open_balance(open_invoices)
        for invoice in open_invoices:
            invoices[normalize_reference(invoice.number)] = OpenItem(
                debtor_id, invoice.id, invoice.number, invoice.open_amount
            )
    for debtor_id, reference in session.execute(
        select(Debtor.id, Debtor.reference).where(Debtor.id.in_(balances))
    ):
        customers[normalize_reference(reference)] = debtor_id
    return Ledger(invoices, customers, balances)


@dataclass
class StatementReport:
    credits: int = 0  # incoming payments on the statement (not debits, not money back)
    booked: int = 0
    partly_matched: int = 0
    unmatched: int = 0  # waiting for a collector (other_currency among them)
    other_currency: int = 0
    already_imported: int = 0
    reversals: int = 0  # lines that took a credit back
    reversed_bookings: int = 0  # of those, how many undid a booked payment
    not_payments: int = 0  # debits and money coming back (returned transfers): ignored
    booked_payment_ids: list[int] = field(default_factory=list)


def _arrived(booked_on: dt.date) -> dt.datetime:
    """A statement knows only the day: the money counts as arrived at the end of it (so a
    promise made that day is kept by it), or now when that is still to come."""
    return min(dt.datetime.combine(booked_on, dt.time(23, 59, 59), dt.UTC), utcnow())


def _book(
    session: Session, transaction: BankTransaction, debtor_id: int, invoice_ids: list[int]
) -> Payment:
    """Book a bank transfer like a link payment: allocated (the named invoice first, then
    oldest due first), installments and promises it covers settled, in the audit log."""
    debtor = session.get(Debtor, debtor_id)
    if debtor is None:
        raise NotFound("debtor", debtor_id)
    payment = book_payment(
        session=session,
        debtor=debtor,
        amount=transaction.amount,
        method="bank_transfer",
        external_id=f"bank:{transaction.entry_key}"[:100],
        received_at=_arrived(transaction.booked_on),
        first_invoice_ids=invoice_ids,
    )
    transaction.debtor_id, transaction.payment_id = debtor.id, payment.id
    apply_payment(session=session, debtor_id=debtor.id, payment=payment)
    record_event(
        session=session,
        actor="system",
        action="payment_received",
        debtor_id=debtor.id,
        detail={
            "payment_id": payment.id,
            "amount": str(payment.amount),
            "method": "bank_transfer",
            "bank_entry": transaction.entry_key,
            "matched_by": transaction.matched_by,
        },
    )
    return payment


def import_statement(*, session: Session, lines: Iterable[StatementLine]) -> StatementReport:
    """Store each credit once (its key); book the matched ones in the ledger's currency;
    take back what a reversal reverses. The caller commits."""
    report = StatementReport()
    for line in lines:
        if line.is_incoming_payment:
            report.credits += 1
            _import_credit(session, line, report)
        elif line.undoes_a_credit:
            report.reversals += 1
            _import_reversal(session, line, report)
        else:
            report.not_payments += 1
    return report


def _known(session: Session, *keys: str | None) -> bool:
    wanted = [key for key in keys if key]
    return (
        session.scalar(select(BankTransaction.id).where(BankTransaction.entry_key.in_(wanted)))
        is not None
    )


def _stored(line: StatementLine, *, status: str, matched_by: str | None = None) -> BankTransaction:
    return BankTransaction(
        entry_key=line.key,
        source=line.source,
        account=(line.account or "")[:64] or None,
        amount=to_money(line.amount),
        currency=line.currency[:3],
        booked_on=line.booked_on,
        value_date=line.value_date,
        counterparty=(line.counterparty_name or "")[:200] or None,
        counterparty_account=(line.counterparty_iban or line.counterparty_account or "")[:64]
        or None,
        remittance=line.remittance,
        bank_reference=(line.bank_reference or "")[:100] or None,
        end_to_end_id=(line.end_to_end_id or "")[:100] or None,
        structured_reference=(line.structured_reference or "")[:64] or None,
        structured_reference_type=(line.structured_reference_type or "")[:32] or None,
        status=status,
        matched_by=matched_by,
    )


def _import_credit(session: Session, line: StatementLine, report: StatementReport) -> None:
    # an earlier Settle stored a batch's first detail under the entry's reference
    if _known(session, line.key, line.legacy_key):
        report.already_imported += 1
        return
    if line.currency != LEDGER_CURRENCY:
        transaction = _stored(line, status="unmatched")
        transaction.reason = "other_currency"
        session.add(transaction)
        session.flush()
        report.unmatched += 1
        report.other_currency += 1
        return
    match = match_credit(line, load_ledger(session=session))
    transaction = _stored(line, status=match.status, matched_by=match.by)
    session.add(transaction)
    session.flush()
    if match.debtor_id is None:
        report.unmatched += 1
        return
    payment = _book(session, transaction, match.debtor_id, match.invoice_ids)
    report.booked += 1
    report.partly_matched += match.status == "partly_matched"
    report.booked_payment_ids.append(payment.id)


def _import_reversal(session: Session, line: StatementLine, report: StatementReport) -> None:
    """Money that went back out for an earlier credit: that credit's booking is undone (its
    payment reversed, what it paid open again), or, never booked, it leaves the collector's
    queue. The original is found by the key the bank's reference gives it, else by the
    bank's original reference (end-to-end id or reference) and the same amount."""
    if _known(session, line.key):
        report.already_imported += 1
        return
    original = _original(session, line)
    transaction = _stored(line, status="reversal")
    if original is not None:
        transaction.reverses_id, transaction.debtor_id = original.id, original.debtor_id
    session.add(transaction)
    if original is None:
        session.flush()
        return
    booked = original.payment_id is not None
    original.status = "reversed"
    session.flush()
    if booked:
        payment = session.get(Payment, original.payment_id)
        already = to_money(payment.reversed_amount or 0) if payment else Decimal(0)
        reverse_payment(
            session=session,
            external_id=f"bank:{original.entry_key}"[:100],
            refunded=Decimal(0),
            charged_back=already + to_money(line.amount),
        )
        report.reversed_bookings += 1
    record_event(
        session=session,
        actor="system",
        action="bank_credit_reversed",
        debtor_id=original.debtor_id,
        detail={
            "bank_entry": original.entry_key,
            "reversal_entry": line.key,
            "amount": str(to_money(line.amount)),
            "return_code": line.return_code,
            "payment_id": original.payment_id,
        },
    )


def _original(session: Session, line: StatementLine) -> BankTransaction | None:
    account = (line.account or "")[:64] or None
    candidates = select(BankTransaction).where(
        BankTransaction.status.not_in(("reversal", "reversed")),
        BankTransaction.account.is_(None)
        if account is None
        else BankTransaction.account == account,
    )
    plain_key = line.key.removesuffix(":reversal")
    found = session.scalar(candidates.where(BankTransaction.entry_key == plain_key))
    if found is not None or not line.reverses:
        return found
    return session.scalar(
        candidates.where(
            or_(
                BankTransaction.end_to_end_id == line.reverses[:100],
                BankTransaction.bank_reference == line.reverses[:100],
            ),
            BankTransaction.amount == to_money(line.amount),
        ).order_by(BankTransaction.id)
    )


def list_bank_transactions(*, session: Session, status: str | None = None) -> list[BankTransaction]:
    query = select(BankTransaction)
    if status is not None:
        query = query.where(BankTransaction.status == status)
    return list(session.scalars(query.order_by(BankTransaction.booked_on, BankTransaction.id)))


def assign_transaction(
    *, session: Session, transaction_id: int, debtor_id: int, collector: str
) -> Payment:
    """A collector says who an unmatched credit came from: booked to that debtor now."""
    transaction = session.get(BankTransaction, transaction_id, with_for_update=True)
    if transaction is None:
        raise NotFound("bank transaction", transaction_id)
    if transaction.status != "unmatched":
        raise InvalidInput("this credit is already booked")
    if transaction.currency != LEDGER_CURRENCY:
        raise InvalidInput(
            f"this credit is in {transaction.currency}, the books in {LEDGER_CURRENCY}: "
            "book it in the accounts once converted"
        )
    transaction.status, transaction.matched_by = "assigned", "collector"
    payment = _book(session, transaction, debtor_id, [])
    record_event(
        session=session,
        actor=f"collector:{collector}",
        action="bank_credit_assigned",
        debtor_id=debtor_id,
        detail={"bank_entry": transaction.entry_key, "payment_id": payment.id},
    )
    return payment


def assign_by_reference(
    *, session: Session, transaction_id: int, reference: str, collector: str
) -> Payment:
    """The console's form: the debtor by customer number (or invoice number)."""
    debtor = find_debtor_by_reference(session=session, reference=reference)
    if debtor is None:
        raise InvalidInput(f"no debtor with customer or invoice number {reference!r}")
    return assign_transaction(
        session=session, transaction_id=transaction_id, debtor_id=debtor.id, collector=collector
    )
