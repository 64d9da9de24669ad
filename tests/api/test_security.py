"""Only the debtor sees the debtor's conversation (issue P8), through the HTTP contract with a
fake Rasa: conversation secrets, channel conversations off the public API, the lockout per
debtor, verification that expires, rate limits, the console's CSRF and headers, the
production guard, ids out of range and the OpenAPI description."""

# ruff: noqa: F811  (pytest fixtures imported and used as parameters)
from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.client import client_address
from api.main import create_app
from receivables.accounts.debtors import create_debtor
from receivables.audit.events import list_events
from receivables.collectors.service import create_collector
from receivables.conversations.service import add_message, attach_debtor, get_or_create_conversation
from receivables.db import session_scope
from receivables.handoffs.service import create_handoff
from receivables.migrate import upgrade
from receivables.models import Conversation
from receivables.policy.model import DEFAULT_POLICY_FILE
from receivables.settings import Settings
from receivables.verification.service import find_second_factor, verify_identity
from receivables.verification.state import mark_verified
from tests.conversation_tokens import keep_tokens
from tests.fakes.rasa import FakeRasa, fake_rasa, verifying_bot

ADMIN = {"Authorization": "Bearer secret-admin"}
PASSWORD = "a long console password"
DOB = dt.date(1985, 3, 12)


def make_settings(database_url: str, rasa_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "admin_token": "secret-admin",
        "rasa_url": rasa_url,
        "actions_url": rasa_url,
        "rasa_token": "t",
        "rasa_timeout": 5,
        **overrides,
    }
    return Settings(**values)


@contextmanager
def gateway(tmp_path: Path, rasa_url: str, **overrides: Any) -> Iterator[TestClient]:
    """A gateway on a fresh SQLite file; a bare client (no secrets kept for it)."""
    url = f"sqlite:///{tmp_path / 'security.db'}"
    upgrade(url)
    with TestClient(create_app(make_settings(url, rasa_url, **overrides))) as client:
        yield client


def sessions_of(client: TestClient) -> sessionmaker[Session]:
    return client.app.state.sessions  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa() as fake:
        yield fake


@pytest.fixture
def client(tmp_path: Path, rasa: FakeRasa) -> Iterator[TestClient]:
    with gateway(tmp_path, rasa.url) as test_client:
        yield test_client


def seed_debtor(sessions: sessionmaker[Session], reference: str = "48213907") -> int:
    with session_scope(sessions) as session:
        debtor = create_debtor(
            session=session,
            reference=reference,
            name="Anna de Vries",
            date_of_birth=DOB,
            postcode="1012 AB",
            language="nl",
        )
        return debtor.id


# --- conversation access --------------------------------------------------------------------
def test_channel_conversations_are_not_on_the_public_api(client: TestClient) -> None:
    with session_scope(sessions_of(client)) as session:
        chat = get_or_create_conversation(
            session=session, conversation_id="whatsapp:+31612345678", channel="whatsapp"
        )
        add_message(session=session, conversation=chat, sender="debtor", text="mijn saldo?")
    for path in ("whatsapp:+31612345678", "whatsapp%3A%2B31612345678", "telegram:12345"):
        url = f"/api/v1/conversations/{path}/messages"
        assert client.get(url).status_code == 404
        posted = client.post(url, json={"text": "ik ben het echt"})
        assert posted.status_code == 404 and "detail" in posted.json()
    # the admin token reads it, the id URL-encoded
    read = client.get("/api/v1/conversations/whatsapp%3A%2B31612345678/messages", headers=ADMIN)
    assert read.status_code == 200
    assert [m["text"] for m in read.json()["messages"]] == ["mijn saldo?"]
    wrong = {"Authorization": "Bearer guess"}
    assert (
        client.get(
            "/api/v1/conversations/whatsapp:+31612345678/messages", headers=wrong
        ).status_code
        == 401
    )


def test_a_web_chat_conversation_answers_only_to_its_secret(client: TestClient) -> None:
    url = "/api/v1/conversations/web-abc/messages"
    first = client.post(url, json={"text": "hallo"})
    assert first.status_code == 200
    token = first.json()["conversation_token"]
    assert len(token) >= 32
    with session_scope(sessions_of(client)) as session:
        stored = session.get(Conversation, "web-abc")
        assert stored is not None
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    for headers in ({}, {"X-Conversation-Token": "wrong"}, {"X-Conversation-Token": token[:-1]}):
        assert client.get(url, headers=headers).status_code == 404
        assert client.post(url, json={"text": "nog een"}, headers=headers).status_code == 404
    mine = {"X-Conversation-Token": token}
    again = client.post(url, json={"text": "wat is mijn saldo"}, headers=mine)
    assert again.status_code == 200 and "conversation_token" not in again.json()
    texts = [m["text"] for m in client.get(url, headers=mine).json()["messages"]]
    assert texts == ["hallo", "echo: hallo", "wat is mijn saldo", "echo: wat is mijn saldo"]
    # nothing the guessers sent was stored, and the 404 looks like no conversation at all
    missing = client.get("/api/v1/conversations/web-none/messages").json()
    assert client.get(url).json()["detail"] == missing["detail"].replace("web-none", "web-abc")


def test_a_collector_signed_in_reads_any_conversation(tmp_path: Path, rasa: FakeRasa) -> None:
    with gateway(tmp_path, rasa.url) as bare:
        client = keep_tokens(bare)
        with session_scope(sessions_of(client)) as session:
            create_collector(session=session, username="anna", name="Anna", password=PASSWORD)
            get_or_create_conversation(
                session=session, conversation_id="telegram:42", channel="telegram"
            )
        url = "/api/v1/conversations/telegram%3A42/messages"
        assert client.get(url).status_code == 404
        signed = client.post(
            "/console/login",
            data={"username": "anna", "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        assert client.get(url).json()["conversation_id"] == "telegram:42"


# --- the lockout per debtor, through the gateway ---------------------------------------------


def test_five_wrong_factors_over_conversations_lock_the_debtor_until_unlocked(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'lockout.db'}"
    upgrade(url)
    with fake_rasa(verifying_bot(url)) as bot:
        app = create_app(make_settings(url, bot.url))
        with keep_tokens(TestClient(app)) as client:
            debtor_id = seed_debtor(sessions_of(client))

            def say(conversation: str, text: str) -> str:
                reply = client.post(
                    f"/api/v1/conversations/{conversation}/messages", json={"text": text}
                )
                assert reply.status_code == 200, reply.text
                return str(reply.json()["messages"][-1]["text"])

            wrong = ["01-01-1980", "02-02-1981", "03-03-1982", "04-04-1983", "05-05-1984"]
            answers = [say(f"try-{n // 2}", f"48213907 {dob}") for n, dob in enumerate(wrong)]
            assert answers == ["no match"] * 4 + ["paused"]
            # even the right date of birth, in a fresh conversation, is refused now
            assert say("fresh", "48213907 12-03-1985") == "paused"
            status = client.get(f"/api/v1/debtors/{debtor_id}/verification", headers=ADMIN).json()
            assert status == {"failures": 5, "locked": True}
            opened = client.post(f"/api/v1/debtors/{debtor_id}/verification/unlock", headers=ADMIN)
            assert opened.json() == {"failures": 0, "locked": False}
            assert say("fresh-2", "48213907 12-03-1985") == "verified"
            with session_scope(sessions_of(client)) as session:
                actions = [e.action for e in list_events(session=session, debtor_id=debtor_id)]
            assert "verification_unlocked" in actions


def test_a_collector_unlocks_in_the_console_and_it_is_audited(client: TestClient) -> None:
    client = keep_tokens(client)
    sessions = sessions_of(client)
    debtor_id = seed_debtor(sessions)
    with session_scope(sessions) as session:
        create_collector(session=session, username="bert", name="Bert", password=PASSWORD)
        for n in range(5):
            verify_identity(
                session=session,
                conversation_id=f"g-{n}",
                reference="48213907",
                factor=find_second_factor("01-01-1990"),
            )
        handoff = create_handoff(
            session=session,
            conversation_id="g-4",
            reason="verification_failed",
            debtor_id=debtor_id,
        )
        handoff_id = handoff.id
    client.post("/console/login", data={"username": "bert", "password": PASSWORD})
    page = client.get(f"/console/handoffs/{handoff_id}")
    assert "Unlock verification" in page.text
    # a form without the page's CSRF token is refused
    forged = client.post(
        f"/console/handoffs/{handoff_id}/unlock",
        headers={"X-CSRF-Token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert client.get(f"/api/v1/debtors/{debtor_id}/verification", headers=ADMIN).json()["locked"]
    done = client.post(f"/console/handoffs/{handoff_id}/unlock", follow_redirects=False)
    assert done.status_code == 303 and "unlocked" in done.headers["location"]
    assert not client.get(f"/api/v1/debtors/{debtor_id}/verification", headers=ADMIN).json()[
        "locked"
    ]
    with session_scope(sessions) as session:
        events = list_events(session=session, debtor_id=debtor_id)
        assert [e.actor for e in events if e.action == "verification_unlocked"] == [
            "collector:bert"
        ]


# --- verification expires -------------------------------------------------------------------
def test_verification_is_gone_after_the_idle_time(tmp_path: Path, rasa: FakeRasa) -> None:
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    policy["verification"]["idle_minutes"] = 0.02  # 1.2 seconds
    policy_file = tmp_path / "policy.yml"
    policy_file.write_text(yaml.safe_dump(policy), encoding="utf-8")
    with gateway(tmp_path, rasa.url, policy_file=str(policy_file)) as bare:
        client = keep_tokens(bare)
        sessions = sessions_of(client)
        debtor_id = seed_debtor(sessions)
        url = "/api/v1/conversations/web-idle/messages"
        client.post(url, json={"text": "hallo"})
        with session_scope(sessions) as session:
            conversation = attach_debtor(
                session=session, conversation_id="web-idle", debtor_id=debtor_id
            )
            mark_verified(session=session, conversation=conversation)
        client.post(url, json={"text": "wat is mijn saldo"})
        assert rasa.appended == []  # still verified: the bot goes on
        time.sleep(1.5)
        client.post(url, json={"text": "en nu?"})
        # the bot starts a new session (every slot, verification included, back to its
        # start) before it reads the message
        new_session = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
        assert rasa.appended == [("web-idle", new_session)]
        assert rasa.calls[-2:] == ["events", "message"]
        with session_scope(sessions) as session:
            assert session.get(Conversation, "web-idle").verified_at is None  # type: ignore[union-attr]
            ended = [
                e.detail
                for e in list_events(session=session, conversation_id="web-idle")
                if e.action == "verification_ended"
            ]
        assert ended == [{"reason": "idle"}]


# --- rate limits ----------------------------------------------------------------------------
def test_rate_limits_answer_429_with_retry_after_and_recover(
    tmp_path: Path, rasa: FakeRasa
) -> None:
    with gateway(
        tmp_path,
        rasa.url,
        rate_limit_conversation_messages="3/2 seconds",
        rate_limit_address_new_conversations="2/minute",
    ) as bare:
        client = keep_tokens(bare)
        url = "/api/v1/conversations/web-busy/messages"
        assert [client.post(url, json={"text": f"{n}"}).status_code for n in range(3)] == [200] * 3
        refused = client.post(url, json={"text": "nog een"})
        assert refused.status_code == 429 and "detail" in refused.json()
        wait = int(refused.headers["Retry-After"])
        assert 1 <= wait <= 2
        time.sleep(wait + 0.2)
        assert client.post(url, json={"text": "weer ok"}).status_code == 200
        # new conversations per client address: the second new one is the last
        assert (
            client.post("/api/v1/conversations/web-new-1/messages", json={"text": "a"}).status_code
            == 200
        )
        third = client.post("/api/v1/conversations/web-new-2/messages", json={"text": "b"})
        assert third.status_code == 429 and int(third.headers["Retry-After"]) >= 1
        # nothing of the refused one is kept: no conversation, no secret to claim it later
        with session_scope(sessions_of(client)) as session:
            assert session.get(Conversation, "web-new-2") is None


def test_console_sign_in_backs_off_per_account(tmp_path: Path, rasa: FakeRasa) -> None:
    with gateway(tmp_path, rasa.url, rate_limit_login_account="2/minute;3/hour") as bare:
        client = keep_tokens(bare)
        with session_scope(sessions_of(client)) as session:
            create_collector(session=session, username="anna", name="Anna", password=PASSWORD)
            create_collector(session=session, username="bert", name="Bert", password=PASSWORD)
        form = {"username": "anna", "password": "guess"}
        assert [client.post("/console/login", data=form).status_code for _ in range(2)] == [
            401,
            401,
        ]
        blocked = client.post("/console/login", data={"username": "anna", "password": PASSWORD})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        other = client.post(
            "/console/login",
            data={"username": "bert", "password": PASSWORD},
            follow_redirects=False,
        )
        assert other.status_code == 303


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy() -> None:
    assert client_address("203.0.113.9", "198.51.100.1", trusted="") == "203.0.113.9"
    assert client_address("203.0.113.9", "198.51.100.1", trusted="10.0.0.0/8") == "203.0.113.9"
    assert client_address("10.0.0.2", "198.51.100.1", trusted="10.0.0.0/8") == "198.51.100.1"
    # the client may write anything left of what our proxy appended
    spoofed = "1.2.3.4, 198.51.100.1, 10.0.0.3"
    assert client_address("10.0.0.2", spoofed, trusted="10.0.0.0/8") == "198.51.100.1"


# --- console hardening, headers, the production guard ---------------------------------------
def test_pages_carry_a_content_security_policy_and_cookies_are_strict(
    tmp_path: Path, rasa: FakeRasa
) -> None:
    with gateway(tmp_path, rasa.url, public_url="https://pay.example.com") as client:
        client.base_url = httpx.URL("https://testserver")  # Secure cookies come back over https
        for path in ("/", "/console/login", "/pay/no-such-link"):
            headers = client.get(path).headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"], path
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] in ("no-referrer", "same-origin")
        assert "no-store" in client.get("/console/login").headers["cache-control"]
        assert client.get("/pay/no-such-link").headers["referrer-policy"] == "no-referrer"
        with session_scope(sessions_of(client)) as session:
            create_collector(session=session, username="anna", name="Anna", password=PASSWORD)
        # without the page's token the sign-in form is refused
        form = {"username": "anna", "password": PASSWORD}
        assert client.post("/console/login", data=form).status_code == 403
        page = client.get("/console/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        signed = client.post(
            "/console/login", data={**form, "csrf_token": token}, follow_redirects=False
        )
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_outside_development_unsafe_settings_stop_the_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with pytest.raises(SystemExit) as stopped:
        create_app(Settings(database_url=url, env="production", admin_token="short"))
    message = str(stopped.value)
    assert "\n" not in message
    assert "SETTLE_PAYMENT_PROVIDER" in message and "SETTLE_ADMIN_TOKEN" in message
    assert "SETTLE_PUBLIC_URL" in message
    safe = Settings(
        database_url=url,
        env="production",
        admin_token="x" * 40,
        payment_provider="mollie",
        mollie_api_key="test_abc",
        public_url="https://pay.example.com",
    )
    assert create_app(safe).title == "Settle"


# --- ids and the OpenAPI description ---------------------------------------------------------
@pytest.mark.parametrize("bad_id", ["9223372036854775808", "2147483648", "-1", "0", "1e3"])
def test_ids_out_of_range_answer_404_or_422_in_json(client: TestClient, bad_id: str) -> None:
    for method, path in (
        ("get", f"/api/v1/debtors/{bad_id}"),
        ("get", f"/api/v1/debtors/{bad_id}/export"),
        ("post", f"/api/v1/debtors/{bad_id}/erase"),
        ("post", f"/api/v1/handoffs/{bad_id}/release"),
    ):
        response = client.request(method, path, headers=ADMIN)
        assert response.status_code in (404, 422), (path, response.status_code)
        assert "detail" in response.json()


def test_openapi_declares_the_bearer_scheme_and_the_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    responses = spec["paths"]["/api/v1/debtors/{debtor_id}"]["get"]["responses"]
    for code in ("401", "404", "409", "422", "429"):
        schema = responses[code]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorBody")
    post = spec["paths"]["/api/v1/conversations/{conversation_id}/messages"]["post"]
    assert "429" in post["responses"]
    assert any(p["name"] == "X-Conversation-Token" for p in post["parameters"])
