"""Bulk import speed: a generated accounting export of N invoices (and their debtors)
imported on SQLite and on PostgreSQL, rows per second for the first run (everything new)
and the second (everything unchanged).

    .venv/bin/python -m tests.bench.bench_imports [--invoices 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from receivables.books.columns import load_mapping, read_rows
from receivables.books.imports import REQUIRED, ImportReport, import_rows
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.migrate import upgrade

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def debtors_csv(count: int, bad: tuple[int, ...] = ()) -> str:
    """A Dutch debtor export (semicolons); rows at the positions in `bad` have no name."""
    lines = ["debiteurnummer;klantnummer;naam;geboortedatum;postcode;email;taal"]
    for i in range(count):
        name = "" if i in bad else f"Debiteur {i}"
        lines.append(
            f"D-{i};K-{100000 + i};{name};{1 + i % 28:02d}-{1 + i % 12:02d}-{1950 + i % 50};"
            f"{1000 + i % 8999} AB;d{i}@example.nl;{'en' if i % 5 == 0 else 'nl'}"
        )
    return "\n".join(lines) + "\n"


def invoices_csv(
    count: int, debtors: int, *, bad: tuple[int, ...] = (), changed: dict[int, str] | None = None
) -> str:
    """An open-items export: invoice i belongs to debtor i % debtors; `bad` rows have an
    amount that is no amount; `changed` gives other amounts."""
    rng = random.Random(7)
    today = dt.date(2026, 11, 30)
    lines = ["factuur_id;debiteurnummer;factuurnummer;bedrag;factuurdatum;vervaldatum"]
    for i in range(count):
        amount = f"{rng.randint(1000, 250000) // 100},{rng.randint(0, 99):02d}"
        if changed and i in changed:
            amount = changed[i]
        if i in bad:
            amount = "n.v.t."
        issued = today - dt.timedelta(days=rng.randint(0, 120))
        due = issued + dt.timedelta(days=30)
        lines.append(
            f"I-{i};D-{i % debtors};F-{500000 + i};{amount};{issued:%d-%m-%Y};{due:%d-%m-%Y}"
        )
    return "\n".join(lines) + "\n"


def run_import(url: str, kind: str, text_: str, batch: int = 2000) -> tuple[ImportReport, float]:
    rows, decimal = read_rows(text_, kind, load_mapping(), required=REQUIRED[kind])  # type: ignore[arg-type]
    factory = make_session_factory(make_engine(url))
    report = ImportReport(kind)
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        with session_scope(factory) as session:
            report.add(
                import_rows(
                    session=session, kind=kind, rows=rows[start : start + batch], decimal=decimal
                )  # type: ignore[arg-type]
            )
    return report, time.perf_counter() - started


def measure(url: str, invoices: int) -> dict[str, float]:
    upgrade(url)
    debtors = max(1, invoices // 5)
    figures: dict[str, float] = {}
    _, seconds = run_import(url, "debtors", debtors_csv(debtors))
    figures["debtors_rows_per_s"] = round(debtors / seconds)
    export = invoices_csv(invoices, debtors)
    _, seconds = run_import(url, "invoices", export)
    figures["invoices_first_run_rows_per_s"] = round(invoices / seconds)
    figures["invoices_first_run_s"] = round(seconds, 1)
    _, seconds = run_import(url, "invoices", export)
    figures["invoices_second_run_rows_per_s"] = round(invoices / seconds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = measure(f"sqlite:///{Path(folder) / 'bench.db'}", args.invoices)
    schema = "settle_bench_imports"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        results["postgresql"] = measure(
            f"{args.postgres}?options=-csearch_path%3D{schema}", args.invoices
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    print(json.dumps({"invoices": args.invoices, **results}, indent=2))


if __name__ == "__main__":
    main()
