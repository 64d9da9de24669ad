"""Every reminder opens a door: the scheduler sends an SMS reminder through the gateway's own
channels, the debtor's answer continues that conversation and the bot is told which invoice
it was about (as a hint, never shown before verification); "STOP" ends the reminders on every
channel and is confirmed; the e-mail's unsubscribe page asks before it changes anything."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.flows.reminders import RoundReport, Scheduler
from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice
from receivables.common import clock
from receivables.db import session_scope
from receivables.models import Message
from receivables.reminders.models import ReminderOptOut, ReminderSend
from receivables.reminders.planner import DebtorFacts, Due
from receivables.reminders.sends import claim
from tests.api.test_channels_whatsapp import HOOK, SMS_FROM, WA_FROM, assistant, inbound
from tests.fakes.gateway import PUBLIC_URL, make_client, twilio_post
from tests.fakes.rasa import FakeRasa, fake_rasa
from tests.fakes.twilio_api import FakeTwilio, fake_twilio

PHONE = "+31687654321"
ZONE = ZoneInfo("Europe/Amsterdam")
TUESDAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=ZONE)


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
    ) as test_client:
        yield test_client


def seed(client: TestClient) -> int:
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        debtor = create_debtor(session=session, reference="R-77", name="Sanne Visser", phone=PHONE)
        debtor.stated_channel = "sms"
        create_invoice(
            session=session,
            debtor=debtor,
            number="F-7701",
            amount=Decimal("64.30"),
            issue_date=dt.date(2026, 11, 1),
            due_date=dt.date(2026, 12, 6),
        )
        return debtor.id


def scheduler(client: TestClient) -> Scheduler:
    state = client.app.state  # type: ignore[attr-defined]
    return Scheduler(
        sessions=state.sessions,
        policy=state.policy,
        settings=state.settings,
        senders=state.channel_senders,
    )


def opted_out(session: Session, debtor_id: int) -> bool:
    return (
        session.scalar(
            select(ReminderOptOut.debtor_id).where(ReminderOptOut.debtor_id == debtor_id)
        )
        is not None
    )


def run_round(client: TestClient, now: dt.datetime) -> RoundReport:
    """A round in the app's own event loop (its channel clients live there)."""
    portal = client.portal
    assert portal is not None
    return portal.call(scheduler(client).run_round, now)


def test_an_answer_continues_the_reminder_and_stop_ends_them(
    client: TestClient, rasa: FakeRasa, twilio: FakeTwilio
) -> None:
    debtor_id = seed(client)
    report = run_round(client, TUESDAY)
    assert report.sent["heads_up/sms"] == 1
    [reminder] = twilio.bodies(PHONE)
    assert "factuur F-7701 van € 64,30 vervalt op 6 december 2026" in reminder
    assert f"{PUBLIC_URL}/pay/" in reminder and "Antwoord STOP" in reminder

    # the answer lands in the same conversation, the bot knows the invoice (a hint)
    twilio_post(
        client, HOOK, inbound("SM71", "Hoe kan ik betalen?", PHONE), token=twilio.auth_token
    )
    (turn,) = rasa.received
    assert turn["sender"] == f"sms:{PHONE}"
    assert turn["metadata"]["hint"] == {
        "phone": PHONE,
        "reminder_invoice": "F-7701",
        "reminder_step": "heads_up",
    }
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        senders = session.scalars(
            select(Message.sender).where(Message.conversation_id == f"sms:{PHONE}")
        ).all()
    assert list(senders) == ["bot", "debtor", "bot"]

    # STOP: confirmed, recorded, and the bot never sees it
    twilio_post(client, HOOK, inbound("SM72", "STOP", PHONE), token=twilio.auth_token)
    assert twilio.bodies(PHONE)[-1].startswith("U ontvangt van ons geen herinneringen meer.")
    assert len(rasa.received) == 1
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert opted_out(session, debtor_id)
    later = run_round(client, TUESDAY + dt.timedelta(days=6))  # Monday 7 December
    assert later.sent.total() == 0 and later.held == 1


def test_the_unsubscribe_page_asks_first(client: TestClient) -> None:
    debtor_id = seed(client)
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        due = Due(
            key="invoice:1:heads_up",
            debtor_id=debtor_id,
            plan="small",
            step="heads_up",
            channel="email",
            channel_reason="step default",
            tone="friendly",
            text_key="reminders.heads_up",
            amount=Decimal("64.30"),
            due_date=dt.date(2026, 12, 6),
            planned_for=dt.date(2026, 12, 1),
            invoice_id=1,
        )
        send = claim(session=session, due=due, day=dt.date(2026, 12, 1), now=clock.now())
        assert send is not None and send.stop_token
        token = send.stop_token
    page = client.get(f"/reminders/stop/{token}")
    assert page.status_code == 200 and "Afmelden" in page.text
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert not opted_out(session, debtor_id)
    done = client.post(f"/reminders/stop/{token}")
    assert "geen herinneringen meer" in done.text
    assert client.get("/reminders/stop/not-a-token").status_code == 404
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert opted_out(session, debtor_id)
        assert session.scalar(select(ReminderSend.key)) == "invoice:1:heads_up"
    assert DebtorFacts(id=1).reachable == frozenset()
