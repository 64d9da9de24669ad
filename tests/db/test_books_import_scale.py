"""The issue's scale test: a generated export of 10,000 debtors and 50,000 invoices with a
handful of bad rows, imported three times (on SQLite, where `make run` keeps its data; the
benchmark `python -m tests.bench.bench_imports` measures PostgreSQL too)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from receivables.books.models import BankTransaction  # noqa: F401  (all tables known)
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.migrate import upgrade
from receivables.models import AuditEvent, Debtor, Invoice
from tests.bench.bench_imports import debtors_csv, invoices_csv, run_import

DEBTORS, INVOICES = 10_000, 50_000
BAD_DEBTORS = (17, 4_242)
BAD_INVOICES = (3, 31_337, 49_999)


def test_ten_thousand_debtors_and_fifty_thousand_invoices(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    upgrade(url)
    report, _ = run_import(url, "debtors", debtors_csv(DEBTORS, bad=BAD_DEBTORS))
    assert report.created == DEBTORS - len(BAD_DEBTORS)
    assert [p.line for p in report.problems] == [i + 2 for i in BAD_DEBTORS]  # header is line 1
    export = invoices_csv(INVOICES, DEBTORS, bad=BAD_INVOICES)
    first, _ = run_import(url, "invoices", export)
    # invoices of the two debtors that did not land are reported too (no debtor D-17)
    orphaned = {i for i in range(INVOICES) if i % DEBTORS in BAD_DEBTORS} - set(BAD_INVOICES)
    assert first.created == INVOICES - len(BAD_INVOICES) - len(orphaned)
    assert {p.line for p in first.problems} == {i + 2 for i in (*BAD_INVOICES, *orphaned)}
    assert all("n.v.t." in p.reason for p in first.problems if p.line - 2 in BAD_INVOICES)

    sessions = make_session_factory(make_engine(url))
    with session_scope(sessions) as session:
        events_before = session.scalar(select(func.count(AuditEvent.id)))
        assert session.scalar(select(func.count(Invoice.id))) == first.created
        assert session.scalar(select(func.count(Debtor.id))) == DEBTORS - len(BAD_DEBTORS)

    second, _ = run_import(url, "invoices", export)
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == events_before

    changed = {10: "1,00", 20_000: "2,00", 40_000: "3,00"}
    third_export = invoices_csv(INVOICES, DEBTORS, bad=BAD_INVOICES, changed=changed)
    credit = "C-1;D-5;C-500005;-1,00;01-11-2026;01-11-2026\n"
    third, _ = run_import(
        url,
        "invoices",
        third_export.replace(
            "factuur_id;debiteurnummer;factuurnummer;bedrag;factuurdatum;vervaldatum\n",
            "factuur_id;debiteurnummer;factuurnummer;bedrag;factuurdatum;vervaldatum;creditering van\n",
        )
        + credit.replace("\n", ";F-500005\n"),
    )
    assert (third.created, third.updated) == (1, len(changed))
    with session_scope(sessions) as session:
        updates = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "invoice_updated")
        ).all()
        assert sorted(u["changes"]["amount"][1] for u in updates) == ["1.00", "2.00", "3.00"]
