"""Bank statements: the credits on the creditor's account, read from CAMT.053 (ISO 20022,
what Dutch banks deliver; `pycamt`) or MT940 (`mt-940`), matched to a debtor and invoices,
booked once by the bank's entry reference, and the rest left for a collector.

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
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal

import mt940
from pycamt.parser import Camt053Parser
from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.accounts.debtors import find_debtor_by_reference
from receivables.accounts.invoices import list_open_invoices, open_balance
from receivables.arrangements.plans import apply_payment
from receivables.audit.events import record_event
from receivables.books.models import BankTransaction
from receivables.common.identifiers import normalize_reference
from receivables.common.money import to_money
from receivables.common.text import clean_text
from receivables.errors import InvalidInput, NotFound
from receivables.models import Debtor, Invoice, Payment, utcnow
from receivables.payments.booking import book_payment

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*[A-Za-z0-9]|[A-Za-z0-9]")


class StatementError(InvalidInput):
    """The file is not a statement we can read."""


@dataclass(frozen=True)
class BankCredit:
    """One credit on the statement, as the bank reported it."""

    entry_key: str
    source: str
    account: str | None
    amount: Decimal
    currency: str
    booked_on: dt.date
    counterparty: str | None
    counterparty_account: str | None
    remittance: str


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


def _key(account: str | None, reference: str | None, *fallback: object) -> str:
    """The bank's entry reference on this account; without one, a digest of the entry."""
    if reference:
        return f"{account or '-'}:{reference}"[:200]
    digest = hashlib.sha256("|".join(str(f) for f in fallback).encode()).hexdigest()[:32]
    return f"{account or '-'}:sha256:{digest}"


def _date(text: str | None) -> dt.date:
    if not text:
        raise StatementError("an entry has no booking date")
    return dt.date.fromisoformat(text[:10])


def parse_camt053(data: bytes | str) -> list[BankCredit]:
    """The credits (not debits, not reversals) of a CAMT.053 file."""
    try:
        parser = Camt053Parser(data)
        transactions = parser.get_transactions()
    except Exception as exc:  # noqa: BLE001 - any parser failure means: not a CAMT.053 file
        raise StatementError(f"not a CAMT.053 statement: {exc}") from exc
    credits = []
    for tx in transactions:
        if tx.get("CreditDebitIndicator") != "CRDT" or tx.get("ReversalIndicator") == "true":
            continue
        amount = to_money(tx.get("Amount") or tx.get("TransactionAmount") or "0")
        remittance = " ".join(
            str(part)
            for part in (
                tx.get("RemittanceInformationFull") or tx.get("RemittanceInformation"),
                tx.get("EndToEndId"),
            )
            if part and part != "NOTPROVIDED"
        )
        booked = _date(tx.get("BookingDate") or tx.get("ValueDate"))
        account = tx.get("AccountIBAN")
        credits.append(
            BankCredit(
                entry_key=_key(account, tx.get("TransactionID"), booked, amount, remittance),
                source="camt053",
                account=account,
                amount=amount,
                currency=tx.get("Currency") or "EUR",
                booked_on=booked,
                counterparty=tx.get("DebtorName"),
                counterparty_account=tx.get("DebtorIBAN"),
                remittance=remittance,
            )
        )
    return credits


_TAG = re.compile(r"/(REMI|NAME|IBAN|EREF|CSID|MARF|BIC|ADDR|TRTP|ORDP|BENM)/")


def _structured_86(details: str) -> dict[str, str]:
    """The Dutch banks' :86: layout, "/NAME/J. Jansen/IBAN/NL02.../REMI/F2026-0042". mt-940
    leaves :86: as one string and its bank processors do not cover this layout, so the
    tags are split here."""
    parts = _TAG.split(details)
    fields: dict[str, str] = {}
    for index in range(1, len(parts) - 1, 2):
        fields.setdefault(parts[index], parts[index + 1].strip().strip("/").replace("USTD//", ""))
    return fields


def parse_mt940(data: str) -> list[BankCredit]:
    """The credits of an MT940 file (one or more statements)."""
    if not re.search(r"^:(20|25|60F):", data, re.MULTILINE):
        raise StatementError("not an MT940 statement: no :20:, :25: or :60F: field")
    try:
        transactions = mt940.parse(data)
    except Exception as exc:  # noqa: BLE001 - any parser failure means: not an MT940 file
        raise StatementError(f"not an MT940 statement: {exc}") from exc
    account = transactions.data.get("account_identification")
    credits = []
    for tx in transactions:
        values = tx.data
        amount = values.get("amount")
        if amount is None or amount.amount <= 0:
            continue
        value = to_money(str(amount.amount))
        details = str(values.get("transaction_details") or "").replace("\n", "")
        fields = _structured_86(details)
        remittance = fields.get("REMI") or details
        for extra in ("customer_reference", "end_to_end_reference"):
            if values.get(extra) and values[extra] != "NONREF":
                remittance += f" {values[extra]}"
        booked = values.get("entry_date") or values.get("date")
        if booked is None:
            raise StatementError("an MT940 entry has no date")
        booked_on = dt.date(booked.year, booked.month, booked.day)
        reference = values.get("bank_reference") or values.get("customer_reference")
        if reference == "NONREF":
            reference = None
        credits.append(
            BankCredit(
                entry_key=_key(account, reference, booked_on, value, remittance),
                source="mt940",
                account=account,
                amount=value,
                currency=str(getattr(amount, "currency", "EUR") or "EUR"),
                booked_on=booked_on,
                counterparty=fields.get("NAME") or values.get("applicant_name"),
                counterparty_account=fields.get("IBAN") or values.get("applicant_iban"),
                remittance=remittance,
            )
        )
    return credits


def parse_statement(data: bytes | str) -> list[BankCredit]:
    """CAMT.053 (XML) or MT940, told apart by their first characters."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    text = clean_text(text)  # no NUL or control characters reach the database
    if text.lstrip().startswith("<"):
        return parse_camt053(text.encode("utf-8"))
    return parse_mt940(text)


def match_credit(credit: BankCredit, ledger: Ledger) -> Match:
    """Who paid what. Pure."""
    tokens = [normalize_reference(t) for t in _TOKEN.findall(credit.remittance)]
    compact = normalize_reference(re.sub(r"\s+", "", credit.remittance))
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
    credits: int = 0
    booked: int = 0
    partly_matched: int = 0
    unmatched: int = 0
    already_imported: int = 0
    booked_payment_ids: list[int] | None = None


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


def import_statement(*, session: Session, credits: list[BankCredit]) -> StatementReport:
    """Store each credit once (its entry key); book the matched ones. The caller commits."""
    report = StatementReport(booked_payment_ids=[])
    for credit in credits:
        report.credits += 1
        known = session.scalar(
            select(BankTransaction.id).where(BankTransaction.entry_key == credit.entry_key)
        )
        if known is not None:
            report.already_imported += 1
            continue
        match = match_credit(credit, load_ledger(session=session))
        transaction = BankTransaction(
            entry_key=credit.entry_key,
            source=credit.source,
            account=credit.account,
            amount=credit.amount,
            currency=credit.currency,
            booked_on=credit.booked_on,
            counterparty=(credit.counterparty or "")[:200] or None,
            counterparty_account=(credit.counterparty_account or "")[:64] or None,
            remittance=credit.remittance,
            status=match.status,
            matched_by=match.by,
        )
        session.add(transaction)
        session.flush()
        if match.debtor_id is None:
            report.unmatched += 1
            continue
        payment = _book(session, transaction, match.debtor_id, match.invoice_ids)
        report.booked += 1
        report.partly_matched += match.status == "partly_matched"
        assert report.booked_payment_ids is not None
        report.booked_payment_ids.append(payment.id)
    return report


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
