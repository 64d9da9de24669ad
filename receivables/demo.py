"""Demo data: a dozen Dutch and English debtors to try (`settle demo`; `make run` loads them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice, get_open_balance, put_invoice_on_hold
from receivables.common.identifiers import format_postcode
from receivables.common.money import format_money
from receivables.conversations.service import add_message, attach_debtor, get_or_create_conversation
from receivables.db import session_scope
from receivables.models import Debtor, Handoff, Installment, PaymentPlan, Promise
from receivables.payments.booking import book_payment
from receivables.profiles.service import set_business_attributes, set_credit_info

# (reference, name, date of birth, postcode, phone, language,
#  [(invoice number, amount, days since issue, payment term days, description)], paid amount)
DEMO_DEBTORS = [
    (
        "48213907",
        "Anna de Vries",
        "1985-03-12",
        "1012AB",
        "+31612345601",
        "nl",
        [
            ("F2026-0042", "150.00", 45, 14, "Energie oktober"),
            ("F2026-0107", "89.95", 10, 14, "Energie november"),
        ],
        None,
    ),
    (
        "KL-2291",
        "Mark Jansen",
        "1979-05-03",
        "3511CE",
        "+31612345602",
        "nl",
        [("F2026-0113", "1249.50", 60, 30, "Installatie warmtepomp")],
        "249.50",
    ),
    (
        "55120348",
        "Fatima El Amrani",
        "1992-11-23",
        "2511DP",
        "+31612345603",
        "nl",
        [("F2026-0120", "64.30", 5, 14, "Energie november")],
        None,
    ),
    (
        "61002377",
        "Pieter Bakker",
        "1968-01-30",
        "9711LM",
        "+31612345604",
        "nl",
        [
            ("F2026-0131", "420.00", 75, 14, "Jaarafrekening 2025"),
            ("F2026-0132", "35.00", 40, 14, "Aanmaningskosten"),
        ],
        None,
    ),
    (
        "KL-3050",
        "Sanne Visser",
        "1990-07-19",
        "5611AZ",
        "+31612345605",
        "nl",
        [("F2026-0140", "210.00", 20, 14, "Energie oktober")],
        "210.00",
    ),
    (
        "73319006",
        "Jeroen Smit",
        "1974-09-08",
        "6811KD",
        "+31612345606",
        "nl",
        [("F2026-0151", "3180.75", 95, 30, "Zakelijk contract Q3")],
        None,
    ),
    (
        "EN-1001",
        "James Miller",
        "1988-02-14",
        "1017CT",
        "+447700900101",
        "en",
        [
            ("INV-10233", "275.00", 35, 14, "Energy September"),
            ("INV-10290", "112.40", 3, 14, "Energy November"),
        ],
        None,
    ),
    (
        "EN-1002",
        "Sarah O'Connor",
        "1995-06-30",
        "1071DJ",
        "+353851234567",
        "en",
        [("INV-10301", "980.00", 50, 30, "Heat pump service")],
        "480.00",
    ),
    (
        "EN-1003",
        "Daniel Novak",
        "1983-12-05",
        "2595AN",
        "+420601234567",
        "en",
        [("INV-10315", "45.99", 12, 14, "Energy October")],
        None,
    ),
    (
        "EN-1004",
        "Priya Sharma",
        "1991-04-22",
        "3072AP",
        "+31687654321",
        "en",
        [("INV-10322", "1875.00", 80, 30, "Annual settlement 2025")],
        None,
    ),
    (
        "EN-1005",
        "Tom Williams",
        "1966-10-11",
        "7511JE",
        "+447700900105",
        "en",
        [("INV-10330", "560.00", 25, 30, "Solar panel lease")],
        "560.00",
    ),
    (
        "39904512",
        "Emma Mulder",
        "2000-08-01",
        "8011CW",
        "+31612345612",
        "nl",
        [
            ("F2026-0166", "99.00", 2, 14, "Energie november"),
            ("F2026-0099", "99.00", 33, 14, "Energie oktober"),
        ],
        None,
    ),
]


@dataclass(frozen=True)
class DemoTalk:
    """A past conversation that ended with a collector, so the debtor has answered once."""

    channel: str
    days_ago: int
    debtor_text: str
    bot_text: str
    reason: str | None = None
    flags: tuple[str, ...] = ()
    outcome: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class DemoHistory:
    """What makes a demo debtor's profile: their past, the credit file, business facts.
    None of it changes their open balance."""

    # invoices paid in full before today's: (number, amount, days since issue, payment
    # term days, days after the due date it was paid)
    paid_invoices: list[tuple[str, str, int, int, int]] = field(default_factory=list)
    # promises made before: (status, amount, days ago that the promised date was)
    promises: list[tuple[str, str, int]] = field(default_factory=list)
    # a payment plan that was broken: (total, terms, days ago that it was agreed)
    broken_plan: tuple[str, int, int] | None = None
    talk: DemoTalk | None = None
    # an invoice the debtor disputed, on hold until a collector decides
    disputed_invoice: str | None = None
    kind: str | None = None
    industry: str | None = None
    country: str | None = None
    credit: tuple[int | None, str | None] | None = None


# the five groups of debtors, so that each shows up in the console and the API:
# willing and able (Anna: pays on time; Sanne and Tom: paid), unable (Mark: lost his job),
# unwilling (Pieter: broken promises, dispute rejected; Priya: broken plan and promise),
# information available (James: disputes an invoice), no information (the others)
DEMO_HISTORIES = {
    "48213907": DemoHistory(
        paid_invoices=[
            ("F2026-0008", "142.50", 165, 14, 0),
            ("F2026-0017", "138.20", 135, 14, 1),
            ("F2026-0025", "151.75", 105, 14, 0),
            ("F2026-0033", "147.10", 75, 14, 2),
        ],
    ),
    "KL-2291": DemoHistory(
        talk=DemoTalk(
            channel="whatsapp",
            days_ago=40,
            debtor_text="Ik ben mijn baan kwijt en kan de factuur nu niet betalen.",
            bot_text="Dat spijt me. Een collega neemt contact met u op.",
            reason="cannot_pay",
            flags=("job_loss",),
            outcome="debt_help",
            note="Baan kwijt; doorverwezen naar de schuldhulp van de gemeente.",
        ),
    ),
    "61002377": DemoHistory(
        paid_invoices=[("F2025-0912", "96.00", 200, 14, 45)],
        promises=[("kept", "96.00", 141), ("broken", "455.00", 40), ("broken", "455.00", 15)],
        talk=DemoTalk(
            channel="webchat",
            days_ago=25,
            debtor_text="Die aanmaningskosten betaal ik niet.",
            bot_text="Ik zet factuur F2026-0132 even stil; een collega kijkt ernaar.",
            reason="dispute",
            outcome="dispute_rejected",
            note="Aanmaningskosten staan in de voorwaarden; de aanmaning is verstuurd.",
        ),
    ),
    "73319006": DemoHistory(
        kind="business", industry="construction", country="NL", credit=(35, "payment_arrears")
    ),
    "EN-1001": DemoHistory(
        talk=DemoTalk(
            channel="telegram",
            days_ago=3,
            debtor_text="I never got the September meter reading, this bill is wrong.",
            bot_text="I've put invoice INV-10233 on hold; a colleague will look at it.",
        ),
        disputed_invoice="INV-10233",
    ),
    "EN-1003": DemoHistory(kind="consumer", country="CZ"),
    "EN-1004": DemoHistory(broken_plan=("1875.00", 3, 70), promises=[("broken", "1875.00", 20)]),
    "EN-1005": DemoHistory(kind="consumer", country="NL", credit=(85, None)),
}


def _at(today: dt.date, days_ago: int) -> dt.datetime:
    """Noon UTC that many days ago."""
    return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(12), dt.UTC)


def _add_history(session: Session, debtor: Debtor, history: DemoHistory, today: dt.date) -> None:
    """The debtor's past (before today's invoices are added: the invoices paid here are
    settled in full, so today's balance stays what DEMO_DEBTORS says)."""
    for number, amount, age, term, late in history.paid_invoices:
        issue = today - dt.timedelta(days=age)
        invoice = create_invoice(
            session=session,
            debtor=debtor,
            number=number,
            amount=Decimal(amount),
            issue_date=issue,
            due_date=issue + dt.timedelta(days=term),
            description="Energie",
        )
        book_payment(
            session=session,
            debtor=debtor,
            amount=Decimal(amount),
            invoice_ids=[invoice.id],
            external_id=f"demo-{number}",
            received_at=_at(today, age - term - late),
        )
    for status, amount, days_ago in history.promises:
        session.add(
            Promise(
                debtor_id=debtor.id,
                amount=Decimal(amount),
                status=status,
                date=today - dt.timedelta(days=days_ago),
                created_at=_at(today, days_ago + 7),
                settled_at=_at(today, days_ago - 3),
            )
        )
    if history.broken_plan:
        total, terms, days_ago = history.broken_plan
        plan = PaymentPlan(
            debtor_id=debtor.id,
            total=Decimal(total),
            status="broken",
            created_at=_at(today, days_ago),
        )
        session.add(plan)
        session.flush()
        for sequence in range(1, terms + 1):
            due = today - dt.timedelta(days=days_ago - 14 - 30 * (sequence - 1))
            session.add(
                Installment(
                    plan_id=plan.id,
                    sequence=sequence,
                    due_date=due,
                    amount=Decimal(total) / terms,
                    status="broken" if due < today - dt.timedelta(days=3) else "open",
                )
            )
    if history.kind or history.industry or history.country:
        set_business_attributes(
            session=session,
            debtor_id=debtor.id,
            kind=history.kind,
            industry=history.industry,
            country=history.country,
            actor="system",
        )
    if history.credit:
        score, flag = history.credit
        set_credit_info(
            session=session,
            debtor_id=debtor.id,
            score=score,
            flag=flag,
            source="demo credit file",
            actor="system",
        )
    session.flush()


def _add_talk(session: Session, debtor: Debtor, talk: DemoTalk, today: dt.date) -> None:
    conversation_id = f"demo-{debtor.reference}"
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel=talk.channel
    )
    conversation.language = debtor.language
    conversation.created_at = _at(today, talk.days_ago)
    attach_debtor(session=session, conversation_id=conversation_id, debtor_id=debtor.id)
    add_message(session=session, conversation=conversation, sender="debtor", text=talk.debtor_text)
    add_message(session=session, conversation=conversation, sender="bot", text=talk.bot_text)
    if talk.reason is None:
        return
    conversation.state = "closed"
    session.add(
        Handoff(
            conversation_id=conversation_id,
            debtor_id=debtor.id,
            reason=talk.reason,
            level="junior",
            status="resolved",
            summary=talk.debtor_text,
            collector="demo",
            note=talk.note,
            balance=get_open_balance(session=session, debtor_id=debtor.id),
            flags=list(talk.flags),
            outcome=talk.outcome,
            created_at=_at(today, talk.days_ago),
            claimed_at=_at(today, talk.days_ago),
            resolved_at=_at(today, talk.days_ago - 1),
        )
    )
    session.flush()


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
        history = DEMO_HISTORIES.get(ref)
        if history is not None:
            _add_history(session, debtor, history, today)
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
        if history is not None and history.talk is not None:
            _add_talk(session, debtor, history.talk, today)
        if history is not None and history.disputed_invoice:
            put_invoice_on_hold(
                session=session,
                debtor_id=debtor.id,
                number=history.disputed_invoice,
                actor="bot",
                conversation_id=f"demo-{ref}",
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
        rows.append(
            (
                debtor.reference,
                debtor.name,
                debtor.language,
                debtor.date_of_birth.strftime("%d-%m-%Y") if debtor.date_of_birth else "",
                format_postcode(debtor.postcode or ""),
                format_money(balance, debtor.language),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def load_demo(sessions: sessionmaker[Session]) -> tuple[int, str]:
    """Create the demo debtors that are missing: how many were new, and all of them as a
    table (what `settle demo` and `make run` show)."""
    with session_scope(sessions) as session:
        created = load_demo_data(session=session)
    with session_scope(sessions) as session:
        return created, demo_table(session=session)
