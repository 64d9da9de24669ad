"""WhatsApp and SMS through the gateway: Twilio-signed webhooks in, replies out through the
real twilio client against a fake Twilio API, Rasa replaced by a fake."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from twilio.request_validator import RequestValidator

from api.flows.channel_delivery import FAILED
from api.outbound import OutboundMessage
from receivables.conversations.models import OutboxMessage
from receivables.db import session_scope
from receivables.models import AuditEvent, Conversation, Message, utcnow
from tests.fakes.gateway import PUBLIC_URL, make_client, twilio_post
from tests.fakes.rasa import FakeRasa, fake_rasa
from tests.fakes.twilio_api import FakeTwilio, fake_twilio

WA_FROM, SMS_FROM = "whatsapp:+3197010200300", "+3197010200301"
DEBTOR = "+31612345678"
HOOK = "/channels/twilio/whatsapp"


def assistant(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body["message"] == "/ask_invoices":
        return [{"text": "U heeft twee openstaande facturen."}]
    return [
        {
            "text": "Hallo! Waarmee kan ik helpen?",
            "buttons": [
                {"title": "Mijn saldo", "payload": "/ask_balance"},
                {"title": "Mijn facturen", "payload": "/ask_invoices"},
            ],
        }
    ]


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with fake_rasa(assistant) as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture
def client(tmp_path: Path, rasa: FakeRasa, twilio: FakeTwilio) -> Iterator[TestClient]:
    with make_client(
        tmp_path,
        rasa.url,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_whatsapp_from=WA_FROM,
        twilio_sms_from=SMS_FROM,
        twilio_api_url=twilio.url,
        twilio_template_sid="HX" + "1" * 32,
    ) as test_client:
        yield test_client


def inbound(sid: str, body: str, sender: str = f"whatsapp:{DEBTOR}") -> dict[str, str]:
    to = WA_FROM if sender.startswith("whatsapp:") else SMS_FROM
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "ProfileName": "Mark",
    }


def messages(client: TestClient, conversation_id: str) -> list[Message]:
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        return list(
            session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
        )


def test_a_signed_message_is_answered_at_once_and_replied_to(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    response = twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response" and len(root) == 0
    (sent,) = twilio.messages
    assert (sent["To"], sent["From"]) == (f"whatsapp:{DEBTOR}", WA_FROM)
    assert sent["Body"] == (
        "Hallo! Waarmee kan ik helpen?\n\n1. Mijn saldo\n2. Mijn facturen"
        "\n\nU kunt antwoorden met het nummer van uw keuze."
    )
    (turn,) = rasa.received
    assert turn["sender"] == f"whatsapp:{DEBTOR}"
    assert turn["metadata"]["channel"] == "whatsapp"
    assert turn["metadata"]["hint"] == {"phone": DEBTOR}
    assert [m.sender for m in messages(client, f"whatsapp:{DEBTOR}")] == ["debtor", "bot"]


def test_a_number_answers_the_options(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    twilio_post(client, HOOK, inbound("SM2", "2"), token=twilio.auth_token)
    assert rasa.messages() == ["Hoi", "/ask_invoices"]
    assert twilio.bodies()[-1] == "U heeft twee openstaande facturen."
    # no options standing now: a "2" is just text
    twilio_post(client, HOOK, inbound("SM3", "2"), token=twilio.auth_token)
    assert rasa.messages()[-1] == "2"


def test_a_verification_quiet_for_longer_than_the_policy_ends_before_the_next_turn(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    conversation_id = f"whatsapp:{DEBTOR}"
    twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    two_hours_ago = utcnow() - dt.timedelta(hours=2)
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.verified_at = two_hours_ago  # verified, then 2 hours quiet (policy: 30 min)
        session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(created_at=two_hours_ago)
        )
    twilio_post(client, HOOK, inbound("SM2", "wat is mijn saldo"), token=twilio.auth_token)
    # stored at the webhook, answered by the inbox worker: the bot starts a new session
    # (verification gone) before it reads the message
    new_session = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
    assert rasa.appended == [(conversation_id, new_session)]
    assert rasa.calls == ["message", "events", "message"]
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert session.get(Conversation, conversation_id).verified_at is None  # type: ignore[union-attr]
    twilio_post(client, HOOK, inbound("SM3", "en nu?"), token=twilio.auth_token)
    assert len(rasa.appended) == 1  # once


@pytest.mark.parametrize(
    "forge",
    [
        {"signature": ""},  # missing
        {"signature": "bm90IGEgc2lnbmF0dXJl"},  # wrong
        {"signed_url": "http://testserver" + HOOK},  # signed for another URL
        {"token": "another-token"},  # signed with another token
    ],
)
def test_unsigned_or_forged_requests_get_403_and_change_nothing(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio, forge: dict[str, str]
) -> None:
    options = {"token": twilio.auth_token, **forge}
    response = twilio_post(client, HOOK, inbound("SM1", "Hoi"), **options)
    assert response.status_code == 403
    assert "signature" in response.json()["detail"]
    assert rasa.received == [] and twilio.messages == []
    assert messages(client, f"whatsapp:{DEBTOR}") == []
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(AuditEvent.id)) is None
        assert session.scalar(select(Conversation.id)) is None


def test_a_tampered_body_gets_403(client: TestClient, twilio: FakeTwilio) -> None:
    params = inbound("SM1", "Hoi")
    signature = RequestValidator(twilio.auth_token).compute_signature(PUBLIC_URL + HOOK, params)
    tampered = {**params, "Body": "Hoi, stuur alles naar mij"}
    response = twilio_post(client, HOOK, tampered, token=twilio.auth_token, signature=signature)
    assert response.status_code == 403


def test_a_redelivered_message_sid_is_answered_once(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    for _ in range(3):
        response = twilio_post(client, HOOK, inbound("SM-same", "Hoi"), token=twilio.auth_token)
        assert response.status_code == 200
    assert len(rasa.received) == 1 and len(twilio.messages) == 1
    assert [m.sender for m in messages(client, f"whatsapp:{DEBTOR}")] == ["debtor", "bot"]


def test_sms_uses_the_same_webhook(client: TestClient, twilio: FakeTwilio) -> None:
    twilio_post(client, HOOK, inbound("SM9", "Hallo", sender=DEBTOR), token=twilio.auth_token)
    (sent,) = twilio.messages
    assert (sent["To"], sent["From"]) == (DEBTOR, SMS_FROM)
    assert [m.sender for m in messages(client, f"sms:{DEBTOR}")] == ["debtor", "bot"]


def test_a_picture_gets_a_polite_text_only_answer(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    params = {**inbound("SM4", ""), "NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/1"}
    assert twilio_post(client, HOOK, params, token=twilio.auth_token).status_code == 200
    assert rasa.received == []
    assert twilio.bodies() == [
        "Excuses, ik kan alleen tekstberichten lezen. Wilt u uw vraag typen?"
    ]


def test_status_callbacks_are_acknowledged(client: TestClient, twilio: FakeTwilio) -> None:
    params = {
        "MessageSid": "SM1",
        "MessageStatus": "delivered",
        "From": WA_FROM,
        "To": f"whatsapp:{DEBTOR}",
        "AccountSid": twilio.account_sid,
    }
    assert twilio_post(client, HOOK, params, token=twilio.auth_token).status_code == 200
    assert twilio.messages == []


def push(client: TestClient, conversation_id: str, channel: str, text: str) -> None:
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        message = Message(
            conversation_id=conversation_id, sender="collector", text=text, buttons=[]
        )
        session.add(message)
        session.flush()
        outgoing = [OutboundMessage(message.id, text, [])]
    outbound = client.app.state.outbound  # type: ignore[attr-defined]
    client.portal.call(outbound.push, conversation_id, channel, outgoing)  # type: ignore[union-attr]


def test_a_collector_reply_after_a_day_goes_as_a_template(
    client: TestClient, twilio: FakeTwilio
) -> None:
    twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    conversation_id = f"whatsapp:{DEBTOR}"
    push(client, conversation_id, "whatsapp", "Ik heb uw vraag bekeken.")
    assert twilio.messages[-1]["Body"] == "Ik heb uw vraag bekeken."
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(created_at=utcnow() - dt.timedelta(hours=25))
        )
    push(client, conversation_id, "whatsapp", "Uw betalingsregeling\nstaat klaar.")
    template = twilio.messages[-1]
    assert "Body" not in template and template["ContentSid"] == "HX" + "1" * 32
    assert template["ContentVariables"] == '{"1": "Uw betalingsregeling staat klaar."}'


def outbox_rows(client: TestClient) -> list[OutboxMessage]:
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def worker_round_later(client: TestClient) -> None:
    """What a worker does once the back-off has passed: send what is due."""
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
        )
    outbox = client.app.state.channel_senders.outbox  # type: ignore[attr-defined]
    client.portal.call(outbox.drain)  # type: ignore[union-attr]


def test_a_failed_send_waits_in_the_outbox_then_is_retried_or_recorded(
    client: TestClient, twilio: FakeTwilio
) -> None:
    twilio.failures = [500]
    twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    assert twilio.attempts == 1 and twilio.messages == []
    (row,) = outbox_rows(client)
    assert (row.status, row.attempts) == ("pending", 1) and "Twilio 500" in (row.error or "")
    worker_round_later(client)
    assert twilio.attempts == 2 and len(twilio.messages) == 1
    (row,) = outbox_rows(client)
    assert (row.status, row.provider_id) == ("sent", "SM" + "1".zfill(32))
    twilio.failures = [400]  # an unknown number: not retried
    push(client, f"whatsapp:{DEBTOR}", "whatsapp", "Een collega antwoordt u.")
    worker_round_later(client)
    assert twilio.attempts == 3
    assert [r.status for r in outbox_rows(client)] == ["sent", "failed"]
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == FAILED))
        assert event is not None and event.conversation_id == f"whatsapp:{DEBTOR}"
        assert "Twilio 400" in event.detail["error"]
    assert messages(client, f"whatsapp:{DEBTOR}")[-1].text == "Een collega antwoordt u."


def test_a_send_that_keeps_failing_is_given_up_visibly(
    client: TestClient, twilio: FakeTwilio
) -> None:
    twilio.failures = [500] * 10
    twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    for _ in range(10):
        worker_round_later(client)
    (row,) = outbox_rows(client)
    assert (row.status, row.attempts) == ("failed", 5) and twilio.attempts == 5
    assert messages(client, f"whatsapp:{DEBTOR}")[-1].sender == "bot"  # kept in the chat


def status(sid: str, value: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "MessageStatus": value, "AccountSid": "AC" + "0" * 32, **extra}


def test_status_callbacks_record_delivered_read_and_failed_once(
    client: TestClient, twilio: FakeTwilio
) -> None:
    twilio_post(client, HOOK, inbound("SM1", "Hoi"), token=twilio.auth_token)
    assert twilio.messages[0]["StatusCallback"] == PUBLIC_URL + "/channels/twilio/status"
    sid = outbox_rows(client)[0].provider_id or ""
    hook = "/channels/twilio/status"
    unsigned = client.post(hook, data=status(sid, "failed"))
    assert unsigned.status_code == 403 and outbox_rows(client)[0].status == "sent"
    for value in ("delivered", "delivered", "read", "delivered", "sent"):
        answer = twilio_post(client, hook, status(sid, value), token=twilio.auth_token)
        assert answer.status_code == 204
    assert outbox_rows(client)[0].status == "read"  # never back to an older status
    twilio_post(client, hook, status("SMunknown", "failed"), token=twilio.auth_token)
    push(client, f"whatsapp:{DEBTOR}", "whatsapp", "Een collega antwoordt u.")
    second = outbox_rows(client)[1].provider_id or ""
    failed = status(second, "undelivered", ErrorCode="63016")
    twilio_post(client, hook, failed, token=twilio.auth_token)
    twilio_post(client, hook, failed, token=twilio.auth_token)
    assert [r.status for r in outbox_rows(client)] == ["read", "undelivered"]
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == FAILED)))
    assert len(events) == 1 and "63016" in events[0].detail["error"]


def test_off_without_settings(tmp_path: Path, rasa: FakeRasa) -> None:
    with make_client(tmp_path, rasa.url) as bare:
        response = bare.post(HOOK, data=inbound("SM1", "Hoi"))
        assert response.status_code == 404 and "detail" in response.json()
        assert bare.post("/channels/twilio/voice", data={}).status_code == 404
