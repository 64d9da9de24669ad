"""The durable inbox and outbox on SQLite and PostgreSQL: a delivery and its message stored
together and once, claims that two workers never share, a conversation answered in order,
claims a crash left behind taken over, sends retried and failed visibly, status callbacks
applied once; one follow-up round at a time."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.flows.inbox import store_channel_message
from channels.base import Inbound
from receivables.arrangements.followup import take_round
from receivables.conversations import inbox, outbox
from receivables.conversations.models import OutboxMessage
from receivables.db import make_session_factory, session_scope
from receivables.models import AuditEvent, Delivery, Message, utcnow


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Committing units of work, as separate processes have; nothing pending left over."""
    factory = make_session_factory(engine)

    def settle() -> None:
        with session_scope(factory) as session:
            session.execute(
                update(Delivery).where(Delivery.status == "pending").values(status="done")
            )
            session.execute(
                update(OutboxMessage).where(OutboxMessage.status == "pending").values(status="sent")
            )

    settle()
    yield factory
    settle()


def whatsapp(sid: str, phone: str, text: str = "Hoi") -> Inbound:
    return Inbound(
        channel="whatsapp",
        conversation_id=f"whatsapp:{phone}",
        text=text,
        delivery_id=sid,
        hint={"phone": phone},
    )


def phone() -> str:
    return f"+316{uuid.uuid4().int % 10**8:08d}"


def test_a_delivery_and_its_message_are_stored_together_once(
    sessions: sessionmaker[Session],
) -> None:
    number, sid = phone(), f"SM{uuid.uuid4().hex}"
    stored = []
    for _ in range(2):  # Twilio's redelivery of the same MessageSid
        with session_scope(sessions) as session:
            stored.append(store_channel_message(session=session, inbound=whatsapp(sid, number)))
    assert stored == [True, False]
    with session_scope(sessions) as session:
        (delivery,) = session.scalars(select(Delivery).where(Delivery.delivery_id == sid))
        texts = session.scalars(
            select(Message.text).where(Message.conversation_id == f"whatsapp:{number}")
        ).all()
        assert texts == ["Hoi"] and delivery.status == "pending"
        assert delivery.message_id is not None and delivery.details == {"hint": {"phone": number}}
        assert inbox.count_pending(session=session) == 1


def test_a_conversation_is_answered_in_order_and_by_one_worker_at_a_time(
    sessions: sessionmaker[Session],
) -> None:
    first, second = phone(), phone()
    with session_scope(sessions) as session:
        for sid, number in (("a1", first), ("a2", first), ("b1", second)):
            inbound = whatsapp(f"{sid}-{uuid.uuid4().hex}", number, sid)
            store_channel_message(session=session, inbound=inbound)

    def claim() -> inbox.Claimed | None:
        with session_scope(sessions) as session:
            return inbox.claim_next(session=session)

    one, two, three = claim(), claim(), claim()
    assert one is not None and two is not None and three is None  # a2 waits for a1
    assert {one.conversation_id, two.conversation_id} == {f"whatsapp:{first}", f"whatsapp:{second}"}
    done = one if one.conversation_id == f"whatsapp:{first}" else two
    with session_scope(sessions) as session:
        inbox.finish(session=session, delivery_id=done.delivery_id)
    after = claim()
    assert after is not None and after.conversation_id == f"whatsapp:{first}"
    with session_scope(sessions) as session:
        message = session.get(Message, after.message_id)
        assert message is not None and message.text == "a2"


def test_a_claim_a_crash_left_behind_is_taken_over_when_it_runs_out(
    sessions: sessionmaker[Session],
) -> None:
    with session_scope(sessions) as session:
        store_channel_message(session=session, inbound=whatsapp(uuid.uuid4().hex, phone()))
    now = utcnow()
    with session_scope(sessions) as session:
        crashed = inbox.claim_next(session=session, now=now)
    with session_scope(sessions) as session:
        assert inbox.claim_next(session=session, now=now + dt.timedelta(seconds=60)) is None
        later = now + inbox.LEASE + dt.timedelta(seconds=1)
        taken = inbox.claim_next(session=session, now=later)
    assert crashed is not None and taken is not None
    assert (taken.delivery_id, taken.attempts) == (crashed.delivery_id, 2)
    with pytest.raises(inbox.LostClaim), session_scope(sessions) as session:
        # the slow first worker comes back: its turn is not kept
        inbox.finish(
            session=session, delivery_id=crashed.delivery_id, claimed_until=crashed.claimed_until
        )
    with session_scope(sessions) as session:
        inbox.finish(
            session=session, delivery_id=taken.delivery_id, claimed_until=taken.claimed_until
        )
        delivery = session.get(Delivery, taken.delivery_id)
        assert delivery is not None and delivery.status == "done"


def test_racing_workers_never_take_the_same_message(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        for _ in range(6):
            store_channel_message(session=session, inbound=whatsapp(uuid.uuid4().hex, phone()))

    def claim(_: int) -> int | None:
        with session_scope(sessions) as session:
            claimed = inbox.claim_next(session=session)
            return claimed.delivery_id if claimed else None

    with ThreadPoolExecutor(max_workers=4) as pool:
        taken = [d for d in pool.map(claim, range(10)) if d is not None]
    assert len(taken) == len(set(taken)) == 6


def enqueue(sessions: sessionmaker[Session], conversation_id: str, count: int) -> list[int]:
    with session_scope(sessions) as session:
        return outbox.enqueue(
            session=session,
            conversation_id=conversation_id,
            channel="whatsapp",
            address=conversation_id.removeprefix("whatsapp:"),
            message_ids=[uuid.uuid4().int % 10**9 for _ in range(count)],
        )


def test_the_outbox_sends_in_order_retries_later_and_fails_visibly(
    sessions: sessionmaker[Session],
) -> None:
    conversation_id = f"whatsapp:{phone()}"
    first, second = enqueue(sessions, conversation_id, 2)
    with session_scope(sessions) as session:
        again = outbox.enqueue(
            session=session,
            conversation_id=conversation_id,
            channel="whatsapp",
            address=conversation_id.removeprefix("whatsapp:"),
            message_ids=[session.get(OutboxMessage, first).message_id or 0],  # type: ignore[union-attr]
        )
    assert again == []  # pushed twice, stored once

    def claim(now: dt.datetime | None = None) -> outbox.Claimed | None:
        with session_scope(sessions) as session:
            return outbox.claim_next(session=session, conversation_id=conversation_id, now=now)

    claimed = claim()
    assert claimed is not None and claimed.id == first and claim() is None
    with session_scope(sessions) as session:
        outbox.mark_failed_attempt(
            session=session, claimed=claimed, error="Twilio 500", retry_in=dt.timedelta(minutes=1)
        )
    assert claim() is None  # the first waits its back-off, the second waits for the first
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        claimed = claim(utcnow() + dt.timedelta(minutes=2 * attempt))
        assert claimed is not None and (claimed.id, claimed.attempts) == (first, attempt)
        with session_scope(sessions) as session:
            status = outbox.mark_failed_attempt(
                session=session, claimed=claimed, error="Twilio 500", retry_in=dt.timedelta(0)
            )
    assert status == "failed"
    claimed = claim()
    assert claimed is not None and claimed.id == second
    with session_scope(sessions) as session:
        outbox.mark_sent(session=session, row_id=second, provider_id=f"SM{second}")
        assert outbox.count_pending(session=session) == 0
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.conversation_id == conversation_id)
        ).all()
        assert [e.action for e in events] == ["delivery_failed"]
        assert events[0].detail["attempts"] == outbox.MAX_ATTEMPTS


def test_status_callbacks_move_forward_only_and_once(sessions: sessionmaker[Session]) -> None:
    conversation_id = f"whatsapp:{phone()}"
    (row_id,) = enqueue(sessions, conversation_id, 1)
    sid = f"SM{uuid.uuid4().hex}"
    with session_scope(sessions) as session:
        outbox.mark_sent(session=session, row_id=row_id, provider_id=sid)
    changes = []
    for status in ("delivered", "delivered", "sent", "read", "failed", "queued"):
        with session_scope(sessions) as session:
            changes.append(outbox.record_status(session=session, provider_id=sid, status=status))
    assert changes == [True, False, False, True, False, False]
    with session_scope(sessions) as session:
        assert session.get(OutboxMessage, row_id).status == "read"  # type: ignore[union-attr]
        assert not outbox.record_status(session=session, provider_id="SMnone", status="read")


def test_one_follow_up_round_at_a_time(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with session_scope(factory) as first, session_scope(factory) as second:
        assert take_round(session=first)
        # PostgreSQL: the second instance skips while the first holds the round
        assert take_round(session=second) is (engine.dialect.name != "postgresql")
    with session_scope(factory) as session:
        assert take_round(session=session)  # released with the first's transaction


def test_replies_go_to_the_outbox_only_for_channels_with_a_transport(
    sessions: sessionmaker[Session],
) -> None:
    number = phone()
    with session_scope(sessions) as session:
        for conversation_id in (f"whatsapp:{number}", "it-webchat", f"voice:CA{number}"):
            outbox.enqueue_replies(
                session=session, conversation_id=conversation_id, message_ids=[1, 2]
            )
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
        ).all()
        assert [(r.channel, r.address, r.message_id) for r in rows] == [
            ("whatsapp", number, 1),
            ("whatsapp", number, 2),
        ]


def test_a_message_no_worker_can_answer_is_given_up_visibly(
    sessions: sessionmaker[Session],
) -> None:
    number = phone()
    with session_scope(sessions) as session:
        store_channel_message(session=session, inbound=whatsapp(uuid.uuid4().hex, number))
    statuses = []
    for attempt in range(inbox.MAX_ATTEMPTS):
        with session_scope(sessions) as session:
            later = utcnow() + dt.timedelta(hours=attempt)
            claimed = inbox.claim_next(session=session, now=later)
            assert claimed is not None and claimed.attempts == attempt + 1
            statuses.append(
                inbox.release(
                    session=session,
                    delivery_id=claimed.delivery_id,
                    attempts=claimed.attempts,
                    retry_in=dt.timedelta(0),
                )
            )
    assert statuses == ["pending"] * (inbox.MAX_ATTEMPTS - 1) + ["failed"]
    with session_scope(sessions) as session:
        assert inbox.claim_next(session=session, now=utcnow() + dt.timedelta(days=1)) is None
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.conversation_id == f"whatsapp:{number}")
        )
        assert event is not None and event.action == "turn_failed"
