"""A reminder end to end, with the real Rasa, action server and gateway: the scheduler sends a
pre-due reminder by SMS (to the local Twilio fake, through twilio's client) with a payment
link; the debtor answers on SMS, verifies, pays through the reminder's link, hears the payment
confirmed on SMS; the next step for that invoice is not sent."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from api.flows.channel_delivery import ChannelSenders, make_channels
from api.flows.reminders import Scheduler
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.policy.model import load_policy
from receivables.reminders.calendars import calendar_for
from receivables.reminders.models import ReminderSend
from receivables.settings import settings_from
from settle.stack import Stack
from tests.fakes.twilio_api import FakeTwilio, fake_twilio
from tests.integration.gateways import stack_in

pytestmark = pytest.mark.integration
LINK = re.compile(r"https?://\S+/pay/[\w-]+")
ZONE = ZoneInfo("Europe/Amsterdam")
PHONE = "+31611223344"
SMS_FROM = "+3197010200301"
HOOK = "/channels/twilio/whatsapp"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def sms_stack(
    tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio
) -> Iterator[tuple[Stack, dict[str, str]]]:
    """The real system with SMS on (its Twilio is the fake)."""
    channel = {
        "SETTLE_TWILIO_ACCOUNT_SID": twilio.account_sid,
        "SETTLE_TWILIO_AUTH_TOKEN": twilio.auth_token,
        "SETTLE_TWILIO_SMS_FROM": SMS_FROM,
        "SETTLE_TWILIO_API_URL": twilio.url,
    }
    workdir = tmp_path_factory.mktemp("reminder-stack")
    saved = {key: os.environ.get(key) for key in channel}
    os.environ.update(channel)
    try:
        with stack_in(workdir) as running:
            # Rasa loads its model slowly on a busy machine
            running.wait_healthy(timeout=480)
            yield running, channel
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def next_sending_day() -> dt.date:
    calendar = calendar_for(load_policy().reminders)
    day = dt.datetime.now(ZONE).date() + dt.timedelta(days=1)
    while not calendar.is_send_day(day):
        day += dt.timedelta(days=1)
    return day


def run_round(stack: Stack, channel: dict[str, str], now: dt.datetime) -> list[ReminderSend]:
    """One scheduler round against the stack's database; what was sent."""
    settings = settings_from(
        {**channel, "SETTLE_DATABASE_URL": stack.database_url, "SETTLE_PUBLIC_URL": stack.api_url}
    )
    engine = make_engine(stack.database_url)
    sessions = make_session_factory(engine)

    async def round_() -> None:
        senders = ChannelSenders(sessions=sessions, channels=make_channels(settings))
        try:
            await Scheduler(
                sessions=sessions, policy=load_policy(), settings=settings, senders=senders
            ).run_round(now)
        finally:
            await senders.close()

    try:
        asyncio.run(round_())
        with session_scope(sessions) as session:
            return list(session.scalars(select(ReminderSend).order_by(ReminderSend.id)))
    finally:
        engine.dispose()


def text_in(stack: Stack, twilio: FakeTwilio, sid: str, body: str) -> str:
    """The debtor texts `body`; the bot's answer (every SMS sent back, joined)."""
    before = len(twilio.bodies(PHONE))
    params = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": twilio.account_sid,
        "From": PHONE,
        "To": SMS_FROM,
        "Body": body,
        "NumMedia": "0",
    }
    url = stack.api_url + HOOK
    signature = RequestValidator(twilio.auth_token).compute_signature(url, params)
    response = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        bodies = twilio.bodies(PHONE)
        if len(bodies) > before:
            time.sleep(1.0)  # a turn may answer in more than one message
            return "\n".join(twilio.bodies(PHONE)[before:])
        time.sleep(0.2)
    pytest.fail(f"no answer to {body!r}")


def test_a_reminder_answered_verified_and_paid_cancels_the_next_step(
    sms_stack: tuple[Stack, dict[str, str]], twilio: FakeTwilio
) -> None:
    stack, channel = sms_stack
    admin = httpx.Client(
        base_url=stack.api_url,
        headers={"Authorization": f"Bearer {stack.admin_token}"},
        timeout=60,
    )
    day = next_sending_day()
    debtor = admin.post(
        "/api/v1/debtors",
        json={
            "reference": "C-55001",
            "name": "Lotte Hendriks",
            "date_of_birth": "1985-03-12",
            "postcode": "3512 JK",
            "phone": PHONE,
            "language": "nl",
            "preferred_channel": "sms",
        },
    ).json()
    created = admin.post(
        f"/api/v1/debtors/{debtor['id']}/invoices",
        json={
            "number": "F-55001",
            "amount": "64.30",
            "currency": "EUR",
            "issue_date": (day - dt.timedelta(days=25)).isoformat(),
            "due_date": (day + dt.timedelta(days=5)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text

    # the pre-due reminder, with its link
    sent = run_round(stack, channel, dt.datetime.combine(day, dt.time(10), ZONE))
    assert [(s.step, s.channel, s.status) for s in sent] == [("heads_up", "sms", "sent")]
    [reminder] = twilio.bodies(PHONE)
    assert "F-55001" in reminder and "€ 64,30" in reminder
    [url] = LINK.findall(reminder)

    # the debtor answers on SMS: nothing about the account before verification
    first = text_in(stack, twilio, "SMit1", "ik wil nu betalen")
    assert "€" not in first
    text_in(stack, twilio, "SMit2", "C-55001")
    verified = text_in(stack, twilio, "SMit3", "12-03-1985")
    assert "Lotte Hendriks" in verified and "€ 64,30" in verified

    # pays through the reminder's link; the confirmation comes by SMS
    before = len(twilio.bodies(PHONE))
    assert httpx.get(url).status_code == 200
    assert httpx.post(url, data={"outcome": "paid"}).status_code == 303
    deadline = time.monotonic() + 30
    while len(twilio.bodies(PHONE)) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "We hebben € 64,30 ontvangen" in "\n".join(twilio.bodies(PHONE)[before:])
    assert admin.get(f"/api/v1/debtors/{debtor['id']}").json()["balance"] == "0.00"

    # on the due date the next step (due_today) does not go out: the invoice is paid
    calendar = calendar_for(load_policy().reminders)
    due_day = calendar.on_or_after(day + dt.timedelta(days=5))
    later = run_round(stack, channel, dt.datetime.combine(due_day, dt.time(10), ZONE))
    assert [s.step for s in later] == ["heads_up"]
    assert later[0].outcome == "paid"  # the invoice of the reminder was paid
    admin.close()
