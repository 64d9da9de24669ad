"""A phone call through the gateway: every TwiML step signed like Twilio does, each answer a
turn through the same (fake) bot; every document parses as XML with TwiML's verbs only."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from receivables.db import session_scope
from receivables.handoffs.service import create_handoff
from receivables.models import AuditEvent, Conversation, Message
from receivables.policy.model import WorkingHours
from tests.fakes.gateway import PUBLIC_URL, make_client, twilio_post
from tests.fakes.rasa import FakeRasa, fake_rasa
from tests.fakes.twilio_api import FakeTwilio, fake_twilio
from tests.fakes.twiml import parse_twiml, spoken

CALL, CALLER = "CA" + "a" * 32, "+31612345678"
SMS_FROM, JUNIOR, SENIOR = "+3197010200301", "+31201110000", "+31202220000"
ASK_PERSON = "Ik wil een medewerker spreken"
LINK = "https://settle.example.com/pay/Tk-123"
BALANCE = {
    "text": "Dank u, u bent geverifieerd. Uw openstaande saldo is € 1.234,56.",
    "buttons": [
        {"title": "Stuur mij een betaallink", "payload": "/pay_now"},
        {"title": "Ik wil een medewerker spreken", "payload": "/request_human"},
    ],
}
REPLIES: dict[str, list[dict[str, Any]]] = {
    "/greet": [
        {
            "text": "Hallo! Ik ben de digitale assistent voor uw klantaccount. Waarmee kan "
            "ik u helpen?",
            "buttons": [
                {"title": "Mijn saldo", "payload": "/ask_balance"},
                {"title": "Hoe kan ik betalen?", "payload": "/ask_payment_options"},
            ],
        }
    ],
    "/ask_balance": [
        {
            "text": "Dat zoek ik graag voor u op. Wat is uw klantnummer, of het "
            "nummer van een van uw facturen?"
        }
    ],
    "48213907": [
        {"text": "Dank u. Wat is uw geboortedatum (bijvoorbeeld 12-03-1985) of uw postcode?"}
    ],
    "12031985": [BALANCE],
    "/pay_now": [
        {
            "text": f"Hier is uw veilige betaallink voor € 1.234,56 (saldo):\n{LINK}\n"
            "U kunt betalen met iDEAL. De link is geldig tot en met 19 maart 2026.",
            "buttons": [{"title": "Ik wil een medewerker spreken", "payload": "/request_human"}],
        }
    ],
    "/request_human": [{"text": "Natuurlijk. Ik geef uw gesprek door aan een collega."}],
}


class Assistant:
    """The fake bot; a request for a person creates the handoff, as the action server does."""

    sessions: Any = None

    def __call__(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        if body["message"] in ("/request_human", ASK_PERSON):
            body = {**body, "message": "/request_human"}
            with session_scope(self.sessions) as session:
                create_handoff(
                    session=session,
                    conversation_id=body["sender"],
                    reason="requested_human",
                    level="senior",
                )
        return REPLIES.get(body["message"], [{"text": "Kunt u dat anders zeggen?"}])


@pytest.fixture
def assistant() -> Assistant:
    return Assistant()


@pytest.fixture
def rasa(assistant: Assistant) -> Iterator[FakeRasa]:
    with fake_rasa(assistant) as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


def set_hours(client: TestClient, days: list[str]) -> None:
    policy = client.app.state.policy  # type: ignore[attr-defined]
    hours = WorkingHours(days=days, start=dt.time(0), end=dt.time(23, 59, 59, 999999))  # type: ignore[arg-type]
    handoff = policy.handoff.model_copy(update={"working_hours": hours})
    client.app.state.policy = policy.model_copy(update={"handoff": handoff})  # type: ignore[attr-defined]


@pytest.fixture
def client(
    tmp_path: Path, rasa: FakeRasa, twilio: FakeTwilio, assistant: Assistant
) -> Iterator[TestClient]:
    with make_client(
        tmp_path,
        rasa.url,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
        twilio_sms_from=SMS_FROM,
        twilio_api_url=twilio.url,
        twilio_voice_transfer_junior=JUNIOR,
        twilio_voice_transfer_senior=SENIOR,
    ) as test_client:
        assistant.sessions = test_client.app.state.sessions  # type: ignore[attr-defined]
        set_hours(test_client, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
        yield test_client


class Call:
    """Twilio's side of one call: posts each step signed, follows the TwiML's URLs."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token
        self.params = {
            "CallSid": CALL,
            "AccountSid": "AC" + "0" * 32,
            "From": CALLER,
            "To": "+31850000000",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        self.twiml = self.step("/channels/twilio/voice")

    def step(self, url: str, **answer: str) -> ET.Element:
        response = twilio_post(self.client, url, {**self.params, **answer}, token=self.token)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return parse_twiml(response.text)

    def answer(self, **answer: str) -> ET.Element:
        gather = self.twiml.find("Gather")
        assert gather is not None, ET.tostring(self.twiml)
        self.twiml = self.step(gather.attrib["action"], **answer)
        return self.twiml

    def stay_silent(self) -> ET.Element:
        redirect = self.twiml.find("Redirect")
        assert redirect is not None and redirect.text
        self.twiml = self.step(redirect.text)
        return self.twiml


def test_a_call_from_language_choice_to_a_colleague(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    call = Call(client, twilio.auth_token)
    menu = call.twiml.find("Gather")
    assert menu is not None and menu.attrib["input"] == "dtmf speech"
    assert menu.attrib["action"].startswith(f"{PUBLIC_URL}/channels/twilio/voice/")
    assert "Voor Nederlands, toets 1" in spoken(call.twiml)
    assert "For English, press 2" in spoken(call.twiml)

    greeting = call.answer(Digits="1")
    gather = greeting.find("Gather")
    assert gather is not None and gather.attrib["language"] == "nl-NL"
    assert gather.attrib["speechTimeout"] == "auto" and gather.attrib["numDigits"] == "1"
    assert {say.attrib["language"] for say in greeting.iter("Say")} == {"nl-NL"}
    assert "Toets 1 voor mijn saldo. Toets 2 voor hoe kan ik betalen." in spoken(greeting)

    asked = call.answer(Digits="1")
    assert "Wat is uw klantnummer" in spoken(asked)
    assert "intoetsen, gevolgd door een hekje" in spoken(asked)
    assert "numDigits" not in asked.find("Gather").attrib  # type: ignore[union-attr]
    date_asked = call.answer(Digits="48213907")
    assert "twaalf maart negentienhonderdvijfentachtig" in spoken(date_asked)

    balance = call.answer(Digits="12031985")
    text = spoken(balance)
    assert (
        "Uw openstaande saldo is duizend tweehonderdvierendertig euro en zesenvijftig cent." in text
    )
    assert (
        "Toets 1 voor stuur mij een betaallink. Toets 2 voor ik wil een medewerker spreken." in text
    )
    assert "€" not in text

    linked = call.answer(Digits="1")
    text = spoken(linked)
    assert "http" not in text and "Ik heb u de betaallink zojuist per sms gestuurd." in text
    assert "negentien maart tweeduizend zesentwintig" in text
    (sms,) = twilio.messages
    assert (sms["To"], sms["From"]) == (CALLER, SMS_FROM) and LINK in sms["Body"]

    transfer = call.answer(Digits="1")
    assert "Ik geef uw gesprek door aan een collega" in spoken(transfer)
    dial = transfer.find("Dial")
    assert dial is not None and dial.text == SENIOR
    assert transfer.find("Gather") is None

    assert rasa.messages() == [
        "/greet",
        "/ask_balance",
        "48213907",
        "12031985",
        "/pay_now",
        "/request_human",
    ]
    assert {r["metadata"]["language"] for r in rasa.received} == {"nl"}
    assert {r["metadata"]["channel"] for r in rasa.received} == {"voice"}
    assert rasa.received[0]["metadata"]["hint"] == {"phone": CALLER}
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        conversation = session.get(Conversation, f"voice:{CALL}")
        assert conversation is not None and conversation.state == "waiting"

    ended = call.step(dial.attrib["action"], DialCallStatus="completed")
    assert [e.tag for e in ended] == ["Hangup"]


def test_english_by_speech(client: TestClient, rasa: FakeRasa, twilio: FakeTwilio) -> None:
    call = Call(client, twilio.auth_token)
    answer = call.answer(SpeechResult="English please", Confidence="0.9")
    gather = answer.find("Gather")
    assert gather is not None and gather.attrib["language"] == "en-US"
    assert rasa.received[0]["metadata"]["language"] == "en"


def test_silence_repeats_the_prompt_twice_then_says_goodbye(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    call = Call(client, twilio.auth_token)
    prompt = spoken(call.answer(Digits="1"))
    assert spoken(call.stay_silent()) == prompt
    assert spoken(call.stay_silent()) == prompt
    goodbye = call.stay_silent()
    assert [e.tag for e in goodbye] == ["Say", "Hangup"]
    assert "Tot ziens" in spoken(goodbye)
    assert len(rasa.received) == 1
    # the menu itself too
    call = Call(client, twilio.auth_token)
    menu = spoken(call.twiml)
    assert spoken(call.stay_silent()) == menu and spoken(call.stay_silent()) == menu
    assert [e.tag for e in call.stay_silent()] == ["Say", "Hangup"]


def test_out_of_hours_a_message_is_recorded(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    set_hours(client, [])
    call = Call(client, twilio.auth_token)
    call.answer(Digits="1")
    taken = call.answer(SpeechResult=ASK_PERSON)
    assert taken.find("Dial") is None
    record = taken.find("Record")
    assert record is not None and "Spreek na de toon" in spoken(taken)
    recording = f"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE{'1' * 32}"
    for _ in range(2):  # redelivered: stored once
        done = call.step(
            record.attrib["action"],
            RecordingUrl=recording,
            RecordingSid="RE" + "1" * 32,
            RecordingDuration="12",
        )
        assert [e.tag for e in done] == ["Say", "Hangup"]
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        texts = list(
            session.scalars(
                select(Message.text).where(
                    Message.conversation_id == f"voice:{CALL}", Message.sender == "debtor"
                )
            )
        )
    assert texts[-1] == f"Ingesproken bericht: {recording}"
    assert texts.count(texts[-1]) == 1
    assert rasa.messages()[-1] == ASK_PERSON


def test_nobody_answering_the_transfer_takes_a_message(
    client: TestClient, twilio: FakeTwilio
) -> None:
    call = Call(client, twilio.auth_token)
    call.answer(Digits="1")
    dial = call.answer(SpeechResult=ASK_PERSON).find("Dial")
    assert dial is not None and dial.text == SENIOR
    after = call.step(dial.attrib["action"], DialCallStatus="no-answer")
    assert after.find("Record") is not None


def test_a_redelivered_answer_is_one_turn(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    call = Call(client, twilio.auth_token)
    greeting = call.answer(Digits="1")
    gather = greeting.find("Gather")
    assert gather is not None
    first = call.step(gather.attrib["action"], Digits="1")
    again = call.step(gather.attrib["action"], Digits="1")
    assert spoken(first) == spoken(again)
    assert first.find("Gather").attrib["action"] == again.find("Gather").attrib["action"]  # type: ignore[union-attr]
    assert rasa.messages() == ["/greet", "/ask_balance"]


def test_unsigned_voice_steps_get_403_and_change_nothing(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    params = {"CallSid": CALL, "From": CALLER, "Digits": "1"}
    for path in (
        "/channels/twilio/voice",
        "/channels/twilio/voice/language?tries=0",
        "/channels/twilio/voice/turn?lang=nl&n=2",
    ):
        response = twilio_post(client, path, params, token=twilio.auth_token, signature="")
        assert response.status_code == 403 and "detail" in response.json()
        forged = twilio_post(client, path, params, token="not-the-token")
        assert forged.status_code == 403
    # the query is signed too: a changed step number is refused
    signed_for = f"{PUBLIC_URL}/channels/twilio/voice/turn?lang=nl&n=2"
    moved = twilio_post(
        client,
        "/channels/twilio/voice/turn?lang=nl&n=3",
        params,
        token=twilio.auth_token,
        signed_url=signed_for,
    )
    assert moved.status_code == 403
    assert rasa.received == []
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert session.scalar(select(AuditEvent.id)) is None
        assert session.scalar(select(Message.id)) is None
