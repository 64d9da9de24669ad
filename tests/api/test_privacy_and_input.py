"""Bad input through the HTTP contract on SQLite and PostgreSQL (a clear 4xx or a stored,
cleaned message, never a 500), and the debtor's rights: export and erasure."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from api.main import create_app
from receivables.accounts.debtors import get_debtor
from receivables.audit.events import record_event
from receivables.books.events import collect_book_events
from receivables.books.models import BankTransaction
from receivables.conversations.deliveries import record_hint
from receivables.conversations.outbox import enqueue_replies
from receivables.conversations.service import add_message, attach_debtor, get_or_create_conversation
from receivables.db import session_scope
from receivables.migrate import upgrade
from receivables.models import Debtor
from receivables.payments.booking import book_payment
from receivables.settings import Settings
from receivables.tables import metadata
from receivables.verification.service import find_second_factor, verify_identity
from receivables.verification.state import mark_verified
from tests.conftest import postgres_schema
from tests.conversation_tokens import keep_tokens, seed_token
from tests.fakes.bank_files import Entry, mt940
from tests.fakes.rasa import fake_rasa

IBAN = "NL20INGB0001234567"  # the debtor's own account
ADMIN = {"Authorization": "Bearer secret-admin"}
COUNTER = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('input') / 'settle.db'}"
        upgrade(url)
        yield url
        return
    with postgres_schema("settle_input") as url:
        yield url


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    with fake_rasa() as rasa:
        settings = Settings(
            database_url=database_url,
            admin_token="secret-admin",
            rasa_url=rasa.url,
            actions_url=rasa.url,
            rasa_token="t",
            rasa_timeout=5,
            rate_limit_address_messages="",
            rate_limit_address_new_conversations="",
        )
        with keep_tokens(TestClient(create_app(settings))) as test_client:
            yield test_client


def sessions_of(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessions  # type: ignore[attr-defined,no-any-return]


def post_json(
    client: TestClient, url: str, body: object, headers: dict[str, str] | None = None
) -> Any:
    """JSON as a browser may send it: lone surrogates as \\uD800 escapes (httpx itself
    would refuse to encode them)."""
    raw = json.dumps(body).encode()
    return client.post(
        url, content=raw, headers={"Content-Type": "application/json", **(headers or {})}
    )


BAD_TEXTS = {
    "nul": "mijn saldo\x00 graag",
    "controls": "\x07\x1b[31mrood\x1b[0m\x08\x7f",
    "lone surrogate": "hallo \ud800 daar",
    "emoji": "Kan ik betalen? 😀👍🏽🇳🇱",
    "right to left": "مرحبا، كم علي أن أدفع؟ שלום",
    "bidi controls": "abc\u202edcba\u202c",
}


@pytest.mark.parametrize("name", list(BAD_TEXTS))
def test_bad_text_is_stored_cleaned_never_a_500(client: TestClient, name: str) -> None:
    url = f"/api/v1/conversations/web-input-{next(COUNTER)}/messages"
    posted = post_json(client, url, {"text": BAD_TEXTS[name]})
    assert posted.status_code == 200, posted.text
    stored = [m["text"] for m in client.get(url).json()["messages"] if m["sender"] == "debtor"]
    assert len(stored) == 1
    assert "\x00" not in stored[0] and "\x1b" not in stored[0]
    assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in stored[0])
    if name in ("emoji", "right to left", "bidi controls"):
        assert stored[0] == BAD_TEXTS[name]  # real text stays as it was typed


@pytest.mark.parametrize(
    "body",
    [
        {"text": "x" * 50_000},
        {"text": "\x00\x00"},
        {"text": "\x01\x02 \x03"},
        {"text": None},
        {"text": ["a"]},
    ],
)
def test_input_that_is_no_message_is_a_clear_4xx(client: TestClient, body: dict[str, Any]) -> None:
    url = f"/api/v1/conversations/web-input-{next(COUNTER)}/messages"
    response = post_json(client, url, body)
    assert response.status_code == 422 and "detail" in response.json()


def test_bad_text_in_admin_fields_is_cleaned_or_refused(client: TestClient) -> None:
    n = next(COUNTER)
    created = post_json(
        client,
        "/api/v1/debtors",
        {"reference": f"NUL-{n}", "name": "Ann\x00a \ud83d Smit 😀", "language": "nl"},
        ADMIN,
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Anna \ufffd Smit 😀"
    cleaned = post_json(client, "/api/v1/debtors", {"reference": f"R\x00-{n}", "name": "B"}, ADMIN)
    assert cleaned.status_code == 201 and cleaned.json()["reference"] == f"R-{n}"
    too_long = post_json(client, "/api/v1/debtors", {"reference": "R", "name": "x" * 50_000}, ADMIN)
    assert too_long.status_code == 422


def test_bad_text_in_an_imported_file_is_cleaned_never_a_500(client: TestClient) -> None:
    """The creditor's books (CSV and JSON) carry NUL and lone surrogates too: PostgreSQL
    text cannot hold a NUL, so the import cleans them like every other input."""
    n = next(COUNTER)
    csv = f"debiteurnummer;klantnummer;naam\nE-{n};IMP-{n};Jan\x00 de\x07 Boer\n".encode()
    response = client.post(
        "/api/v1/imports/debtors", content=csv, headers={**ADMIN, "content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    row = {"external_id": f"EJ-{n}", "reference": f"IMPJ-{n}", "name": "Els \ud83d V\u0000os"}
    as_json = json.dumps([row])
    response = client.post(
        "/api/v1/imports/debtors",
        content=as_json,
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    with session_scope(sessions_of(client)) as session:
        stored = {
            d.reference: d.name
            for d in session.scalars(select(Debtor).where(Debtor.reference.like("IMP%")))
        }
    assert stored[f"IMP-{n}"] == "Jan de Boer"
    assert stored[f"IMPJ-{n}"] == "Els \ufffd Vos"
    # a bank statement whose payer name holds a NUL: booked, name cleaned
    statement = mt940(
        [Entry(f"B{n}", Decimal("5.00"), "no reference", dt.date(2026, 11, 2), "Piet\x00 Pan")]
    )
    response = client.post("/api/v1/bank-statements", content=statement, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["credits"] == 1
    with session_scope(sessions_of(client)) as session:
        payers = session.scalars(select(BankTransaction.counterparty)).all()
    assert "Piet Pan" in payers


# --- export and erasure -------------------------------------------------------------------------
def _seed_history(client: TestClient, reference: str) -> tuple[int, str]:
    debtor = client.post(
        "/api/v1/debtors",
        headers=ADMIN,
        json={
            "reference": reference,
            "name": "Lotte Hendriks",
            "date_of_birth": "1985-03-12",
            "postcode": "1012 AB",
            "phone": "+31612345678",
            "email": "lotte@example.nl",
        },
    ).json()
    invoice = client.post(
        f"/api/v1/debtors/{debtor['id']}/invoices",
        headers=ADMIN,
        json={
            "number": f"{reference}-F1",
            "amount": "120.50",
            "currency": "EUR",
            "issue_date": "2026-10-01",
            "due_date": "2026-10-15",
        },
    )
    assert invoice.status_code == 201
    conversation_id = f"whatsapp:+3161234{next(COUNTER):04d}"
    with session_scope(sessions_of(client)) as session:
        chat = get_or_create_conversation(
            session=session, conversation_id=conversation_id, channel="whatsapp"
        )
        seed_token(chat)
        add_message(
            session=session, conversation=chat, sender="debtor", text="Ik ben Lotte Hendriks"
        )
        record_hint(
            session=session,
            conversation_id=conversation_id,
            channel="whatsapp",
            phone="+31612345678",
        )
        attach_debtor(session=session, conversation_id=conversation_id, debtor_id=debtor["id"])
        mark_verified(session=session, conversation=chat)
        payment = book_payment(
            session=session,
            debtor=get_debtor(session=session, debtor_id=debtor["id"]),
            amount=Decimal("20.50"),
        )
        # the bot's reply waiting for WhatsApp, the bank credit the payment came from, a
        # promise made in this conversation and the events for the creditor's books
        enqueue_replies(
            session=session,
            conversation_id=conversation_id,
            message_ids=[
                add_message(session=session, conversation=chat, sender="bot", text="Ok").id
            ],
        )
        session.add(
            BankTransaction(
                entry_key=f"NL00BANK0000000001:entry-{debtor['id']}",
                source="camt053",
                amount=Decimal("20.50"),
                booked_on=dt.date(2026, 11, 2),
                counterparty="Lotte Hendriks",
                counterparty_account=IBAN,
                remittance=f"{reference}-F1 Lotte Hendriks",
                status="matched",
                debtor_id=debtor["id"],
                payment_id=payment.id,
            )
        )
        record_event(
            session=session,
            actor="bot",
            action="promise_made",
            debtor_id=debtor["id"],
            conversation_id=conversation_id,
            detail={"amount": "100.00", "date": "2026-12-15"},
        )
        assert collect_book_events(session=session) == 1
    return int(debtor["id"]), conversation_id


def _everything_stored(sessions: sessionmaker[Session]) -> str:
    """Every value in every table, as one text to search."""
    values: list[str] = []
    with session_scope(sessions) as session:
        bind = session.get_bind()
        for table in metadata.sorted_tables:
            if not inspect(bind).has_table(table.name):
                continue
            for row in session.execute(select(table)):
                values.extend(str(v) for v in row)
    return "\n".join(values)


def test_export_then_erase_removes_the_person_and_keeps_the_books(client: TestClient) -> None:
    reference = f"ER-{next(COUNTER)}"
    debtor_id, conversation_id = _seed_history(client, reference)
    before = client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()

    export = client.get(f"/api/v1/debtors/{debtor_id}/export", headers=ADMIN)
    assert export.status_code == 200
    data = export.json()
    assert (
        data["debtor"]["name"] == "Lotte Hendriks"
        and data["debtor"]["date_of_birth"] == "1985-03-12"
    )
    assert [m["text"] for c in data["conversations"] for m in c["messages"]] == [
        "Ik ben Lotte Hendriks",
        "Ok",
    ]
    assert data["invoices"][0]["amount"] == "120.50" and data["payments"][0]["amount"] == "20.50"
    assert "token_hash" not in data["conversations"][0]
    assert data["bank_transactions"][0]["counterparty_account"] == IBAN
    assert [e["type"] for e in data["book_events"]] == ["promise.made"]
    assert [o["address"] for o in data["outbox"]] == [conversation_id.removeprefix("whatsapp:")]

    erased = client.post(f"/api/v1/debtors/{debtor_id}/erase", headers=ADMIN)
    assert erased.status_code == 200 and erased.json()["messages"] == 2
    stored = _everything_stored(sessions_of(client))
    for personal in (
        "Lotte Hendriks",
        "1985-03-12",
        "1012AB",
        "+31612345678",
        "lotte@example.nl",
        IBAN,
        conversation_id,
        reference + "\n",
    ):
        assert personal not in stored, personal
    after = client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()
    assert after["balance"] == before["balance"] == "100.00"
    assert after["invoices"] == before["invoices"] and after["payments"] == before["payments"]
    assert after["name"].startswith("ERASED-") and after["date_of_birth"] is None
    books = client.get(f"/api/v1/debtors/{debtor_id}/export", headers=ADMIN).json()
    assert [t["amount"] for t in books["bank_transactions"]] == ["20.50"]
    assert books["bank_transactions"][0]["counterparty"] == after["name"]
    assert [e["payload"]["data"] for e in books["book_events"]] == [
        {"amount": "100.00", "date": "2026-12-15"}
    ]
    # the debtor can no longer verify, with the old customer number or the invoice number
    with session_scope(sessions_of(client)) as session:
        for given in (reference, f"{reference}-F1"):
            result = verify_identity(
                session=session,
                conversation_id=f"after-{given}",
                reference=given,
                factor=find_second_factor("12-03-1985"),
            )
            assert not result.verified
    assert (
        client.get(f"/api/v1/debtors/{debtor_id}/export", headers=ADMIN).json()["conversations"]
        == []
    )
    assert client.post("/api/v1/debtors/2000000000/erase", headers=ADMIN).status_code == 404
