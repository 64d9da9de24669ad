"""Channel deliveries are recorded once, whichever gateway process receives them."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from receivables.conversations.deliveries import last_buttons, record_delivery
from receivables.conversations.service import add_message, get_or_create_conversation
from receivables.db import make_session_factory, session_scope


def test_a_redelivery_is_recorded_once(session: Session) -> None:
    first = record_delivery(
        session=session, channel="whatsapp", delivery_id="SM1", conversation_id="whatsapp:+31"
    )
    again = record_delivery(
        session=session, channel="whatsapp", delivery_id="SM1", conversation_id="whatsapp:+31"
    )
    other_channel = record_delivery(
        session=session, channel="sms", delivery_id="SM1", conversation_id="sms:+31"
    )
    assert (first, again, other_channel) == (True, False, True)


def test_two_processes_see_one_delivery(engine: Engine) -> None:
    """Two units of work (as two gateway processes would) race for one MessageSid: the
    unique key lets exactly one of them take it, with no process lock."""
    factory = make_session_factory(engine)
    sid = f"SM{uuid.uuid4().hex}"
    outcomes = []
    for _ in range(2):
        with session_scope(factory) as session:
            outcomes.append(
                record_delivery(
                    session=session, channel="whatsapp", delivery_id=sid, conversation_id="w:1"
                )
            )
    assert outcomes == [True, False]


def test_the_last_buttons_are_those_since_the_debtors_message(session: Session) -> None:
    conversation = get_or_create_conversation(
        session=session, conversation_id="whatsapp:+3161", channel="whatsapp"
    )
    buttons = [{"title": "Ja", "payload": "/affirm"}]
    add_message(session=session, conversation=conversation, sender="bot", text="?", buttons=buttons)
    assert last_buttons(session=session, conversation_id=conversation.id) == buttons
    add_message(session=session, conversation=conversation, sender="debtor", text="ja")
    assert last_buttons(session=session, conversation_id=conversation.id) == []
