"""Verification ends when the debtor says so, through the real Rasa, action server and
gateway: after "uitloggen" / "log out" the balance needs a new check."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import update

from receivables.db import make_engine, make_session_factory, session_scope
from receivables.models import Conversation, Message, utcnow
from settle.stack import Stack
from tests.integration.talk import create_debtor, new_conversation, say, texts


@pytest.mark.parametrize(
    ("language", "question", "log_out", "asked_again"),
    [
        ("nl", "wat is mijn saldo?", "uitloggen", "klantnummer"),
        ("en", "what is my balance?", "log me out please", "customer number"),
    ],
)
def test_log_out_ends_verification_at_once(
    api: httpx.Client,
    admin: httpx.Client,
    language: str,
    question: str,
    log_out: str,
    asked_again: str,
) -> None:
    debtor = create_debtor(admin, language=language, invoices=[("F1", "345.67")])
    conversation = new_conversation()
    say(api, conversation, question)
    say(api, conversation, debtor["reference"])
    verified = say(api, conversation, "12-03-1985")
    assert "345" in texts(verified), texts(verified)

    bye = say(api, conversation, log_out)
    assert ("uitgelogd" in texts(bye)) if language == "nl" else ("logged out" in texts(bye))
    again = say(api, conversation, question)
    assert asked_again in texts(again).lower() and "345" not in texts(again), texts(again)


def _quiet_for(stack: Stack, conversation_id: str, spell: dt.timedelta) -> None:
    """As if the debtor had said nothing for `spell` since verifying."""
    engine = make_engine(stack.database_url)
    then = utcnow() - spell
    with session_scope(make_session_factory(engine)) as session:
        session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(verified_at=then)
        )
        session.execute(
            update(Message)
            .where(Message.conversation_id == conversation_id)
            .values(created_at=then)
        )
    engine.dispose()


@pytest.mark.parametrize(
    ("language", "question", "asked_again"),
    [
        ("nl", "hoeveel moet ik nog betalen", "klantnummer"),
        ("en", "how much do i owe", "customer number"),
    ],
)
def test_after_a_quiet_spell_the_debtor_verifies_again(
    api: httpx.Client,
    admin: httpx.Client,
    stack: Stack,
    language: str,
    question: str,
    asked_again: str,
) -> None:
    debtor = create_debtor(admin, language=language, invoices=[("F1", "456.78")])
    conversation = new_conversation()
    say(api, conversation, question)
    say(api, conversation, debtor["reference"])
    verified = say(api, conversation, "12-03-1985")
    assert "456" in texts(verified), texts(verified)
    # the policy's verification.idle_minutes is 30: 40 quiet minutes end it
    _quiet_for(stack, conversation, dt.timedelta(minutes=40))
    again = say(api, conversation, question)
    assert asked_again in texts(again).lower() and "456" not in texts(again), texts(again)
    say(api, conversation, debtor["reference"])
    back = say(api, conversation, "12-03-1985")
    assert "456" in texts(back), texts(back)
