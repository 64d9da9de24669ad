"""The gateway over HTTP, with Rasa replaced by a small fake Rasa server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from settle.stack import free_port
from tests.fakes.gateway import make_client
from tests.fakes.loopback import Handler

ADMIN = {"Authorization": "Bearer secret-admin"}


class FakeRasa(Handler):
    received: list[dict[str, object]] = []
    replies: list[dict[str, object]] = [
        {
            "text": "Hallo! Waarmee kan ik helpen?",
            "buttons": [{"title": "Saldo", "payload": "/ask_balance"}],
        }
    ]

    def do_POST(self) -> None:  # noqa: N802
        FakeRasa.received.append(json.loads(self.body()))
        self.answer(200, FakeRasa.replies)

    def do_GET(self) -> None:  # noqa: N802
        self.answer(200, {"status": "ok"})


@pytest.fixture(scope="module")
def fake_rasa() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def client(tmp_path: Path, fake_rasa: str) -> Iterator[TestClient]:
    FakeRasa.received.clear()
    with make_client(tmp_path, fake_rasa) as test_client:
        yield test_client


@pytest.fixture
def client_without_rasa(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path, f"http://127.0.0.1:{free_port()}") as test_client:
        yield test_client


def test_admin_api_needs_the_token(client: TestClient) -> None:
    for method, path in (
        ("get", "/api/v1/handoffs"),
        ("get", "/api/v1/policy"),
        ("get", "/api/v1/debtors/1"),
        ("post", "/api/v1/debtors"),
    ):
        assert client.request(method, path).status_code == 401
        wrong = client.request(method, path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "detail" in wrong.json()


def test_debtor_and_invoices_with_balance(client: TestClient) -> None:
    created = client.post(
        "/api/v1/debtors",
        headers=ADMIN,
        json={
            "reference": "KL-2291",
            "name": "Mark Jansen",
            "date_of_birth": "1979-05-03",
            "postcode": "3511 ce",
            "language": "nl",
        },
    )
    assert created.status_code == 201
    debtor = created.json()
    assert debtor["postcode"] == "3511CE"
    for number, amount in (("F-1", "100.10"), ("F-2", 20)):
        invoice = client.post(
            f"/api/v1/debtors/{debtor['id']}/invoices",
            headers=ADMIN,
            json={
                "number": number,
                "amount": amount,
                "currency": "EUR",
                "issue_date": "2026-10-01",
                "due_date": "2026-10-15",
            },
        )
        assert invoice.status_code == 201, invoice.text
    read = client.get(f"/api/v1/debtors/{debtor['id']}", headers=ADMIN).json()
    assert read["balance"] == "120.10"
    assert [i["amount"] for i in read["invoices"]] == ["100.10", "20.00"]
    assert read["payment_plans"] == [] and read["promises"] == [] and read["payments"] == []


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/debtors", {"reference": "X1"}, 422),
        ("/api/v1/debtors", {"reference": "X1", "name": "A", "postcode": "12"}, 422),
        ("/api/v1/debtors", {"reference": "X1", "name": "A", "date_of_birth": "2999-01-01"}, 422),
        ("/api/v1/debtors", {"reference": "X1", "name": "A", "language": "de"}, 422),
        (
            "/api/v1/debtors/999/invoices",
            {"number": "N", "amount": "1.00", "issue_date": "2026-01-01", "due_date": "2026-01-02"},
            404,
        ),
        ("/api/v1/conversations/bad id!/messages", {"text": "hoi"}, 422),
        ("/api/v1/conversations/ok/messages", {"text": "   "}, 422),
        ("/api/v1/conversations/ok/messages", {"text": "hi", "language": "fr"}, 422),
        ("/api/v1/conversations/ok/messages", {"text": 5}, 422),
    ],
)
def test_bad_input_gets_a_clear_4xx(client: TestClient, path: str, body: dict, status: int) -> None:
    response = client.post(path, json=body, headers=ADMIN)
    assert response.status_code == status
    assert "detail" in response.json()


def test_bad_invoice_amounts_and_malformed_json(client: TestClient) -> None:
    debtor = client.post(
        "/api/v1/debtors", headers=ADMIN, json={"reference": "R1", "name": "A"}
    ).json()
    path = f"/api/v1/debtors/{debtor['id']}/invoices"
    base = {"number": "N1", "issue_date": "2026-01-01", "due_date": "2026-01-02"}
    for amount in ("-5", "0", "1.234", "abc"):
        assert client.post(path, headers=ADMIN, json={**base, "amount": amount}).status_code == 422
    assert (
        client.post(
            path, headers=ADMIN, json={**base, "amount": "5", "currency": "USD"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            path, headers=ADMIN, json={**base, "amount": "5", "due_date": "2025-01-01"}
        ).status_code
        == 422
    )
    raw = client.post(
        path, headers={**ADMIN, "Content-Type": "application/json"}, content=b"{not json"
    )
    assert raw.status_code == 422
    assert (
        client.post(
            "/api/v1/debtors", headers=ADMIN, json={"reference": "r1", "name": "B"}
        ).status_code
        == 409
    )


def test_a_turn_stores_both_sides_and_returns_the_replies(client: TestClient) -> None:
    reply = client.post(
        "/api/v1/conversations/c-1/messages", json={"text": "hoeveel moet ik betalen"}
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["state"] == "bot"
    assert [m["sender"] for m in body["messages"]] == ["bot"]
    assert body["messages"][0]["buttons"] == [{"title": "Saldo", "payload": "/ask_balance"}]
    assert FakeRasa.received[-1]["metadata"]["language"] == "nl"
    assert FakeRasa.received[-1]["sender"] == "c-1"
    client.post("/api/v1/conversations/c-1/messages", json={"text": "hello", "language": "en"})
    assert FakeRasa.received[-1]["metadata"]["language"] == "en"
    history = client.get("/api/v1/conversations/c-1/messages").json()["messages"]
    assert [m["sender"] for m in history] == ["debtor", "bot", "debtor", "bot"]
    after = client.get("/api/v1/conversations/c-1/messages", params={"after": history[1]["id"]})
    assert [m["id"] for m in after.json()["messages"]] == [history[2]["id"], history[3]["id"]]
    assert client.get("/api/v1/conversations/unknown/messages").status_code == 404
    assert (
        client.get("/api/v1/conversations/c-1/messages", params={"after": "x"}).status_code == 422
    )


def test_card_numbers_never_reach_storage_or_rasa(client: TestClient) -> None:
    client.post("/api/v1/conversations/c-2/messages", json={"text": "kaart 4111-1111-1111-1111"})
    assert "4111" not in json.dumps(FakeRasa.received[-1])
    stored = client.get("/api/v1/conversations/c-2/messages").json()["messages"][0]["text"]
    assert "4111" not in stored


def test_rasa_down_hands_the_conversation_to_a_person(client_without_rasa: TestClient) -> None:
    client = client_without_rasa
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["database"] == "ok" and health.json()["rasa"].startswith("down")
    first = client.post(
        "/api/v1/conversations/c-3/messages", json={"text": "wat is mijn saldo"}
    ).json()
    assert first["state"] == "waiting"
    assert first["messages"][0]["sender"] == "system" and "collega" in first["messages"][0]["text"]
    second = client.post("/api/v1/conversations/c-3/messages", json={"text": "hallo?"}).json()
    assert second["state"] == "waiting" and second["messages"] == []
    handoffs = client.get("/api/v1/handoffs", params={"status": "waiting"}, headers=ADMIN).json()
    assert [(h["conversation_id"], h["reason"]) for h in handoffs] == [("c-3", "other")]
    assert (
        client.get("/api/v1/handoffs", params={"status": "lost"}, headers=ADMIN).status_code == 422
    )


def test_health_and_chat_page(client: TestClient) -> None:
    assert client.get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
        "rasa": "ok",
        "actions": "ok",
    }
    page = client.get("/")
    assert page.status_code == 200 and "/static/webchat.js" in page.text
    assert client.get("/static/webchat.js").status_code == 200
    policy = client.get("/api/v1/policy", headers=ADMIN).json()
    assert policy["payment_plan"]["max_installments"] >= 1
    assert "min_installment_amount" in policy["payment_plan"]
    assert policy["promise_to_pay"]["max_days_ahead"] >= 0


def test_the_browser_language_decides_only_when_the_text_cannot(client: TestClient) -> None:
    client.post(
        "/api/v1/conversations/c-br/messages", json={"text": "hi", "browser_language": "en-GB"}
    )
    assert FakeRasa.received[-1]["metadata"]["language"] == "en"
    assert FakeRasa.received[-1]["metadata"]["language_certain"] is True
    client.post(
        "/api/v1/conversations/c-br2/messages",
        json={"text": "hoeveel moet ik betalen", "browser_language": "en-US"},
    )
    assert FakeRasa.received[-1]["metadata"]["language"] == "nl"


def test_a_bare_hi_is_sent_as_language_unknown(client: TestClient) -> None:
    client.post("/api/v1/conversations/c-hi/messages", json={"text": "hi"})
    assert FakeRasa.received[-1]["metadata"]["language_certain"] is False
    client.post("/api/v1/conversations/c-hi/messages", json={"text": "what is my balance"})
    metadata = FakeRasa.received[-1]["metadata"]
    assert (metadata["language"], metadata["language_certain"]) == ("en", True)
