"""Telegram through the gateway: real Update payloads with the secret token in, replies out
through python-telegram-bot's Bot against a fake Bot API, Rasa replaced by a fake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.outbound import OutboundMessage
from receivables.conversations.models import OutboxMessage
from receivables.db import session_scope
from receivables.models import AuditEvent, Conversation, Message, utcnow
from receivables.settings import settings_from
from tests.cli import settle
from tests.fakes.gateway import make_client
from tests.fakes.rasa import FakeRasa, fake_rasa
from tests.fakes.telegram_api import FakeTelegram, fake_telegram

SECRET = "tg-Secret_0123456789"
HOOK = "/channels/telegram"
USER = {"id": 42, "is_bot": False, "first_name": "Mark", "language_code": "nl"}
CHAT = {"id": 42, "type": "private", "first_name": "Mark"}
LONG = '/inform{"debtor_reference": "' + "K" * 60 + '"}'


def assistant(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body["message"] in ("/ask_balance", LONG):
        return [{"text": f"Dat zoek ik graag voor u op ({body['message'][:7]})."}]
    return [
        {
            "text": "Hallo! Waarmee kan ik helpen?",
            "buttons": [
                {"title": "Mijn saldo", "payload": "/ask_balance"},
                {"title": "Anders", "payload": LONG},
            ],
        }
    ]


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa(assistant) as fake:
        yield fake


@pytest.fixture
def bot_api() -> Iterator[FakeTelegram]:
    with fake_telegram() as fake:
        yield fake


@pytest.fixture
def client(tmp_path: Path, rasa: FakeRasa, bot_api: FakeTelegram) -> Iterator[TestClient]:
    with make_client(
        tmp_path,
        rasa.url,
        telegram_token=bot_api.token,
        telegram_secret=SECRET,
        telegram_api_url=bot_api.api_url,
    ) as test_client:
        yield test_client


def text_update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1773309600,
            "chat": CHAT,
            "from": USER,
            "text": text,
        },
    }


def post(client: TestClient, update: dict[str, Any], secret: str | None = SECRET) -> Any:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post(HOOK, json=update, headers=headers)


def stored(client: TestClient) -> list[Message]:
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(Message).order_by(Message.id)))


def test_a_message_is_answered_with_an_inline_keyboard(
    client: TestClient, rasa: FakeRasa, bot_api: FakeTelegram
) -> None:
    response = post(client, text_update(1001, "Hoi, wat staat er open?"))
    assert response.status_code == 200
    (sent,) = bot_api.sent()
    assert sent["chat_id"] == "42" and sent["text"] == "Hallo! Waarmee kan ik helpen?"
    message_id = stored(client)[-1].id
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Mijn saldo", "callback_data": "/ask_balance"}],
            [{"text": "Anders", "callback_data": f"#{message_id}:1"}],
        ]
    }
    (turn,) = rasa.received
    assert turn["sender"] == "telegram:42" and turn["metadata"]["channel"] == "telegram"


def test_a_button_tap_is_answered_and_goes_to_the_bot(
    client: TestClient, rasa: FakeRasa, bot_api: FakeTelegram
) -> None:
    post(client, text_update(1001, "Hoi"))
    message_id = stored(client)[-1].id
    for update_id, data in ((1002, "/ask_balance"), (1003, f"#{message_id}:1")):
        tap = {
            "update_id": update_id,
            "callback_query": {
                "id": f"cbq-{update_id}",
                "from": USER,
                "chat_instance": "1",
                "data": data,
                "message": {"message_id": 1, "date": 1773309600, "chat": CHAT, "text": "Hallo!"},
            },
        }
        assert post(client, tap).status_code == 200
    assert [c["callback_query_id"] for c in bot_api.sent("answerCallbackQuery")] == [
        "cbq-1002",
        "cbq-1003",
    ]
    assert rasa.messages() == ["Hoi", "/ask_balance", LONG]
    assert bot_api.sent()[-1]["text"] == "Dat zoek ik graag voor u op (/inform)."


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET.lower(), SECRET + " "])
def test_a_missing_or_wrong_secret_gets_403_and_changes_nothing(
    client: TestClient, rasa: FakeRasa, bot_api: FakeTelegram, secret: str | None
) -> None:
    response = post(client, text_update(1001, "Hoi"), secret=secret)
    assert response.status_code == 403 and "secret" in response.json()["detail"]
    assert rasa.received == [] and bot_api.calls == [] and stored(client) == []
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(AuditEvent.id)) is None
        assert session.scalar(select(Conversation.id)) is None


def test_a_redelivered_update_is_answered_once(
    client: TestClient, rasa: FakeRasa, bot_api: FakeTelegram
) -> None:
    for _ in range(3):
        assert post(client, text_update(1001, "Hoi")).status_code == 200
    assert len(rasa.received) == 1 and len(bot_api.sent()) == 1
    assert [m.sender for m in stored(client)] == ["debtor", "bot"]


def test_start_greets_and_offers_to_share_the_phone_number(
    client: TestClient, rasa: FakeRasa, bot_api: FakeTelegram
) -> None:
    post(client, text_update(1001, "/start"))
    (turn,) = rasa.received
    assert (turn["message"], turn["metadata"]["language"]) == ("/greet", "nl")
    greeting, offer = bot_api.sent()
    assert greeting["text"].startswith("Hallo!")
    assert offer["text"].startswith("Wilt u uw telefoonnummer met ons delen?")
    keyboard = offer["reply_markup"]["keyboard"]
    assert keyboard == [[{"text": "Deel mijn telefoonnummer", "request_contact": True}]]


def contact_update(update_id: int, user_id: int, phone: str) -> dict[str, Any]:
    contact = {"phone_number": phone, "first_name": "Mark", "user_id": user_id}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1773309600,
            "chat": CHAT,
            "from": USER,
            "contact": contact,
        },
    }


def test_a_shared_phone_number_is_a_hint_for_later_turns(
    client: TestClient, rasa: FakeRasa, bot_api: FakeTelegram
) -> None:
    post(client, contact_update(1001, 99, "+31687654321"))  # someone else's
    assert bot_api.sent()[-1]["text"].startswith("Deel alstublieft uw eigen telefoonnummer")
    post(client, contact_update(1002, 42, "31612345678"))
    thanks = bot_api.sent()[-1]
    assert thanks["text"].startswith("Dank u wel") and thanks["reply_markup"] == {
        "remove_keyboard": True
    }
    assert rasa.received == []
    post(client, text_update(1003, "Wat is mijn saldo?"))
    assert rasa.received[-1]["metadata"]["hint"] == {"phone": "+31612345678"}


def test_other_messages_get_a_text_only_answer(client: TestClient, bot_api: FakeTelegram) -> None:
    sticker = {
        "update_id": 1001,
        "message": {
            "message_id": 1,
            "date": 1773309600,
            "chat": CHAT,
            "from": USER,
            "sticker": {
                "file_id": "f",
                "file_unique_id": "u",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        },
    }
    assert post(client, sticker).status_code == 200
    assert bot_api.sent()[-1]["text"].startswith("Excuses, ik kan alleen tekstberichten lezen")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": {}}'])
def test_malformed_updates_get_422(client: TestClient, body: bytes) -> None:
    response = client.post(
        HOOK,
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code == 422 and "detail" in response.json()


def test_pushed_messages_wait_in_the_outbox_after_a_failure(
    client: TestClient, bot_api: FakeTelegram
) -> None:
    post(client, text_update(1001, "Hoi"))
    state = client.app.state  # type: ignore[attr-defined]
    text = "We hebben € 50,00 ontvangen, dank u wel."
    with session_scope(state.sessions) as session:
        message = Message(conversation_id="telegram:42", sender="system", text=text, buttons=[])
        session.add(message)
        session.flush()
        pushed = OutboundMessage(message.id, text, [])
    bot_api.failures = [500]
    client.portal.call(state.outbound.push, "telegram:42", "telegram", [pushed])  # type: ignore[union-attr]
    assert bot_api.sent()[-1]["text"] != text  # not yet: it waits in the outbox
    with session_scope(state.sessions) as session:
        session.execute(
            update(OutboxMessage).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
        )
    client.portal.call(state.channel_senders.outbox.drain)  # type: ignore[union-attr]
    assert bot_api.sent()[-1]["text"] == text


def test_off_without_settings(tmp_path: Path, rasa: FakeRasa) -> None:
    with make_client(tmp_path, rasa.url, telegram_token="123:abc") as bare:
        response = post(bare, text_update(1001, "Hoi"))
        assert response.status_code == 404 and "detail" in response.json()


def test_the_setup_command_registers_the_webhook_with_the_secret(bot_api: FakeTelegram) -> None:
    environ = {
        "SETTLE_TELEGRAM_TOKEN": bot_api.token,
        "SETTLE_TELEGRAM_SECRET": SECRET,
        "SETTLE_PUBLIC_URL": "https://settle.example.com/",
        "SETTLE_TELEGRAM_API_URL": bot_api.api_url,
    }
    done = settle(["telegram-webhook"], settings_from(environ))
    assert done.exit_code == 0, done.output
    (call,) = bot_api.sent("setWebhook")
    assert call["url"] == "https://settle.example.com/channels/telegram"
    assert call["secret_token"] == SECRET
    assert call["allowed_updates"] == ["message", "callback_query"]
    assert "webhook set" in done.stdout
    missing = settle(["telegram-webhook"], settings_from({"SETTLE_TELEGRAM_TOKEN": bot_api.token}))
    assert missing.exit_code == 2 and "SETTLE_TELEGRAM_SECRET" in missing.stderr
    wrong = settings_from({**environ, "SETTLE_TELEGRAM_TOKEN": "1:wrong"})
    refused = settle(["telegram-webhook"], wrong)
    assert refused.exit_code == 1 and "setWebhook failed" in refused.stderr
    assert "Traceback" not in refused.output
