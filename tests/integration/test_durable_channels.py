"""Nothing lost, nothing twice, through the real processes: a signed WhatsApp message whose
gateway is killed (SIGKILL) in the middle of its turn, seen unanswered in the database just
before, is answered once after the restart (by the workers, from the database), and Twilio's
redelivery of the same MessageSid creates nothing. Replies go out through a fake Twilio REST
API."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from receivables.conversations.models import OutboxMessage
from receivables.conversations.service import list_messages
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.models import Delivery
from settle.stack import PROCESS_ENV, Stack
from tests.fakes.twilio_api import FakeTwilio, fake_twilio
from tests.integration.gateways import stack_in

pytestmark = pytest.mark.integration

WA_FROM = "whatsapp:+3197010200300"
HOOK = "/channels/twilio/whatsapp"


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, twilio: FakeTwilio) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("durable")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SETTLE_TWILIO_ACCOUNT_SID", twilio.account_sid)
        env.setenv("SETTLE_TWILIO_AUTH_TOKEN", twilio.auth_token)
        env.setenv("SETTLE_TWILIO_WHATSAPP_FROM", WA_FROM)
        env.setenv("SETTLE_TWILIO_API_URL", twilio.url)
        # a claim of the killed gateway runs out after 5 s (the default is 2 minutes)
        env.setenv("SETTLE_INBOX_LEASE_SECONDS", "5")
        with stack_in(workdir) as running:
            running.wait_healthy(timeout=600)
            yield running


def kill(stack: Stack, name: str) -> None:
    """As a crash does: SIGKILL to the process group, no grace, no clean-up."""
    process = stack.processes[name]
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


def pause(stack: Stack, name: str, frozen: bool) -> None:
    """SIGSTOP (SIGCONT) the process group: a process that takes no turn and answers no
    request while it is stopped, and goes on where it was."""
    os.killpg(stack.processes[name].pid, signal.SIGSTOP if frozen else signal.SIGCONT)


def start_again(stack: Stack, name: str) -> None:
    env = {**stack.environment(), **PROCESS_ENV.get(name, {})}
    stack._spawn(name, stack.commands()[name], env)


def signed_post(stack: Stack, token: str, params: dict[str, str]) -> httpx.Response:
    url = stack.api_url + HOOK
    signature = RequestValidator(token).compute_signature(url, params)
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def inbound(sid: str, phone: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{phone}",
        "To": WA_FROM,
        "Body": body,
        "NumMedia": "0",
    }


def in_the_turn(stack: Stack, conversation_id: str) -> dict[str, Any] | None:
    """The conversation's one delivery as stored, when a process has claimed it for its turn
    (attempts 1, a claim that holds) and not answered it: status, answered_at and the
    senders of the stored messages. None otherwise."""
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rows = session.scalars(
                select(Delivery).where(Delivery.conversation_id == conversation_id)
            ).all()
            if len(rows) != 1 or rows[0].attempts != 1 or rows[0].claimed_until is None:
                return None
            senders = [
                m.sender for m in list_messages(session=session, conversation_id=conversation_id)
            ]
            return {
                "status": rows[0].status,
                "answered_at": rows[0].answered_at,
                "senders": senders,
            }
    finally:
        engine.dispose()


def stored(stack: Stack, conversation_id: str) -> tuple[list[dict[str, str]], list[str], list[str]]:
    """The conversation as stored (the public API does not serve channel conversations), how
    its deliveries stand and how its outbox rows stand."""
    engine = make_engine(stack.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            messages = list_messages(session=session, conversation_id=conversation_id)
            deliveries = session.scalars(
                select(Delivery.status).where(Delivery.conversation_id == conversation_id)
            ).all()
            sends = session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.conversation_id == conversation_id)
            ).all()
            texts = [{"sender": m.sender, "text": m.text} for m in messages]
            return texts, list(deliveries), list(sends)
    finally:
        engine.dispose()


def settled(stack: Stack, conversation_id: str, debtor_messages: int) -> bool:
    """Every delivery answered and every reply sent."""
    messages, deliveries, sends = stored(stack, conversation_id)
    debtor = [m for m in messages if m["sender"] == "debtor"]
    return (
        len(debtor) == debtor_messages
        and all(status == "done" for status in deliveries)
        and all(status == "sent" for status in sends)
    )


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.5)


def test_a_message_whose_gateway_died_after_the_answer_is_answered_once(
    stack: Stack, twilio: FakeTwilio
) -> None:
    phone = f"+316{uuid.uuid4().int % 10**8:08d}"
    conversation_id, sid = f"whatsapp:{phone}", f"SM{uuid.uuid4().hex}"
    # only the gateway may take the message: the workers are down for now; and Rasa is
    # stopped, so that the gateway's turn waits on it and cannot be answered before the kill
    kill(stack, "workers")
    pause(stack, "rasa", frozen=True)
    try:
        response = signed_post(stack, twilio.auth_token, inbound(sid, phone, "Hallo"))
        assert response.status_code == 200
        # observed before the kill: the gateway has claimed the message for its turn, and
        # the turn is unanswered (the delivery pending, no reply stored)
        wait_until(
            lambda: in_the_turn(stack, conversation_id) is not None, "the gateway's turn", 60
        )
        assert in_the_turn(stack, conversation_id) == {
            "status": "pending",
            "answered_at": None,
            "senders": ["debtor"],
        }
        kill(stack, "api")
        # and after it: nothing the dead gateway could have finished
        assert in_the_turn(stack, conversation_id) == {
            "status": "pending",
            "answered_at": None,
            "senders": ["debtor"],
        }
        assert twilio.bodies(f"whatsapp:{phone}") == []
    finally:
        pause(stack, "rasa", frozen=False)
    start_again(stack, "api")
    start_again(stack, "workers")
    stack.wait_healthy(timeout=600)
    wait_until(lambda: settled(stack, conversation_id, 1), "the message answered")
    messages, _, _ = stored(stack, conversation_id)
    assert [m["sender"] for m in messages][:2] == ["debtor", "bot"]  # answered
    replies = [m["text"] for m in messages if m["sender"] != "debtor"]
    assert twilio.bodies(f"whatsapp:{phone}") and len(twilio.bodies(f"whatsapp:{phone}")) == len(
        replies
    )  # each reply sent once

    # Twilio redelivers the same MessageSid (it did not hear back in time, say)
    again = signed_post(stack, twilio.auth_token, inbound(sid, phone, "Hallo"))
    assert again.status_code == 200
    # a next message is answered after anything the redelivery could have caused
    question = "hoeveel moet ik nog betalen?"
    follow_up = signed_post(
        stack, twilio.auth_token, inbound(f"SM{uuid.uuid4().hex}", phone, question)
    )
    assert follow_up.status_code == 200
    wait_until(lambda: settled(stack, conversation_id, 2), "the next message answered")
    messages, deliveries, _ = stored(stack, conversation_id)
    assert [m["text"] for m in messages if m["sender"] == "debtor"] == ["Hallo", question]
    assert len(deliveries) == 2  # the redelivery stored nothing
    assert messages[-1]["sender"] == "bot"  # the question answered
    assert len(twilio.bodies(f"whatsapp:{phone}")) == len(
        [m for m in messages if m["sender"] != "debtor"]
    )
