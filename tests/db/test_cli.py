"""`settle` for real on a fresh SQLite file: the installed command migrates, loads the demo,
imports the books and exports a debtor, as an operator would run it (a process each); the
rest of each story through the same commands in this process (a process costs seconds)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from receivables.db import make_engine, make_session_factory, session_scope
from receivables.models import Debtor, Invoice, Payment
from receivables.settings import settings_from
from tests.cli import SETTLE, settle
from tests.fakes.bank_files import Entry, camt053


def run(*arguments: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLE_")}
    return subprocess.run(
        [str(SETTLE), *arguments],
        env={**env, "SETTLE_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'settle.db'}"


def rows(url: str, model: type, **where: object) -> list:  # type: ignore[type-arg]
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return list(session.scalars(select(model).filter_by(**where)))
    finally:
        engine.dispose()


def test_migrate_then_demo_then_export(url: str, tmp_path: Path) -> None:
    migrated = run("migrate", url=url)  # the database named in SETTLE_DATABASE_URL
    assert migrated.returncode == 0, migrated.stderr
    assert "newest schema" in migrated.stdout
    settings = settings_from({"SETTLE_DATABASE_URL": url})
    assert settle(["migrate"], settings).exit_code == 0  # idempotent

    demo = run("demo", url=url)
    assert demo.returncode == 0, demo.stderr
    assert "Demo debtors (" in demo.stdout and "48213907" in demo.stdout
    assert "(0 new)" in settle(["demo"], settings).stdout  # the second time adds nothing
    [anna] = rows(url, Debtor, reference="48213907")

    export = run("privacy", "export", str(anna.id), url=url)
    assert export.returncode == 0, export.stderr
    data = json.loads(export.stdout)
    assert data["debtor"]["name"] == "Anna de Vries"
    assert {"F2026-0042", "F2026-0107"} <= {i["number"] for i in data["invoices"]}
    into = tmp_path / "anna.json"
    assert settle(["privacy", "export", str(anna.id), "-o", str(into)], settings).exit_code == 0
    assert json.loads(into.read_text(encoding="utf-8"))["debtor"]["id"] == anna.id
    missing = settle(["privacy", "export", "999999"], settings)
    assert missing.exit_code == 1 and "999999" in missing.stderr
    assert "Traceback" not in missing.output


def test_import_books_from_csv_files(url: str, tmp_path: Path) -> None:
    settings = settings_from({"SETTLE_DATABASE_URL": url})
    assert settle(["migrate"], settings).exit_code == 0
    debtors = tmp_path / "debiteuren.csv"
    debtors.write_text(
        "debiteurnummer;klantnummer;naam;postcode;taal\nD-1;K-100;Bakkerij Smit;1234 AB;nl\n",
        encoding="utf-8",
    )
    invoices = tmp_path / "facturen.csv"
    invoices.write_text(
        "factuur_id;debiteurnummer;factuurnummer;bedrag;factuurdatum;vervaldatum\n"
        "I-1;D-1;F-1;1.234,56;01-10-2026;31-10-2026\n"
        "I-2;D-404;F-2;10,00;01-10-2026;31-10-2026\n",
        encoding="utf-8",
    )
    imported = run("import", "debtors", str(debtors), url=url)
    assert imported.returncode == 0, imported.stderr
    assert "1 created" in imported.stdout

    dry = settle(["import", "invoices", str(invoices), "--dry-run"], settings)
    assert dry.exit_code == 1  # a row was refused, and nothing stored
    assert "dry run: nothing stored" in dry.stdout and "line 3:" in dry.stdout
    assert rows(url, Invoice) == []

    done = settle(["import", "invoices", str(invoices)], settings)
    assert done.exit_code == 1 and "1 created" in done.stdout and "line 3:" in done.stdout
    [invoice] = rows(url, Invoice)
    assert (invoice.number, invoice.amount) == ("F-1", Decimal("1234.56"))
    again = settle(["import", "invoices", str(invoices)], settings)
    assert "1 unchanged" in again.stdout  # keyed by the creditor's ids: nothing twice

    wrong = settle(["import", "receipts", str(invoices)], settings)
    assert wrong.exit_code == 2 and "receipts" in wrong.output


def test_a_bank_statement_books_the_transfer_it_proves_once(url: str, tmp_path: Path) -> None:
    settings = settings_from({"SETTLE_DATABASE_URL": url})
    assert settle(["migrate"], settings).exit_code == 0
    assert settle(["demo", "--quiet"], settings).exit_code == 0
    [anna] = rows(url, Debtor, reference="48213907")
    paid_before = {p.id for p in rows(url, Payment, debtor_id=anna.id)}
    statement = tmp_path / "statement.xml"
    today = dt.datetime.now(dt.UTC).date()
    statement.write_text(
        camt053(
            [
                Entry("T1", Decimal("150.00"), "F2026-0042", today),
                Entry("T2", Decimal("7.77"), "no reference at all", today),
            ]
        ),
        encoding="utf-8",
    )
    first = settle(["bank", str(statement)], settings)
    assert first.exit_code == 0, first.output
    assert "2 credits: 1 booked" in first.stdout and "1 waiting for a collector" in first.stdout
    second = settle(["bank", str(statement)], settings)
    assert "0 booked" in second.stdout and "2 imported before" in second.stdout
    [payment] = [p for p in rows(url, Payment, debtor_id=anna.id) if p.id not in paid_before]
    assert (payment.amount, payment.method) == (Decimal("150.00"), "bank_transfer")

    not_a_statement = tmp_path / "notes.txt"
    not_a_statement.write_text("hello", encoding="utf-8")
    refused = settle(["bank", str(not_a_statement)], settings)
    assert refused.exit_code == 1 and "cannot import" in refused.stderr


def test_erasure_asks_first_and_keeps_the_books(url: str) -> None:
    settings = settings_from({"SETTLE_DATABASE_URL": url})
    assert settle(["migrate"], settings).exit_code == 0
    assert settle(["demo", "--quiet"], settings).exit_code == 0
    [anna] = rows(url, Debtor, reference="48213907")
    declined = settle(["privacy", "erase", str(anna.id)], settings, input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert rows(url, Debtor, id=anna.id)[0].name == "Anna de Vries"
    erased = settle(["privacy", "erase", str(anna.id), "--yes"], settings)
    assert erased.exit_code == 0, erased.output
    [after] = rows(url, Debtor, id=anna.id)
    assert after.name != "Anna de Vries" and after.reference.startswith("ERASED-")
    assert after.reference in erased.stdout
    invoices = rows(url, Invoice, debtor_id=anna.id)
    assert "F2026-0042" in {i.number for i in invoices}  # the books stay
