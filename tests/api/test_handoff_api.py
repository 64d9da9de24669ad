"""The handoff API of the contract, over HTTP with a fake Rasa: the queue, claim, a reply that
reaches the debtor's channel, release (the bot answers again) and resolve."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.outbound import OutboundMessage
from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice
from receivables.collectors.service import create_collector
from receivables.conversations.service import add_message, attach_debtor, get_or_create_conversation
from receivables.db import session_scope
from receivables.handoffs.service import create_handoff
from tests.api.test_gateway import FakeRasa, fake_rasa  # noqa: F401
from tests.conversation_tokens import seed_token
from tests.fakes.gateway import make_client

ADMIN = {"Authorization": "Bearer secret-admin"}
PASSWORD = "a long test password"


@dataclass(frozen=True)
class Case:
    handoff_id: int
    conversation_id: str
    debtor_id: int | None


def seed_case(
    sessions: sessionmaker[Session],
    conversation_id: str,
    *,
    language: str = "nl",
    level: str = "junior",
    reference: str | None = "48213907",
    flags: tuple[str, ...] = ("illness",),
) -> Case:
    """A verified debtor with two invoices, a short conversation and a waiting handoff."""
    with session_scope(sessions) as session:
        debtor_id = None
        balance = None
        if reference:
            debtor = create_debtor(
                session=session, reference=reference, name="Anna de Vries", language=language
            )
            for number, amount in (("F1", "150.00"), ("F2", "89.95")):
                create_invoice(
                    session=session,
                    debtor=debtor,
                    number=f"{number}-{reference}",
                    amount=Decimal(amount),
                    issue_date=dt.date(2026, 10, 1),
                    due_date=dt.date(2026, 10, 15),
                )
            debtor_id, balance = debtor.id, Decimal("239.95")
        conversation = get_or_create_conversation(session=session, conversation_id=conversation_id)
        conversation.language = language
        seed_token(conversation)
        if debtor_id:
            attach_debtor(session=session, conversation_id=conversation_id, debtor_id=debtor_id)
        text = "Ik ben ziek en kan nu niet betalen" if language == "nl" else "I lost my job"
        add_message(session=session, conversation=conversation, sender="debtor", text=text)
        add_message(
            session=session,
            conversation=conversation,
            sender="bot",
            text="Dat spijt me. Een collega neemt contact met u op.",
        )
        handoff = create_handoff(
            session=session,
            conversation_id=conversation_id,
            reason="cannot_pay",
            debtor_id=debtor_id,
            level=level,
            balance=balance,
            flags=flags,
            summary="Verified; balance EUR 239.95; cannot pay (illness).",
        )
        return Case(handoff.id, conversation_id, debtor_id)


def seed_collector(sessions: sessionmaker[Session], username: str, role: str) -> None:
    with session_scope(sessions) as session:
        create_collector(
            session=session, username=username, name=username.title(), password=PASSWORD, role=role
        )


def log_in(client: TestClient, username: str) -> None:
    response = client.post(
        "/console/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def client(tmp_path: Path, fake_rasa: str) -> Iterator[TestClient]:  # noqa: F811
    FakeRasa.received.clear()
    # served over plain http here: the console's cookies without Secure
    with make_client(tmp_path, fake_rasa, public_url="http://testserver") as test_client:
        # the collectors the admin token claims for (the claim API takes existing ones)
        for username in ("anna", "bert"):
            seed_collector(sessions_of(test_client), username, "senior")
        yield test_client


def sessions_of(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessions  # type: ignore[attr-defined,no-any-return]


def test_the_handoff_api_needs_a_token_or_a_console_session(client: TestClient) -> None:
    case = seed_case(sessions_of(client), "auth-1")
    calls = [
        ("get", "/api/v1/handoffs", None),
        ("post", f"/api/v1/handoffs/{case.handoff_id}/claim", {"collector": "anna"}),
        ("post", f"/api/v1/handoffs/{case.handoff_id}/messages", {"text": "Hallo"}),
        ("post", f"/api/v1/handoffs/{case.handoff_id}/release", None),
        ("post", f"/api/v1/handoffs/{case.handoff_id}/resolve", {"note": "x"}),
    ]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eA=="}):
            response = client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert "detail" in response.json()
    client.cookies.set("settle_console", "v1.YW5uYQ.1.abc.forged")
    assert client.get("/api/v1/handoffs").status_code == 401
    listed = client.get("/api/v1/handoffs", headers=ADMIN).json()
    assert [h["status"] for h in listed] == ["waiting"]  # nothing changed


def test_the_list_keeps_the_contract_and_adds_what_a_collector_needs(client: TestClient) -> None:
    case = seed_case(sessions_of(client), "list-1")
    seed_case(sessions_of(client), "list-2", reference="KL-2291", level="senior", flags=())
    items = client.get("/api/v1/handoffs", params={"status": "waiting"}, headers=ADMIN).json()
    assert [i["conversation_id"] for i in items] == ["list-2", "list-1"]  # senior first
    item = items[1]
    contract = {"id", "conversation_id", "debtor_id", "reason", "level", "status", "created_at"}
    assert contract <= set(item)
    assert item["id"] == case.handoff_id and item["debtor_id"] == case.debtor_id
    assert (item["reason"], item["level"], item["status"]) == ("cannot_pay", "junior", "waiting")
    assert item["flags"] == ["illness"] and item["balance"] == "239.95"
    assert item["summary"].startswith("Verified") and item["collector"] is None
    assert client.get("/api/v1/handoffs", params={"status": "claimed"}, headers=ADMIN).json() == []
    assert client.get("/api/v1/handoffs", params={"status": "x"}, headers=ADMIN).status_code == 422


def test_claim_reply_and_release_through_the_contract(client: TestClient) -> None:
    case = seed_case(sessions_of(client), "flow-1")
    pushed: list[tuple[str, list[OutboundMessage]]] = []

    async def webchat_sender(conversation_id: str, messages: list[OutboundMessage]) -> None:
        pushed.append((conversation_id, messages))

    client.app.state.outbound.register("webchat", webchat_sender)  # type: ignore[attr-defined]
    base = f"/api/v1/handoffs/{case.handoff_id}"
    chat = f"/api/v1/conversations/{case.conversation_id}/messages"

    # not claimed yet: a reply is refused, the claim needs a name with the admin token
    assert client.post(f"{base}/messages", json={"text": "Hallo"}, headers=ADMIN).status_code == 409
    assert client.post(f"{base}/claim", json={}, headers=ADMIN).status_code == 422
    for unknown in ("nobody", "anna\u0007\n<b>"):
        refused = client.post(f"{base}/claim", json={"collector": unknown}, headers=ADMIN)
        assert refused.status_code == 422 and "no active collector" in refused.text
    claimed = client.post(f"{base}/claim", json={"collector": "anna"}, headers=ADMIN)
    assert claimed.status_code == 200
    assert (claimed.json()["status"], claimed.json()["collector"]) == ("claimed", "anna")
    assert claimed.json()["claimed_at"]
    again = client.post(f"{base}/claim", json={"collector": "bert"}, headers=ADMIN)
    assert again.status_code == 409 and "anna" in again.json()["detail"]

    # while a person has it the bot stays silent
    silent = client.post(chat, json={"text": "Hallo? Is daar iemand?"}).json()
    assert silent["state"] == "human" and FakeRasa.received == []

    for bad in ({"text": ""}, {"text": "   "}, {}, {"text": 5}):
        assert client.post(f"{base}/messages", json=bad, headers=ADMIN).status_code == 422
    reply = client.post(
        f"{base}/messages", json={"text": "Goedemiddag, u spreekt met Anna."}, headers=ADMIN
    )
    assert reply.status_code == 200
    message = reply.json()
    assert message["sender"] == "collector" and set(message) >= {"id", "text", "created_at"}
    assert pushed == [(case.conversation_id, [OutboundMessage(message["id"], message["text"], [])])]
    history = client.get(chat).json()
    assert history["state"] == "human"
    assert history["messages"][-1]["text"] == "Goedemiddag, u spreekt met Anna."

    released = client.post(f"{base}/release", headers=ADMIN)
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["outcome"]) == ("resolved", "released")
    back = client.get(chat, params={"after": message["id"]}).json()
    assert back["state"] == "bot"
    assert [m["sender"] for m in back["messages"]] == ["bot"]
    assert back["messages"][0]["text"].startswith("Mijn collega heeft het gesprek")
    assert pushed[-1][1][0].id == back["messages"][0]["id"]

    # the bot answers again
    answered = client.post(chat, json={"text": "Wat is mijn saldo?"}).json()
    assert answered["state"] == "bot" and answered["messages"][0]["sender"] == "bot"
    assert FakeRasa.received[-1]["sender"] == case.conversation_id
    assert client.post(f"{base}/release", headers=ADMIN).status_code == 409


def test_release_speaks_english_to_an_english_debtor(client: TestClient) -> None:
    case = seed_case(sessions_of(client), "flow-en", language="en", reference="EN-1001")
    client.post(
        f"/api/v1/handoffs/{case.handoff_id}/claim", json={"collector": "anna"}, headers=ADMIN
    )
    client.post(f"/api/v1/handoffs/{case.handoff_id}/release", headers=ADMIN)
    last = client.get(f"/api/v1/conversations/{case.conversation_id}/messages").json()
    assert last["messages"][-1]["text"].startswith("My colleague has handed the conversation back")


def test_resolve_with_outcome_and_note(client: TestClient) -> None:
    case = seed_case(sessions_of(client), "res-1")
    base = f"/api/v1/handoffs/{case.handoff_id}"
    client.post(f"{base}/claim", json={"collector": "anna"}, headers=ADMIN)
    assert client.post(f"{base}/resolve", json={"outcome": "won"}, headers=ADMIN).status_code == 422
    done = client.post(
        f"{base}/resolve",
        json={"note": "Regeling via schuldhulp", "outcome": "debt_help"},
        headers=ADMIN,
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["outcome"], body["note"]) == (
        "resolved",
        "debt_help",
        "Regeling via schuldhulp",
    )
    assert (
        client.get(f"/api/v1/conversations/{case.conversation_id}/messages").json()["state"]
        == "closed"
    )
    assert client.post(f"{base}/resolve", headers=ADMIN).status_code == 409
    # the contract's bare form: no body at all
    other = seed_case(sessions_of(client), "res-2", reference=None)
    bare = client.post(f"/api/v1/handoffs/{other.handoff_id}/resolve", headers=ADMIN)
    assert bare.status_code == 200 and bare.json()["outcome"] == "other"


@pytest.mark.parametrize("step", ["claim", "messages", "release", "resolve"])
def test_unknown_handoffs_are_404(client: TestClient, step: str) -> None:
    body = {"collector": "anna", "text": "hallo"}
    response = client.post(f"/api/v1/handoffs/424242/{step}", json=body, headers=ADMIN)
    assert response.status_code == 404 and "not found" in response.json()["detail"]
    assert client.post(f"/api/v1/handoffs/abc/{step}", json=body, headers=ADMIN).status_code == 422


def test_a_console_session_works_the_api_as_that_collector(client: TestClient) -> None:
    sessions = sessions_of(client)
    junior_case = seed_case(sessions, "sess-1")
    senior_case = seed_case(sessions, "sess-2", reference="KL-2291", level="senior")
    seed_collector(sessions, "jan", "junior")
    log_in(client, "jan")
    listed = client.get("/api/v1/handoffs").json()
    assert [h["id"] for h in listed] == [junior_case.handoff_id]  # a fresh senior case is hidden
    refused = client.post(f"/api/v1/handoffs/{senior_case.handoff_id}/claim", json={})
    assert refused.status_code == 403
    # the session's own name counts, not one in the body
    claimed = client.post(
        f"/api/v1/handoffs/{junior_case.handoff_id}/claim", json={"collector": "someone-else"}
    )
    assert claimed.json()["collector"] == "jan"
    sent = client.post(f"/api/v1/handoffs/{junior_case.handoff_id}/messages", json={"text": "Hoi"})
    assert sent.status_code == 200
    cross_site = client.post(
        f"/api/v1/handoffs/{junior_case.handoff_id}/messages",
        json={"text": "Hoi"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403


def test_a_waiting_web_chat_wakes_up_for_a_collectors_reply(client: TestClient) -> None:
    case = seed_case(sessions_of(client), "poll-1")
    chat = f"/api/v1/conversations/{case.conversation_id}/messages"
    last = client.get(chat).json()["messages"][-1]["id"]
    started = time.monotonic()
    idle = client.get(chat, params={"after": last, "wait": 0.3}).json()
    assert idle["messages"] == [] and time.monotonic() - started >= 0.3
    assert client.get(chat, params={"wait": 31}).status_code == 422

    result: dict[str, object] = {}

    def wait_for_reply() -> None:
        began = time.monotonic()
        result["body"] = client.get(chat, params={"after": last, "wait": 10}).json()
        result["took"] = time.monotonic() - began

    waiter = threading.Thread(target=wait_for_reply)
    waiter.start()
    time.sleep(0.3)
    base = f"/api/v1/handoffs/{case.handoff_id}"
    client.post(f"{base}/claim", json={"collector": "anna"}, headers=ADMIN)
    waiter.join(timeout=15)
    body = result["body"]
    assert isinstance(body, dict) and body["state"] == "human"  # the state change wakes it
    assert float(result["took"]) < 5  # type: ignore[arg-type]
