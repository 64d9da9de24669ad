"""The payment page and the provider webhook over HTTP: the local provider's checkout and
Mollie through its real client against a fake Mollie server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from receivables.conversations.service import get_or_create_conversation
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.migrate import upgrade
from receivables.payments.links import get_or_create_link, resolve_target
from receivables.settings import Settings
from settle.stack import free_port
from tests.api.fake_mollie import FakeMollie, fake_mollie
from tests.conversation_tokens import keep_tokens, seed_token

ADMIN = {"Authorization": "Bearer secret-admin"}
PUBLIC = "https://settle.example.nl"


def make_client(tmp_path: Path, **settings: Any) -> tuple[TestClient, str]:
    url = f"sqlite:///{tmp_path / 'pay.db'}"
    upgrade(url)
    nowhere = f"http://127.0.0.1:{free_port()}"
    app = create_app(
        Settings(
            database_url=url,
            admin_token="secret-admin",
            rasa_url=nowhere,
            actions_url=nowhere,
            public_url=PUBLIC,
            **settings,
        )
    )
    # served over https like its public URL, so the console's Secure cookies come back
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    return keep_tokens(client), url


def add_debtor(client: TestClient, language: str = "nl") -> int:
    debtor = client.post(
        "/api/v1/debtors",
        headers=ADMIN,
        json={
            "reference": "48213907",
            "name": "Anna de Vries",
            "date_of_birth": "1985-03-12",
            "language": language,
        },
    ).json()
    for number, amount, due in (
        ("F2026-0042", "150.00", "2026-10-15"),
        ("F2026-0107", "89.95", "2026-11-30"),
    ):
        client.post(
            f"/api/v1/debtors/{debtor['id']}/invoices",
            headers=ADMIN,
            json={
                "number": number,
                "amount": amount,
                "currency": "EUR",
                "issue_date": "2026-10-01",
                "due_date": due,
            },
        )
    return int(debtor["id"])


def make_link(
    url: str, debtor_id: int, language: str, invoice: str | None = None, provider: str = "local"
) -> str:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        seed_token(
            get_or_create_conversation(session=session, conversation_id="web-1", channel="webchat")
        )
        target = resolve_target(session=session, debtor_id=debtor_id, invoice_number=invoice)
        link = get_or_create_link(
            session=session,
            debtor_id=debtor_id,
            target=target,
            language=language,
            provider=provider,
            expiry_days=7,
            conversation_id="web-1",
        )
        token = link.token
    engine.dispose()
    return token


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    client, url = make_client(tmp_path)
    with client:
        yield client, url


def messages(client: TestClient) -> list[dict[str, Any]]:
    return client.get("/api/v1/conversations/web-1/messages?after=0").json()["messages"]


def test_the_page_shows_creditor_amount_and_invoices_in_the_debtor_language(
    local: tuple[TestClient, str],
) -> None:
    client, url = local
    debtor_id = add_debtor(client)
    page = client.get(f"/pay/{make_link(url, debtor_id, 'nl')}")
    assert page.status_code == 200
    html = page.text
    assert 'lang="nl"' in html and "Voorbeeld Energie B.V." in html
    assert "€ 239,95" in html and "F2026-0042" in html and "F2026-0107" in html
    assert 'name="viewport"' in html
    assert 'value="paid"' in html and 'value="canceled"' in html
    english = client.get(f"/pay/{make_link(url, debtor_id, 'en', invoice='F2026-0107')}").text
    assert 'lang="en"' in english and "€89.95" in english and "Pay <span" in english
    # the amount is read out (no aria-label hiding it), with the customer number, a quiet
    # "not now" and the way back to the web chat conversation
    assert '<span class="visually-hidden">Amount: </span>€89.95</h1>' in english
    assert "Customer number " in english and ">Not now</button>" in english
    assert 'id="back"' in english and "Back to the conversation" in english
    assert client.get("/pay/not-a-token").status_code == 404


def test_paying_books_once_confirms_in_the_conversation_and_lowers_the_balance(
    local: tuple[TestClient, str],
) -> None:
    client, url = local
    debtor_id = add_debtor(client)
    token = make_link(url, debtor_id, "nl", invoice="F2026-0042")
    done = client.post(f"/pay/{token}", data={"outcome": "paid"})
    assert done.status_code == 303 and done.headers["location"] == f"/pay/{token}?outcome=paid"
    assert 'data-state="paid"' in client.get(done.headers["location"]).text
    assert [m["text"] for m in messages(client)] == [
        "We hebben € 150,00 ontvangen, dank u wel. Uw openstaande saldo is nu € 89,95."
    ]
    debtor = client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()
    assert debtor["balance"] == "89.95"
    assert [(p["amount"], p["method"]) for p in debtor["payments"]] == [("150.00", "ideal")]
    assert debtor["payment_links"] == []
    # paying the same link again books nothing more
    again = client.post(f"/pay/{token}", data={"outcome": "paid"})
    assert again.status_code == 303 and again.headers["location"] == f"/pay/{token}"
    assert len(client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()["payments"]) == 1
    assert len(messages(client)) == 1


def test_cancel_keeps_the_link_open_and_bad_input_is_refused(
    local: tuple[TestClient, str],
) -> None:
    client, url = local
    debtor_id = add_debtor(client, "en")
    token = make_link(url, debtor_id, "en")
    canceled = client.post(f"/pay/{token}", data={"outcome": "canceled"})
    assert canceled.status_code == 303
    page = client.get(canceled.headers["location"]).text
    assert 'data-state="canceled"' in page and 'value="paid"' in page
    assert client.post(f"/pay/{token}", data={"outcome": "stolen"}).status_code == 422
    assert client.post(f"/pay/{token}", data={}).status_code == 422
    assert client.post("/pay/unknown", data={"outcome": "paid"}).status_code == 404
    debtor = client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()
    assert debtor["balance"] == "239.95" and debtor["payments"] == []
    [link] = debtor["payment_links"]
    assert link["url"] == f"{PUBLIC}/pay/{token}" and link["amount"] == "239.95"
    assert link["target"] == "balance" and link["status"] == "open"


def test_a_webhook_for_an_unknown_payment_books_nothing(local: tuple[TestClient, str]) -> None:
    client, _ = local
    debtor_id = add_debtor(client)
    assert client.post("/payments/webhook", data={"id": "tr_unknown"}).json() == {"status": "ok"}
    assert client.post("/payments/webhook", data={}).status_code == 422
    assert client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()["payments"] == []


@pytest.fixture
def mollie(tmp_path: Path) -> Iterator[tuple[TestClient, str, FakeMollie]]:
    with fake_mollie() as fake:
        client, url = make_client(
            tmp_path,
            payment_provider="mollie",
            mollie_api_key="test_abcdefghijklmnopqrstuvwxyz12",
            mollie_api_url=fake.url,
        )
        with client:
            yield client, url, fake


def test_mollie_payment_carries_amount_description_and_urls(
    mollie: tuple[TestClient, str, FakeMollie],
) -> None:
    client, url, fake = mollie
    debtor_id = add_debtor(client)
    token = make_link(url, debtor_id, "nl", provider="mollie")
    page = client.get(f"/pay/{token}").text
    assert "Betalen met iDEAL" in page and not fake.created  # opening the page creates nothing
    go = client.post(f"/pay/{token}", data={"outcome": "pay"})
    assert go.status_code == 303
    assert go.headers["location"].startswith("https://www.mollie.com/checkout/")
    [body] = fake.created
    assert body["amount"] == {"currency": "EUR", "value": "239.95"}
    assert body["description"] == "48213907 facturen F2026-0042, F2026-0107"
    assert body["redirectUrl"] == f"{PUBLIC}/pay/{token}"
    assert body["webhookUrl"] == f"{PUBLIC}/payments/webhook"
    assert body["method"] == "ideal" and body["locale"] == "nl_NL"
    assert re.fullmatch(r"\d+", body["metadata"]["link_id"])
    assert fake.authorizations[-1] == "Bearer test_abcdefghijklmnopqrstuvwxyz12"
    # back on the page before paying: the same Mollie payment is reused
    client.post(f"/pay/{token}", data={"outcome": "pay"})
    assert len(fake.created) == 1


def test_mollie_webhook_fetches_the_status_and_books_once(
    mollie: tuple[TestClient, str, FakeMollie],
) -> None:
    client, url, fake = mollie
    debtor_id = add_debtor(client, "en")
    token = make_link(url, debtor_id, "en", invoice="F2026-0107", provider="mollie")
    client.post(f"/pay/{token}", data={"outcome": "pay"})
    [payment_id] = fake.payments
    # still open at Mollie: a webhook (or someone posting a fake one) books nothing
    assert client.post("/payments/webhook", data={"id": payment_id}).json() == {"status": "ok"}
    assert client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()["payments"] == []
    fake.set_status(payment_id, "paid")
    first = client.post("/payments/webhook", data={"id": payment_id})
    second = client.post("/payments/webhook", data={"id": payment_id})
    assert first.json() == {"status": "booked"} and second.json() == {"status": "ok"}
    debtor = client.get(f"/api/v1/debtors/{debtor_id}", headers=ADMIN).json()
    assert [p["amount"] for p in debtor["payments"]] == ["89.95"]
    assert debtor["balance"] == "150.00"
    assert [m["text"] for m in messages(client)] == [
        "We received €89.95, thank you. Your outstanding balance is now €150.00."
    ]
    assert client.post("/payments/webhook", data={"id": "tr_nonexistent"}).json() == {
        "status": "ok"
    }
