"""Dashboard speed on a large book in PostgreSQL: 100,000 invoices and 1,000,000 messages
(and debtors, payments, conversations and handoffs to match), then every figure of the
dashboard timed, five times each.

    .venv/bin/python -m tests.bench.bench_reports [--invoices 100000] [--messages 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
from decimal import Decimal

from sqlalchemy import create_engine, insert, text

from receivables.db import make_engine, make_session_factory, session_scope
from receivables.migrate import upgrade
from receivables.models import (
    Conversation,
    Debtor,
    Handoff,
    Invoice,
    Message,
    Payment,
    PaymentAllocation,
)
from receivables.reports.figures import Period
from receivables.reports.service import FIGURES, report

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "settle_bench_reports"
TODAY = dt.date.today()


def fill(url: str, invoices: int, messages: int) -> None:
    rng = random.Random(11)
    engine = make_engine(url)
    debtors = invoices // 5
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as c:
        c.execute(
            insert(Debtor),
            [
                {
                    "id": i + 1,
                    "reference": f"B-{i}",
                    "name": f"Debtor {i}",
                    "language": "nl",
                    "created_at": now,
                    "profile_group": rng.choice(["unable", "unwilling", None]),
                    "profile_reasons": [],
                }
                for i in range(debtors)
            ],
        )
        rows = []
        for i in range(invoices):
            issued = TODAY - dt.timedelta(days=rng.randint(0, 365))
            rows.append(
                {
                    "id": i + 1,
                    "debtor_id": i % debtors + 1,
                    "number": f"BI-{i}",
                    "amount": Decimal(rng.randint(1000, 90000)) / 100,
                    "currency": "EUR",
                    "issue_date": issued,
                    "due_date": issued + dt.timedelta(days=30),
                    "status": "open",
                    "created_at": now,
                }
            )
        c.execute(insert(Invoice), rows)
        payments, allocations = [], []
        for i in range(invoices // 2):
            invoice = rows[i * 2]
            paid = dt.datetime.combine(
                invoice["issue_date"] + dt.timedelta(days=rng.randint(1, 60)), dt.time(12), dt.UTC
            )
            payments.append(
                {
                    "id": i + 1,
                    "debtor_id": invoice["debtor_id"],
                    "amount": invoice["amount"],
                    "currency": "EUR",
                    "received_at": paid,
                    "method": rng.choice(["ideal", "bank_transfer"]),
                    "reversed_amount": Decimal("0"),
                }
            )
            allocations.append(
                {"payment_id": i + 1, "invoice_id": invoice["id"], "amount": invoice["amount"]}
            )
        c.execute(insert(Payment), payments)
        c.execute(insert(PaymentAllocation), allocations)
        conversations = messages // 10
        c.execute(
            insert(Conversation),
            [
                {
                    "id": f"bc-{i}",
                    "channel": "webchat",
                    "state": "bot",
                    "debtor_id": i % debtors + 1,
                    "created_at": now - dt.timedelta(hours=rng.randint(0, 24 * 120)),
                    "updated_at": now,
                }
                for i in range(conversations)
            ],
        )
        c.execute(
            insert(Handoff),
            [
                {
                    "conversation_id": f"bc-{i}",
                    "debtor_id": i % debtors + 1,
                    "reason": "cannot_pay",
                    "level": "junior",
                    "status": "waiting",
                    "summary": "",
                    "flags": [],
                    "created_at": now - dt.timedelta(hours=rng.randint(0, 24 * 120)),
                }
                for i in range(0, conversations, 7)
            ],
        )
        for start in range(0, messages, 100_000):
            c.execute(
                insert(Message),
                [
                    {
                        "conversation_id": f"bc-{j % conversations}",
                        "sender": "bot" if j % 2 else "debtor",
                        "text": "Uw openstaande saldo is € 239,95.",
                        "buttons": [],
                        "created_at": now,
                    }
                    for j in range(start, min(messages, start + 100_000))
                ],
            )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    url = f"{args.postgres}?options=-csearch_path%3D{SCHEMA}"
    try:
        upgrade(url)
        started = time.perf_counter()
        fill(url, args.invoices, args.messages)
        filled = time.perf_counter() - started
        with admin.connect() as c:
            c.execute(text("ANALYZE"))
        sessions = make_session_factory(make_engine(url))
        period = Period(TODAY - dt.timedelta(days=89), TODAY)
        timings: dict[str, float] = {}
        for name in (*FIGURES, "all"):
            runs = []
            for _ in range(5):
                t0 = time.perf_counter()
                with session_scope(sessions) as session:
                    for figure in FIGURES if name == "all" else (name,):
                        report(session=session, name=figure, period=period, today=TODAY)
                runs.append(time.perf_counter() - t0)
            timings[name] = round(statistics.median(runs) * 1000, 1)
        print(
            json.dumps(
                {
                    "invoices": args.invoices,
                    "messages": args.messages,
                    "fill_seconds": round(filled, 1),
                    "median_ms": timings,
                },
                indent=2,
            )
        )
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))


if __name__ == "__main__":
    main()
