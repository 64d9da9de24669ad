"""Bulk imports on SQLite and PostgreSQL: keyed by the creditor's ids, a run twice changes
nothing, changes land with their history, bad rows are reported by line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.accounts.invoices import get_open_balance, list_open_invoices
from receivables.books.columns import Kind, load_mapping, read_rows
from receivables.books.imports import REQUIRED, ImportReport, import_rows
from receivables.models import AuditEvent, Debtor, Invoice

DEBTORS = """debiteurnummer;klantnummer;naam;geboortedatum;postcode;email;taal
D-1;K-1001;Lotte Hendriks;12-03-1985;1012 AB;lotte@example.nl;nl
D-2;K-1002;Tom Baker;1970-01-31;1017CT;;en
D-3;K-1003;;;;;nl
D-4;K-1004;Iris de Wit;31-02-1990;;;
"""

INVOICES = """factuur_id;debiteurnummer;factuurnummer;bedrag;factuurdatum;vervaldatum;soort;creditering van;status
I-1;D-1;F-9001;1.234,56;01-11-2026;15-11-2026;;;
I-2;D-1;F-9002;100,00;02-11-2026;16-11-2026;;;
I-3;D-2;F-9003;45,99;03-11-2026;17-11-2026;;;
I-4;D-9;F-9004;10,00;03-11-2026;17-11-2026;;;
I-5;D-2;F-9005;abc;03-11-2026;17-11-2026;;;
I-6;D-2;F-9006;20,00;03-11-2026;01-11-2026;;;
"""


def _run(session: Session, kind: Kind, text: str) -> ImportReport:
    rows, decimal = read_rows(text, kind, load_mapping(), required=REQUIRED[kind])
    return import_rows(session=session, kind=kind, rows=rows, decimal=decimal)


def _debtor(session: Session, external_id: str) -> Debtor:
    debtor = session.scalar(select(Debtor).where(Debtor.external_id == external_id))
    assert debtor is not None
    return debtor


def test_good_rows_land_and_bad_rows_are_reported_by_line(session: Session) -> None:
    report = _run(session, "debtors", DEBTORS)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(p.line, p.reason) for p in report.problems] == [
        (4, "a new debtor needs a name"),
        (5, "date_of_birth: no such date: '31-02-1990'"),
    ]
    lotte = _debtor(session, "D-1")
    assert (lotte.reference, lotte.date_of_birth, lotte.postcode) == (
        "K-1001",
        dt.date(1985, 3, 12),
        "1012AB",
    )
    report = _run(session, "invoices", INVOICES)
    assert report.created == 3
    assert {p.line: p.reason for p in report.problems} == {
        5: "no debtor with external_id D-9",
        6: "amount: not an amount: 'abc'",
        7: "due_date is before issue_date",
    }
    assert get_open_balance(session=session, debtor_id=lotte.id) == Decimal("1334.56")


def test_a_second_run_changes_nothing(session: Session) -> None:
    _run(session, "debtors", DEBTORS)
    _run(session, "invoices", INVOICES)
    events = session.scalar(select(func.count(AuditEvent.id)))
    again = _run(session, "debtors", DEBTORS), _run(session, "invoices", INVOICES)
    assert [(r.created, r.updated, r.unchanged) for r in again] == [(0, 0, 2), (0, 0, 3)]
    assert session.scalar(select(func.count(AuditEvent.id))) == events


def test_changed_amounts_a_credit_note_and_a_cancellation_update_exactly_those(
    session: Session,
) -> None:
    _run(session, "debtors", DEBTORS)
    _run(session, "invoices", INVOICES)
    changed = """factuur_id;debiteurnummer;factuurnummer;bedrag;factuurdatum;vervaldatum;soort;creditering van;status
I-1;D-1;F-9001;1.200,00;01-11-2026;20-11-2026;;;
I-2;D-1;F-9002;100,00;02-11-2026;16-11-2026;;;
I-3;D-2;F-9003;45,99;03-11-2026;17-11-2026;;;geannuleerd
C-1;D-1;C-9001;-25,00;05-11-2026;05-11-2026;creditnota;F-9002;
"""
    report = _run(session, "invoices", changed)
    assert (report.created, report.updated, report.unchanged, report.problems) == (1, 2, 1, [])
    lotte, tom = _debtor(session, "D-1"), _debtor(session, "D-2")
    open_lotte = {
        i.number: i.open_amount for i in list_open_invoices(session=session, debtor_id=lotte.id)
    }
    assert open_lotte == {"F-9001": Decimal("1200.00"), "F-9002": Decimal("75.00")}
    assert list_open_invoices(session=session, debtor_id=tom.id) == []
    history = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "invoice_updated")
    ).all()
    assert {"amount": ["1234.56", "1200.00"], "due_date": ["2026-11-15", "2026-11-20"]} in [
        h["changes"] for h in history
    ]
    assert session.scalar(select(Invoice.status).where(Invoice.number == "F-9003")) == "canceled"
    # and once more: nothing changes
    again = _run(session, "invoices", changed)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_an_invoice_row_brings_its_debtor_whole_or_not_at_all(session: Session) -> None:
    text = """invoice_id,customer_id,customer_name,customer_number,amount,invoice_date,due_date
X-1,N-1,Nina Vos,K-7001,99.50,2026-11-01,2026-11-30
X-2,N-2,Piet Post,K-7002,not money,2026-11-01,2026-11-30
"""
    report = _run(session, "invoices", text)
    assert report.created == 1 and [p.line for p in report.problems] == [3]
    assert _debtor(session, "N-1").name == "Nina Vos"
    assert session.scalar(select(Debtor).where(Debtor.external_id == "N-2")) is None


def test_payments_are_booked_once_against_the_named_invoice(session: Session) -> None:
    _run(session, "debtors", DEBTORS)
    _run(session, "invoices", INVOICES)
    text = "payment_id,customer_id,amount,date,invoice\nP-1,D-1,100.00,2026-11-20,F-9002\n"
    first, second = _run(session, "payments", text), _run(session, "payments", text)
    assert (first.created, second.unchanged) == (1, 1)
    lotte = _debtor(session, "D-1")
    assert [i.number for i in list_open_invoices(session=session, debtor_id=lotte.id)] == ["F-9001"]
