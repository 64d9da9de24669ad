"""Outbound sending through the outbox: a failed send waits in the database and is retried
with back-off by the next worker round, permanent failures are not retried, what fails for
good is recorded in the audit log and the message kept in the conversation; templates outside
WhatsApp's window."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.flows.channel_delivery import FAILED, ChannelSenders
from api.flows.outbox import retry_delay
from api.outbound import Outbound, OutboundMessage
from channels.base import DeliveryError, Reply
from receivables.accounts.debtors import create_debtor
from receivables.audit.events import list_events
from receivables.conversations.models import OutboxMessage
from receivables.conversations.service import (
    add_message,
    attach_debtor,
    get_or_create_conversation,
)
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.migrate import upgrade
from receivables.models import Message, utcnow


class ScriptedChannel:
    """A channel whose sends fail as scripted: a list of errors to raise first."""

    def __init__(self, name: str, errors: list[DeliveryError], window: dt.timedelta | None = None):
        self._name, self._window = name, window
        self.errors = errors
        self.sent: list[tuple[str, Reply]] = []
        self.tries = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def window(self) -> dt.timedelta | None:
        return self._window

    async def send(self, address: str, reply: Reply) -> None:
        self.tries += 1
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((address, reply))

    async def close(self) -> None:
        pass


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'senders.db'}"
    upgrade(url)
    return make_session_factory(make_engine(url))


def stored(
    sessions: sessionmaker[Session],
    conversation_id: str,
    text: str,
    age: dt.timedelta = dt.timedelta(0),
) -> OutboundMessage:
    with session_scope(sessions) as session:
        conversation = get_or_create_conversation(
            session=session, conversation_id=conversation_id, channel=conversation_id.split(":")[0]
        )
        conversation.language = "en"
        debtor = add_message(session=session, conversation=conversation, sender="debtor", text="hi")
        debtor.created_at = utcnow() - age
        message = add_message(session=session, conversation=conversation, sender="bot", text=text)
        return OutboundMessage(message.id, message.text, [])


def senders_with(
    sessions: sessionmaker[Session], channel: ScriptedChannel, waits: list[float]
) -> ChannelSenders:
    return ChannelSenders(sessions=sessions, channels=[channel], backoff=0.5)


def later_round(sessions: sessionmaker[Session], senders: ChannelSenders) -> None:
    """A worker's round once the back-off has passed."""
    with session_scope(sessions) as session:
        session.execute(
            update(OutboxMessage).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
        )
    asyncio.run(senders.outbox.drain())


def statuses(sessions: sessionmaker[Session]) -> list[tuple[str, int]]:
    with session_scope(sessions) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.status, r.attempts) for r in rows]


def test_the_back_off_doubles_honours_retry_after_and_stops_for_permanent_errors() -> None:
    transient = DeliveryError("502")
    assert [retry_delay(n, transient, 0.5).total_seconds() for n in (1, 2, 3)] == [0.5, 1, 2]  # type: ignore[union-attr]
    assert retry_delay(40, transient) == dt.timedelta(seconds=600)
    assert retry_delay(1, DeliveryError("429", retry_after=3.0)) == dt.timedelta(seconds=3)
    assert retry_delay(1, DeliveryError("bad number", permanent=True)) is None


def test_transient_failures_wait_in_the_outbox_then_are_sent(
    sessions: sessionmaker[Session],
) -> None:
    channel = ScriptedChannel("telegram", [DeliveryError("502"), DeliveryError("timeout")])
    senders = senders_with(sessions, channel, [])
    message = stored(sessions, "telegram:42", "We received €50.00, thank you.")
    asyncio.run(senders.push("telegram:42", [message]))
    assert channel.tries == 1 and statuses(sessions) == [("pending", 1)]
    later_round(sessions, senders)
    later_round(sessions, senders)
    assert channel.tries == 3 and statuses(sessions) == [("sent", 3)]
    ((address, reply),) = channel.sent
    assert (address, reply.text, reply.language, reply.message_id) == (
        "42",
        "We received €50.00, thank you.",
        "en",
        message.id,
    )
    later_round(sessions, senders)
    assert channel.tries == 3  # sent once


def test_a_failure_that_stays_is_recorded_and_the_message_kept(
    sessions: sessionmaker[Session],
) -> None:
    channel = ScriptedChannel("telegram", [DeliveryError("down")] * 10)
    message = stored(sessions, "telegram:42", "A colleague replied.")
    outbound = Outbound()
    senders = senders_with(sessions, channel, [])
    senders.register(outbound)
    asyncio.run(outbound.push("telegram:42", "telegram", [message]))  # logged, not raised
    for _ in range(8):
        later_round(sessions, senders)
    assert channel.tries == 5 and statuses(sessions) == [("failed", 5)]
    with session_scope(sessions) as session:
        (event,) = list_events(session=session, conversation_id="telegram:42")
        assert event.action == FAILED and event.detail["attempts"] == 5
        assert event.detail["message_id"] == message.id and event.detail["channel"] == "telegram"
        assert session.get(Message, message.id) is not None


def test_a_permanent_failure_is_not_retried(sessions: sessionmaker[Session]) -> None:
    channel = ScriptedChannel("sms", [DeliveryError("bad number", permanent=True)])
    senders = senders_with(sessions, channel, [])
    asyncio.run(senders.push("sms:+31612345678", [stored(sessions, "sms:+31612345678", "x")]))
    later_round(sessions, senders)
    assert channel.tries == 1 and statuses(sessions) == [("failed", 1)]


def test_whatsapp_window(sessions: sessionmaker[Session]) -> None:
    channel = ScriptedChannel("whatsapp", [], window=dt.timedelta(hours=24))
    senders = senders_with(sessions, channel, [])
    fresh = stored(sessions, "whatsapp:+31611111111", "fresh", dt.timedelta(hours=23))
    old = stored(sessions, "whatsapp:+31622222222", "old", dt.timedelta(hours=25))
    asyncio.run(senders.push("whatsapp:+31611111111", [fresh]))
    asyncio.run(senders.push("whatsapp:+31622222222", [old]))
    assert [(a, r.outside_window) for a, r in channel.sent] == [
        ("+31611111111", False),
        ("+31622222222", True),
    ]


def test_only_configured_channels_are_registered(sessions: sessionmaker[Session]) -> None:
    senders = senders_with(sessions, ScriptedChannel("telegram", []), [])
    assert senders.names == ["telegram"] and senders.channel("whatsapp") is None
    with pytest.raises(DeliveryError):
        asyncio.run(senders.push("whatsapp:+316", [OutboundMessage(1, "x", [])]))


def test_a_conversation_is_reached_through_its_stored_channel(
    sessions: sessionmaker[Session],
) -> None:
    """A demo conversation ("demo-KL-2291", stored as WhatsApp): a collector's reply goes to
    the debtor's phone on WhatsApp, not to a channel read from the id."""
    with session_scope(sessions) as session:
        debtor = create_debtor(
            session=session, reference="KL-2291", name="Mark Jansen", phone="+31622222222"
        )
        conversation = get_or_create_conversation(
            session=session, conversation_id="demo-KL-2291", channel="whatsapp"
        )
        attach_debtor(session=session, conversation_id="demo-KL-2291", debtor_id=debtor.id)
        message = add_message(
            session=session, conversation=conversation, sender="collector", text="Goedemiddag"
        )
        outbound_message = OutboundMessage(message.id, message.text, [])
        unreachable = get_or_create_conversation(
            session=session, conversation_id="demo-telegram", channel="telegram"
        )
        add_message(session=session, conversation=unreachable, sender="debtor", text="hoi")
    whatsapp = ScriptedChannel("whatsapp", [])
    outbound = Outbound()
    senders_with(sessions, whatsapp, []).register(outbound)
    asyncio.run(outbound.push("demo-KL-2291", "whatsapp", [outbound_message]))
    ((address, reply),) = whatsapp.sent
    assert (address, reply.text) == ("+31622222222", "Goedemiddag")
    telegram = ScriptedChannel("telegram", [])
    with pytest.raises(DeliveryError, match="no telegram address"):
        asyncio.run(
            senders_with(sessions, telegram, []).push(
                "demo-telegram", [outbound_message], channel="telegram"
            )
        )
