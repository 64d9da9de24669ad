"""Demo data: a dozen Dutch and English debtors to try. `python -m receivables.demo`."""

from __future__ import annotations

import datetime as dt
import os
import sys
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.db import DEFAULT_DATABASE_URL, make_engine, make_session_factory, session_scope
from receivables.debtors import create_debtor
from receivables.identifiers import format_postcode
from receivables.invoices import create_invoice, get_open_balance
from receivables.models import Debtor
from receivables.money import format_money
from receivables.payments import book_payment

# (reference, name, date of birth, postcode, phone, language,
#  [(invoice number, amount, days since issue, payment term days, description)], paid amount)
DEMO_DEBTORS = [
    ("48213907", "Anna de Vries", "1985-03-12", "1012AB", "+31612345601", "nl",
     [("F2026-0042", "150.00", 45, 14, "Energie oktober"),
      ("F2026-0107", "89.95", 10, 14, "Energie november")], None),
    ("KL-2291", "Mark Jansen", "1979-05-03", "3511CE", "+31612345602", "nl",
     [("F2026-0113", "1249.50", 60, 30, "Installatie warmtepomp")], "249.50"),
    ("55120348", "Fatima El Amrani", "1992-11-23", "2511DP", "+31612345603", "nl",
     [("F2026-0120", "64.30", 5, 14, "Energie november")], None),
    ("61002377", "Pieter Bakker", "1968-01-30", "9711LM", "+31612345604", "nl",
     [("F2026-0131", "420.00", 75, 14, "Jaarafrekening 2025"),
      ("F2026-0132", "35.00", 40, 14, "Aanmaningskosten")], None),
    ("KL-3050", "Sanne Visser", "1990-07-19", "5611AZ", "+31612345605", "nl",
     [("F2026-0140", "210.00", 20, 14, "Energie oktober")], "210.00"),
    ("73319006", "Jeroen Smit", "1974-09-08", "6811KD", "+31612345606", "nl",
     [("F2026-0151", "3180.75", 95, 30, "Zakelijk contract Q3")], None),
    ("EN-1001", "James Miller", "1988-02-14", "1017CT", "+447700900101", "en",
     [("INV-10233", "275.00", 35, 14, "Energy September"),
      ("INV-10290", "112.40", 3, 14, "Energy November")], None),
    ("EN-1002", "Sarah O'Connor", "1995-06-30", "1071DJ", "+353851234567", "en",
     [("INV-10301", "980.00", 50, 30, "Heat pump service")], "480.00"),
    ("EN-1003", "Daniel Novak", "1983-12-05", "2595AN", "+420601234567", "en",
     [("INV-10315", "45.99", 12, 14, "Energy October")], None),
    ("EN-1004", "Priya Sharma", "1991-04-22", "3072AP", "+31687654321", "en",
     [("INV-10322", "1875.00", 80, 30, "Annual settlement 2025")], None),
    ("EN-1005", "Tom Williams", "1966-10-11", "7511JE", "+447700900105", "en",
     [("INV-10330", "560.00", 25, 30, "Solar panel lease")], "560.00"),
    ("39904512", "Emma Mulder", "2000-08-01", "8011CW", "+31612345612", "nl",
     [("F2026-0166", "99.00", 2, 14, "Energie november"),
      ("F2026-0099", "99.00", 33, 14, "Energie oktober")], None),
]  # fmt: skip


def load_demo_data(*, session: Session, today: dt.date | None = None) -> int:
    """Create the demo debtors that are not there yet; returns how many were created."""
    today = today or dt.date.today()
    created = 0
    for ref, name, dob, postcode, phone, lang, invoices, paid in DEMO_DEBTORS:
        if session.scalar(select(Debtor.id).where(Debtor.reference == ref)):
            continue
        debtor = create_debtor(
            session=session,
            reference=ref,
            name=name,
            date_of_birth=dt.date.fromisoformat(dob),
            postcode=postcode,
            phone=phone,
            email=f"{name.split()[0].lower()}@example.org",
            language=lang,
        )
        for number, amount, age, term, description in invoices:
            issue = today - dt.timedelta(days=age)
            create_invoice(
                session=session,
                debtor=debtor,
                number=number,
                amount=Decimal(amount),
                issue_date=issue,
                due_date=issue + dt.timedelta(days=term),
                description=description,
            )
        if paid:
            book_payment(
                session=session,
                debtor=debtor,
                amount=Decimal(paid),
                external_id=f"demo-{ref}",
                method="bank_transfer",
            )
        created += 1
    return created


def demo_table(*, session: Session) -> str:
    """The demo debtors as a table a new user can try them from."""
    rows = [("customer no.", "name", "lang", "date of birth", "postcode", "balance")]
    for ref, *_ in DEMO_DEBTORS:
        debtor = session.scalar(select(Debtor).where(Debtor.reference == ref))
        if debtor is None:
            continue
        balance = get_open_balance(session=session, debtor_id=debtor.id)
        rows.append((
            debtor.reference,
            debtor.name,
            debtor.language,
            debtor.date_of_birth.strftime("%d-%m-%Y") if debtor.date_of_birth else "",
            format_postcode(debtor.postcode or ""),
            format_money(balance, debtor.language),
        ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    url = os.environ.get("SETTLE_DATABASE_URL", DEFAULT_DATABASE_URL)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        created = load_demo_data(session=session)
    with session_scope(factory) as session:
        table = demo_table(session=session)
    if "--quiet" not in sys.argv:
        print(f"Demo debtors ({created} new):\n{table}")
    engine.dispose()


if __name__ == "__main__":
    main()
