"""Bulk import of debtors, invoices (and credit notes) and payments, keyed by the creditor's
own ids (`external_id`): an import run twice changes nothing; a changed invoice (amount, due
date, a credit note, a cancellation) is updated, with the change in the audit log. Each row
lands whole or is reported with its line number and the reason; a bad row never blocks the
good ones and never leaves half a debtor (each row is its own savepoint).

    settle import invoices export.csv [--mapping FILE] [--dry-run]
    settle import debtors debtors.json

The caller owns the transaction (`import_rows`); `settle import` commits every `--batch`
rows, so a large file lands in steps and shows its progress.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.arrangements.plans import apply_payment
from receivables.audit.events import record_event
from receivables.books.columns import (
    ColumnError,
    Kind,
    Row,
    load_mapping,
    parse_amount,
    parse_date,
    read_rows,
    records_from_json,
)
from receivables.common.identifiers import normalize_postcode, normalize_reference
from receivables.common.language import language_code, resolve_language
from receivables.common.text import clean_text, clean_values
from receivables.db import begin_transaction
from receivables.models import CreditNote, Debtor, Invoice, Payment
from receivables.payments.booking import book_payment

REQUIRED: dict[Kind, tuple[str, ...]] = {
    "debtors": ("external_id",),
    "invoices": ("external_id", "amount"),
    "payments": ("external_id", "amount"),
}
CANCELED_WORDS = {"canceled", "cancelled", "geannuleerd", "vervallen", "void", "gecrediteerd"}
CREDIT_WORDS = {"credit_note", "creditnote", "credit", "creditnota", "creditfactuur"}
ACTOR = "import"


def _chunks(keys: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


class RowRejected(ValueError):
    """This row cannot land; the message is the reason shown with its line number."""


@dataclass
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.problems)

    def add(self, other: ImportReport) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.problems.extend(other.problems)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows": self.rows}


def _text(values: dict[str, str], name: str, limit: int) -> str | None:
    value = values.get(name)
    if value is None:
        return None
    if len(value) > limit:
        raise RowRejected(f"{name} is longer than {limit} characters")
    return value


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    code = language_code(value)
    if code is None:
        raise RowRejected(f"language must be nl or en, not {value!r}")
    return code


def _date(values: dict[str, str], name: str) -> dt.date | None:
    value = values.get(name)
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise RowRejected(f"{name}: {exc}") from exc


def _amount(values: dict[str, str], name: str, decimal: str) -> Decimal:
    value = values.get(name)
    if value is None:
        raise RowRejected(f"{name} is missing")
    try:
        return parse_amount(value, decimal)
    except ValueError as exc:
        raise RowRejected(f"{name}: {exc}") from exc


def _apply(obj: Any, changes: dict[str, Any]) -> dict[str, list[str]]:
    """Set the values that differ; return {field: [before, after]} for the audit log."""
    changed = {}
    for name, value in changes.items():
        if value is None:
            continue
        before = getattr(obj, name)
        if before != value:
            changed[name] = [str(before), str(value)]
            setattr(obj, name, value)
    return changed


class _Importer:
    """One import's state: the debtors and invoices seen so far, by external id."""

    def __init__(self, session: Session, decimal: str, default_language: str) -> None:
        self.session = session
        self.decimal = decimal
        self.default_language = default_language
        # what this import looked up or made: a few queries per batch instead of per row
        self.debtors: dict[str, Debtor | None] = {}
        self.invoices: dict[str, Invoice | None] = {}

    def prefetch(self, rows: list[Row]) -> None:
        """Load the debtors and invoices the rows name, in a few IN queries."""
        names = ("external_id", "debtor_external_id")
        debtor_keys = sorted({r.values[k] for r in rows for k in names if r.values.get(k)})
        for chunk in _chunks(debtor_keys):
            query = select(Debtor).where(Debtor.external_id.in_(chunk))
            found = {d.external_id: d for d in self.session.scalars(query)}
            self.debtors.update({k: found.get(k) for k in chunk})
        invoice_keys = sorted(
            {r.values["external_id"] for r in rows if r.values.get("external_id")}
        )
        for chunk in _chunks(invoice_keys):
            query_invoices = select(Invoice).where(Invoice.external_id.in_(chunk))
            known = {i.external_id: i for i in self.session.scalars(query_invoices)}
            self.invoices.update({k: known.get(k) for k in chunk})

    def forget(self) -> None:
        """A row was rolled back: what it made is gone, so look it up again next time."""
        self.debtors.clear()
        self.invoices.clear()

    def debtor(self, external_id: str) -> Debtor | None:
        if external_id not in self.debtors:
            self.debtors[external_id] = self.session.scalar(
                select(Debtor).where(Debtor.external_id == external_id)
            )
        return self.debtors[external_id]

    def own_invoice(self, external_id: str) -> Invoice | None:
        if external_id not in self.invoices:
            self.invoices[external_id] = self.session.scalar(
                select(Invoice).where(Invoice.external_id == external_id)
            )
        return self.invoices[external_id]

    def invoice(self, key: str) -> Invoice | None:
        """An invoice by the creditor's id, else by its number."""
        found = self.own_invoice(key)
        if found is None:
            found = self.session.scalar(select(Invoice).where(Invoice.number == key.strip()))
        return found

    # --- debtors -----------------------------------------------------------------------
    def upsert_debtor(self, values: dict[str, str], prefix: str = "") -> tuple[Debtor, str]:
        """`prefix`: "debtor_" when the debtor comes along on an invoice row."""
        external_id = values.get("external_id" if not prefix else "debtor_external_id")
        if not external_id:
            raise RowRejected(f"{prefix}external_id is missing")
        if len(external_id) > 64:
            raise RowRejected(f"{prefix}external_id is longer than 64 characters")
        postcode_text = values.get(f"{prefix}postcode")
        postcode = normalize_postcode(postcode_text) if postcode_text else None
        if postcode_text and postcode is None:
            raise RowRejected(f"{prefix}postcode is not a postcode: {postcode_text!r}")
        fields = {
            "name": _text(values, f"{prefix}name", 200),
            "date_of_birth": _date(values, f"{prefix}date_of_birth"),
            "postcode": postcode,
            "phone": _text(values, f"{prefix}phone", 32),
            "email": _text(values, f"{prefix}email", 254),
            "language": _language(values.get(f"{prefix}language")),
        }
        debtor = self.debtor(external_id)
        if debtor is None:
            if not fields["name"]:
                raise RowRejected(f"a new debtor needs a {prefix}name")
            reference = normalize_reference(values.get(f"{prefix}reference") or external_id)
            if self.session.scalar(select(Debtor.id).where(Debtor.reference == reference)):
                raise RowRejected(f"customer number {reference} belongs to another debtor")
            given = {k: v for k, v in fields.items() if v is not None}
            debtor = Debtor(
                external_id=external_id,
                reference=reference,
                **{"language": self.default_language, **given},
            )
            self.session.add(debtor)
            self.session.flush()
            self.debtors[external_id] = debtor
            record_event(
                session=self.session,
                actor=ACTOR,
                action="debtor_created",
                debtor_id=debtor.id,
                detail={"external_id": external_id},
            )
            return debtor, "created"
        if prefix:
            return debtor, "unchanged"  # an invoice row does not rewrite its debtor
        changed = _apply(debtor, fields)
        if not changed:
            return debtor, "unchanged"
        # personal data is not copied into the audit log: only which fields changed
        record_event(
            session=self.session,
            actor=ACTOR,
            action="debtor_updated",
            debtor_id=debtor.id,
            detail={"fields": sorted(changed)},
        )
        return debtor, "updated"

    # --- invoices and credit notes ---------------------------------------------------------
    def upsert_invoice(self, values: dict[str, str]) -> str:
        external_id = values["external_id"]
        if len(external_id) > 64:
            raise RowRejected("external_id is longer than 64 characters")
        amount = _amount(values, "amount", self.decimal)
        kind = values.get("type", "").strip().lower().replace(" ", "_").replace("-", "_")
        if kind in CREDIT_WORDS or amount < 0:
            return self.upsert_credit_note(values, abs(amount))
        if amount <= 0:
            raise RowRejected("amount must be positive")
        debtor_key = values.get("debtor_external_id")
        if not debtor_key:
            raise RowRejected("debtor_external_id is missing")
        debtor = self.debtor(debtor_key)
        if debtor is None:
            if not values.get("debtor_name"):
                raise RowRejected(f"no debtor with external_id {debtor_key}")
            debtor, _ = self.upsert_debtor(values, prefix="debtor_")
        canceled = values.get("status", "").strip().lower() in CANCELED_WORDS
        issue_date, due_date = _date(values, "issue_date"), _date(values, "due_date")
        currency = (values.get("currency") or "EUR").upper()
        if currency != "EUR":
            raise RowRejected(f"currency must be EUR, not {currency}")
        invoice = self.own_invoice(external_id)
        if invoice is None:
            if issue_date is None or due_date is None:
                raise RowRejected("a new invoice needs issue_date and due_date")
            if due_date < issue_date:
                raise RowRejected("due_date is before issue_date")
            number = _text(values, "number", 64) or external_id
            if self.session.scalar(select(Invoice.id).where(Invoice.number == number)):
                raise RowRejected(f"invoice number {number} belongs to another invoice")
            invoice = Invoice(
                debtor_id=debtor.id,
                external_id=external_id,
                number=number,
                amount=amount,
                currency=currency,
                issue_date=issue_date,
                due_date=due_date,
                description=_text(values, "description", 500),
                status="canceled" if canceled else "open",
            )
            self.session.add(invoice)
            self.session.flush()
            self.invoices[external_id] = invoice
            return "created"
        if invoice.debtor_id != debtor.id:
            raise RowRejected(f"invoice {external_id} belongs to another debtor")
        status = invoice.status
        if canceled:
            status = "canceled"
        elif invoice.status == "canceled":
            status = "open"  # the creditor took the cancellation back
        changed = _apply(
            invoice,
            {
                "amount": amount,
                "issue_date": issue_date,
                "due_date": due_date,
                "description": _text(values, "description", 500),
                "status": status,
            },
        )
        if invoice.due_date < invoice.issue_date:
            raise RowRejected("due_date is before issue_date")
        if not changed:
            return "unchanged"
        record_event(
            session=self.session,
            actor=ACTOR,
            action="invoice_canceled" if "status" in changed and canceled else "invoice_updated",
            debtor_id=debtor.id,
            detail={"invoice": invoice.number, "changes": changed},
        )
        return "updated"

    def upsert_credit_note(self, values: dict[str, str], amount: Decimal) -> str:
        external_id = values["external_id"]
        target = values.get("credit_for")
        if not target:
            raise RowRejected("a credit note needs credit_for: the invoice it credits")
        invoice = self.invoice(target)
        if invoice is None:
            raise RowRejected(f"credit_for: no invoice {target}")
        if amount <= 0:
            raise RowRejected("a credit note's amount must not be zero")
        note = self.session.scalar(select(CreditNote).where(CreditNote.external_id == external_id))
        issue_date = _date(values, "issue_date") or dt.date.today()
        if note is None:
            note = CreditNote(
                external_id=external_id, invoice_id=invoice.id, amount=amount, issue_date=issue_date
            )
            self.session.add(note)
            self.session.flush()
            outcome, changed = "created", {"amount": ["0", str(amount)]}
        else:
            changed = _apply(note, {"amount": amount, "invoice_id": invoice.id})
            if not changed:
                return "unchanged"
            outcome = "updated"
        record_event(
            session=self.session,
            actor=ACTOR,
            action="invoice_credited",
            debtor_id=invoice.debtor_id,
            detail={"invoice": invoice.number, "credit_note": external_id, "changes": changed},
        )
        return outcome

    # --- payments --------------------------------------------------------------------------
    def add_payment(self, values: dict[str, str]) -> str:
        external_id = f"import:{values['external_id']}"[:100]
        amount = _amount(values, "amount", self.decimal)
        if amount <= 0:
            raise RowRejected("amount must be positive")
        existing = self.session.scalar(select(Payment).where(Payment.external_id == external_id))
        if existing is not None:
            if existing.amount != amount:
                raise RowRejected(
                    f"payment {values['external_id']} was booked for {existing.amount}; "
                    "a booked payment is not changed by an import"
                )
            return "unchanged"
        debtor = self.debtor(values.get("debtor_external_id") or "")
        if debtor is None:
            raise RowRejected(f"no debtor with external_id {values.get('debtor_external_id')}")
        invoice_ids = None
        if number := values.get("invoice"):
            invoice = self.invoice(number)
            if invoice is None or invoice.debtor_id != debtor.id:
                raise RowRejected(f"invoice {number} is not this debtor's")
            invoice_ids = [invoice.id]
        received = _date(values, "date") or dt.date.today()
        payment = book_payment(
            session=self.session,
            debtor=debtor,
            amount=amount,
            method=(values.get("method") or "bank_transfer")[:32],
            external_id=external_id,
            received_at=dt.datetime.combine(received, dt.time(12), dt.UTC),
            invoice_ids=invoice_ids,
        )
        apply_payment(session=self.session, debtor_id=debtor.id, payment=payment)
        record_event(
            session=self.session,
            actor=ACTOR,
            action="payment_received",
            debtor_id=debtor.id,
            detail={"payment_id": payment.id, "amount": str(amount), "method": payment.method},
        )
        return "created"

    def row(self, kind: Kind, values: dict[str, str]) -> str:
        if "__error__" in values:
            raise RowRejected(values["__error__"])
        for name in REQUIRED[kind]:
            if not values.get(name):
                raise RowRejected(f"{name} is missing")
        if kind == "debtors":
            return self.upsert_debtor(values)[1]
        if kind == "invoices":
            return self.upsert_invoice(values)
        return self.add_payment(values)


def import_rows(
    *,
    session: Session,
    kind: Kind,
    rows: Iterable[Row],
    decimal: str = ".",
    progress: Callable[[int], None] | None = None,
    default_language: str | None = None,
) -> ImportReport:
    """Import rows; each lands whole (a savepoint) or is reported. The caller commits.
    `default_language`: a new debtor's when its row gives none (the policy's
    creditor.language)."""
    importer = _Importer(session, decimal, resolve_language(default=default_language))
    report = ImportReport(kind)
    rows = list(rows)
    begin_transaction(session)
    with session.no_autoflush:
        importer.prefetch(rows)
    for row in rows:
        try:
            with session.begin_nested(), session.no_autoflush:
                outcome = importer.row(kind, row.values)
        except RowRejected as exc:
            report.problems.append(RowProblem(row.line, str(exc)))
            importer.forget()
        except IntegrityError as exc:
            report.problems.append(RowProblem(row.line, f"conflicts with stored data: {exc.orig}"))
            importer.forget()
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(1)
    return report


def rows_of(
    text: str, kind: Kind, *, json_input: bool, mapping_file: Path | None = None
) -> tuple[list[Row], str]:
    """The rows of a CSV export (mapped by the column-mapping file) or a JSON list."""
    if json_input:
        try:
            # escaped NULs and lone surrogates ("\u0000") only exist once parsed
            items = clean_values(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ColumnError(f"not JSON: {exc}") from exc
        return list(records_from_json(items, kind)), "."
    # NUL and control characters (PostgreSQL text cannot hold a NUL) go, as from every input
    cleaned = clean_text(text)
    return read_rows(cleaned, kind, load_mapping(mapping_file), required=REQUIRED[kind])
