"""The scheduler on SQLite and PostgreSQL with real transports: e-mail to a local SMTP server
(aiosmtpd), SMS and WhatsApp to the local Twilio fake through twilio's official client. Two
scheduler instances run the same round at once: each step goes out once. Holds (handoff,
dispute, opt-out), quiet hours, the call task, STOP and outcomes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.flows.channel_delivery import ChannelSenders, make_channels
from api.flows.reminders import Scheduler, make_mailer, parse_templates
from receivables.accounts.debtors import create_debtor
from receivables.accounts.invoices import create_invoice, put_invoice_on_hold
from receivables.audit.events import list_events
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.handoffs.service import create_handoff
from receivables.migrate import upgrade
from receivables.models import Handoff, Message, PaymentLink
from receivables.payments.links import settle_link
from receivables.policy.model import load_policy
from receivables.reminders.models import ReminderSend
from receivables.reminders.opt_outs import is_stop_word, opt_out, opt_out_conversation
from receivables.reminders.outcomes import outcome_summary, record_outcomes
from receivables.reminders.sends import (
    STALE_AFTER,
    STOPPED_WHILE_SENDING,
    reminder_for_conversation,
)
from receivables.settings import settings_from
from settle.stack import free_port
from tests.conftest import postgres_schema
from tests.fakes.twilio_api import FakeTwilio, fake_twilio

ZONE = ZoneInfo("Europe/Amsterdam")
DAY = dt.date(2026, 12, 1)  # a Tuesday
TEN = dt.datetime.combine(DAY, dt.time(10, 0), ZONE)
TEMPLATES = {"reminders.due_today": {"nl": "HX" + "1" * 32, "en": "HX" + "2" * 32}}


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A database of its own (the scheduler commits, unlike the rolled-back tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'treat.db'}"
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()
        return
    with postgres_schema("settle_treat") as url:
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


def seed(sessions: sessionmaker[Session]) -> dict[str, int]:
    """One debtor per case; returns debtor ids by name."""
    ids: dict[str, int] = {}
    with session_scope(sessions) as session:

        def debtor(name: str, amount: str, due: dt.date, **fields: Any) -> int:
            stated = fields.pop("stated", None)
            created = create_debtor(
                session=session, reference=f"R-{name}", name=name.title(), **fields
            )
            created.stated_channel = stated
            create_invoice(
                session=session,
                debtor=created,
                number=f"F-{name}",
                amount=Decimal(amount),
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
            )
            ids[name] = created.id
            return created.id

        debtor(
            "mail", "120.00", DAY + dt.timedelta(days=5), email="mail@example.nl", stated="email"
        )
        debtor("text", "80.00", DAY, phone="+31611111111", stated="sms", email="t@example.nl")
        debtor("whats", "400.00", DAY, phone="+31622222222", stated="whatsapp", language="en")
        debtor("call", "3000.00", DAY - dt.timedelta(days=20), phone="+31633333333")
        held = debtor("handoff", "90.00", DAY, phone="+31644444444")
        create_handoff(session=session, conversation_id="web-held", reason="other", debtor_id=held)
        out = debtor("optout", "90.00", DAY, phone="+31655555555")
        opt_out(session=session, debtor_id=out, channel="sms")
        disputed = debtor("dispute", "90.00", DAY, phone="+31666666666")
        put_invoice_on_hold(
            session=session,
            debtor_id=disputed,
            number="F-dispute",
            actor="bot",
            conversation_id=None,
        )
    return ids


def scheduler(sessions: sessionmaker[Session], smtp_port: int, twilio: FakeTwilio) -> Scheduler:
    settings = settings_from(
        {
            "SETTLE_PUBLIC_URL": "https://pay.example.nl",
            "SETTLE_SMTP_HOST": "127.0.0.1",
            "SETTLE_SMTP_PORT": str(smtp_port),
            "SETTLE_SMTP_SECURITY": "none",
            "SETTLE_SMTP_FROM": "facturen@example.nl",
            "SETTLE_REPLY_TO": "antwoord@example.nl",
            "SETTLE_TWILIO_ACCOUNT_SID": twilio.account_sid,
            "SETTLE_TWILIO_AUTH_TOKEN": twilio.auth_token,
            "SETTLE_TWILIO_SMS_FROM": "+3197000000001",
            "SETTLE_TWILIO_WHATSAPP_FROM": "+3197000000002",
            "SETTLE_TWILIO_API_URL": twilio.url,
            "SETTLE_TWILIO_REMINDER_TEMPLATES": json.dumps(TEMPLATES),
        }
    )
    policy = load_policy()
    return Scheduler(
        sessions=sessions,
        policy=policy,
        settings=settings,
        senders=ChannelSenders(sessions=sessions, channels=make_channels(settings), backoff=0),
        mailer=make_mailer(settings, policy),
        templates=parse_templates(settings.twilio_reminder_templates),
    )


def stored_invoice(stored: dict[str, ReminderSend], debtor_id: int) -> int:
    return next(s.invoice_id for s in stored.values() if s.debtor_id == debtor_id and s.invoice_id)


def sends(sessions: sessionmaker[Session]) -> dict[str, ReminderSend]:
    with session_scope(sessions) as session:
        return {s.key: s for s in session.scalars(select(ReminderSend))}


async def test_each_step_goes_out_once_through_the_right_channel(
    sessions: sessionmaker[Session], smtp: tuple[Inbox, int], twilio: FakeTwilio
) -> None:
    inbox, port = smtp
    ids = seed(sessions)
    first, second = scheduler(sessions, port, twilio), scheduler(sessions, port, twilio)
    try:
        # in quiet hours nothing goes out
        early = await first.run_round(TEN.replace(hour=7))
        assert early.closed == "quiet hours" and sends(sessions) == {}

        reports = await asyncio.gather(first.run_round(TEN), second.run_round(TEN))
        again = await first.run_round(TEN + dt.timedelta(hours=5))
    finally:
        await first.senders.close()
        await second.senders.close()
    assert sum(r.sent.total() for r in reports) == 4  # e-mail, SMS, WhatsApp, the call task
    assert again.sent.total() == 0
    stored = sends(sessions)
    by_debtor = {s.debtor_id: s for s in stored.values()}
    assert set(by_debtor) == {ids["mail"], ids["text"], ids["whats"], ids["call"]}
    assert {(s.step, s.channel, s.channel_reason, s.status) for s in stored.values()} == {
        ("heads_up", "email", "stated preference", "sent"),
        ("due_today", "sms", "stated preference", "sent"),
        ("due_today", "whatsapp", "stated preference", "sent"),
        ("call", "call", "step default", "task"),
    }

    # the e-mail: plain text and HTML, Dutch, the link, an address to answer, unsubscribe
    [mail] = inbox.messages
    assert mail["To"] == "mail@example.nl" and mail["Reply-To"] == "antwoord@example.nl"
    assert mail["Subject"] == "Herinnering: factuur F-mail van Voorbeeld Energie B.V."
    assert mail["List-Unsubscribe"].strip().startswith("<https://pay.example.nl/reminders/stop/")
    parts = {part.get_content_type(): part for part in mail.walk()}
    plain = parts["text/plain"].get_payload(decode=True).decode()
    assert "factuur F-mail van € 120,00 vervalt op" in plain
    assert "https://pay.example.nl/pay/" in plain
    assert (
        '<a href="https://pay.example.nl/pay/'
        in parts["text/html"].get_payload(decode=True).decode()
    )

    # SMS: the text with the link and how to stop; WhatsApp: the approved template
    [sms] = [m for m in twilio.messages if m["To"] == "+31611111111"]
    assert "vandaag vervalt factuur F-text" in sms["Body"] and "STOP" in sms["Body"]
    assert "https://pay.example.nl/pay/" in sms["Body"]
    [whatsapp] = [m for m in twilio.messages if m["To"] == "whatsapp:+31622222222"]
    assert whatsapp["ContentSid"] == TEMPLATES["reminders.due_today"]["en"]
    variables = json.loads(whatsapp["ContentVariables"])
    assert variables["1"] == "F-whats" and variables["2"] == "€400.00"
    assert variables["4"].startswith("https://pay.example.nl/pay/")
    assert len(twilio.messages) == 2

    with session_scope(sessions) as session:
        # the reminder is in the SMS conversation: an answer continues it
        texts = session.scalars(
            select(Message.text).where(Message.conversation_id == "sms:+31611111111")
        ).all()
        assert len(texts) == 1 and "F-text" in texts[0]
        reminder = reminder_for_conversation(session=session, conversation_id="sms:+31611111111")
        assert reminder is not None and reminder.invoice_id is not None
        # the call task: in the console's queue, for a senior (EUR 3,000)
        task = session.scalar(select(Handoff).where(Handoff.reason == "call_task"))
        assert task is not None and task.level == "senior" and "F-call" in task.summary


async def test_stop_paying_and_outcomes(
    sessions: sessionmaker[Session], smtp: tuple[Inbox, int], twilio: FakeTwilio
) -> None:
    _inbox, port = smtp
    ids = seed(sessions)
    run = scheduler(sessions, port, twilio)
    try:
        await run.run_round(TEN)
        with session_scope(sessions) as session:
            # "STOP" by SMS: the debtor opts out, on every channel
            assert is_stop_word(" Stop. ")
            stopped = opt_out_conversation(
                session=session, conversation_id="sms:+31611111111", channel="sms"
            )
            assert stopped == [ids["text"]]
            # the e-mail debtor pays through the reminder's link
            mail = sends(sessions)[next(k for k in sends(sessions) if k.endswith("heads_up"))]
            link = session.get(PaymentLink, mail.payment_link_id)
            assert link is not None
            settle_link(
                session=session,
                link=link,
                provider_payment_id="tr_reminder_1",
                status="paid",
                amount=link.amount,
            )
        later = await run.run_round(TEN + dt.timedelta(days=3))
    finally:
        await run.senders.close()
    stored = sends(sessions)
    # after STOP, nothing more for the SMS debtor; after paying, nothing for the invoice
    assert not [s for s in stored.values() if s.debtor_id == ids["text"] and s.step != "due_today"]
    assert not [s for s in stored.values() if s.debtor_id == ids["mail"] and s.step != "heads_up"]
    # three days later the WhatsApp debtor's step has no approved template: never free text
    # on WhatsApp, the step goes by SMS instead (the fallback, with its reason)
    overdue = stored[f"invoice:{stored_invoice(stored, ids['whats'])}:overdue"]
    assert later.sent["overdue/sms"] == 1 and later.failed.total() == 0
    assert (overdue.channel, overdue.channel_reason) == ("sms", "fallback")
    with session_scope(sessions) as session:
        record_outcomes(session=session, now=TEN + dt.timedelta(days=8), outcome_days=7)
        outcomes = {s.debtor_id: s.outcome for s in session.scalars(select(ReminderSend))}
        summary = outcome_summary(session=session)
    assert outcomes[ids["mail"]] == "paid"
    assert outcomes[ids["text"]] == "none"
    assert any(row.step == "heads_up" and row.paid == 1 for row in summary)


class StuckMailer:
    """A mail server that takes the message and never answers: the round hangs inside the
    send, where a process that dies leaves its claim "sending"."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def send(self, reminder: Any) -> None:
        self.entered.set()
        await asyncio.Event().wait()


async def test_a_step_a_killed_round_left_sending_is_failed_by_the_next_round(
    sessions: sessionmaker[Session], smtp: tuple[Inbox, int], twilio: FakeTwilio
) -> None:
    inbox, port = smtp
    ids = seed(sessions)
    killed, later = scheduler(sessions, port, twilio), scheduler(sessions, port, twilio)
    stuck = StuckMailer()
    killed.mailer = stuck  # type: ignore[assignment]
    try:
        round_ = asyncio.create_task(killed.run_round(TEN))
        await asyncio.wait_for(stuck.entered.wait(), timeout=60)
        round_.cancel()  # the process dies mid-send: nothing after the send runs
        with pytest.raises(asyncio.CancelledError):
            await round_
        [left] = [s for s in sends(sessions).values() if s.status == "sending"]
        assert (left.debtor_id, left.channel) == (ids["mail"], "email")

        # a round soon after leaves it alone (another instance may still be sending it)
        soon = await later.run_round(TEN + dt.timedelta(minutes=1))
        assert soon.stale == 0 and sends(sessions)[left.key].status == "sending"
        # the first round after STALE_AFTER settles it: failed, with the reason, not resent
        after = await later.run_round(TEN + STALE_AFTER + dt.timedelta(minutes=1))
    finally:
        await killed.senders.close()
        await later.senders.close()
    settled = sends(sessions)[left.key]
    assert (settled.status, settled.error) == ("failed", STOPPED_WHILE_SENDING)
    assert after.stale == 1
    assert settled.sent_at is None and inbox.messages == []
    assert [s.status for s in sends(sessions).values()].count("sending") == 0
    with session_scope(sessions) as session:
        events = list_events(session=session, debtor_id=ids["mail"])
        assert [e.action for e in events if e.action.startswith("reminder_")] == ["reminder_failed"]


async def test_a_round_plans_with_the_profile_as_it_is_today(
    sessions: sessionmaker[Session], smtp: tuple[Inbox, int], twilio: FakeTwilio
) -> None:
    """Hardship counts for a year (profiling.hardship_days): a debtor stored as "unable" for a
    cannot-pay handoff 400 days ago is no longer, although nothing else changed, and gets
    the reminders of their amount (plan "small"), not the gentle plan offer."""
    _inbox, port = smtp
    with session_scope(sessions) as session:
        debtor = create_debtor(
            session=session, reference="R-old", name="Old Hardship", phone="+31677777777"
        )
        debtor.stated_channel = "sms"
        debtor.profile_group, debtor.profile_risk = "unable", "medium"  # as stored back then
        create_invoice(
            session=session,
            debtor=debtor,
            number="F-old",
            amount=Decimal("90.00"),
            issue_date=DAY - dt.timedelta(days=33),
            due_date=DAY - dt.timedelta(days=3),
        )
        hardship = create_handoff(
            session=session, conversation_id="web-old", reason="cannot_pay", debtor_id=debtor.id
        )
        hardship.status = "resolved"
        hardship.created_at = TEN.astimezone(dt.UTC) - dt.timedelta(days=400)
        debtor_id = debtor.id
    run = scheduler(sessions, port, twilio)
    try:
        report = await run.run_round(TEN)
    finally:
        await run.senders.close()
    assert report.sent == {"overdue/sms": 1}
    [sent] = sends(sessions).values()
    assert (sent.debtor_id, sent.plan, sent.step) == (debtor_id, "small", "overdue")
