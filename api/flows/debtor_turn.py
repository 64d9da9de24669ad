"""One debtor turn, bot or human: the flow between the channels, the database and Rasa.

No transaction stays open while Rasa thinks: the debtor's message is committed first (the
action server writes to the same database), the replies in a second unit of work.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.rasa_client import AssistantUnavailable, RasaClient
from api.texts import text as gateway_text
from receivables.accounts.debtors import get_debtor_language
from receivables.common.language import DEFAULT_LANGUAGE, detect_language
from receivables.common.redaction import redact_card_numbers
from receivables.conversations.service import (
    add_message,
    get_conversation,
    get_or_create_conversation,
    person_answered_since,
)
from receivables.db import run_in_session
from receivables.handoffs.service import create_handoff, get_open_handoff
from receivables.models import Message
from receivables.verification.state import expire_if_idle

log = logging.getLogger(__name__)

HANDED_OFF = ("waiting", "human")


@dataclass(frozen=True)
class Turn:
    conversation_id: str
    state: str
    messages: list[Message]


@dataclass(frozen=True)
class Inbound:
    """The debtor's message, stored, and what the gateway decided about it."""

    state: str
    language: str
    text: str
    channel: str
    # verified right now (after the quiet-spell check): sent to the bot, which forgets a
    # verification the gateway has ended
    verified: bool = False


def choose_language(
    *, explicit: str | None, recorded: str | None, written: str | None, previous: str | None
) -> str:
    """The turn's language: what the client asked for, else the verified debtor's own,
    else the language the message is written in, else the conversation's so far. Pure."""
    return explicit or recorded or written or previous or DEFAULT_LANGUAGE


def _store_inbound(
    session: Session,
    conversation_id: str,
    text: str,
    language: str | None,
    channel: str,
    idle_minutes: float | None,
) -> Inbound:
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel=channel
    )
    if idle_minutes is not None:
        idle = dt.timedelta(minutes=idle_minutes)
        expire_if_idle(session=session, conversation=conversation, idle=idle)
    recorded = None
    if conversation.debtor_id is not None:
        recorded = get_debtor_language(session=session, debtor_id=conversation.debtor_id)
    conversation.language = choose_language(
        explicit=language,
        recorded=recorded,
        written=detect_language(text),
        previous=conversation.language,
    )
    if conversation.state == "closed":
        conversation.state = "bot"
    message = add_message(session=session, conversation=conversation, sender="debtor", text=text)
    return Inbound(
        conversation.state,
        conversation.language,
        message.text,
        conversation.channel,
        verified=conversation.verified_at is not None,
    )


def _colleague_notice(session: Session, conversation_id: str, language: str) -> list[Message]:
    """While handed off: tell the debtor once that a person will answer here."""
    handoff = get_open_handoff(session=session, conversation_id=conversation_id)
    since = handoff.created_at if handoff else None
    if person_answered_since(session=session, conversation_id=conversation_id, since=since):
        return []
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    notice = gateway_text("colleague_will_answer", language)
    return [add_message(session=session, conversation=conversation, sender="system", text=notice)]


def _store_replies(
    session: Session, conversation_id: str, replies: list[dict[str, Any]]
) -> tuple[str, list[Message]]:
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    stored = []
    for reply in replies:
        reply_text = reply.get("text")
        if not reply_text:
            continue
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in reply.get("buttons") or []
            if isinstance(b, dict)
        ]
        stored.append(
            add_message(
                session=session,
                conversation=conversation,
                sender="bot",
                text=reply_text,
                buttons=buttons,
            )
        )
    session.refresh(conversation)
    return conversation.state, stored


def _hand_off_unavailable(
    session: Session, conversation_id: str, language: str, problem: str
) -> list[Message]:
    create_handoff(
        session=session,
        conversation_id=conversation_id,
        reason="other",
        actor="system",
        summary=f"The assistant was unavailable ({problem}); the debtor's message is waiting.",
    )
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    notice = gateway_text("assistant_unavailable", language)
    return [add_message(session=session, conversation=conversation, sender="system", text=notice)]


async def handle_debtor_message(
    *,
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    conversation_id: str,
    text: str,
    language: str | None = None,
    channel: str = "webchat",
    hint: dict[str, str] | None = None,
    idle_minutes: float | None = None,
) -> Turn:
    """`hint`: what the channel knows of the sender (a phone number), passed to the bot in
    the metadata as a hint for verification, never as proof. `idle_minutes`: a verification
    quiet for longer ends before this message is handled."""

    def run(work: Any, *args: Any) -> Any:
        return run_in_session(sessions, lambda session: work(session, *args))

    inbound: Inbound = await run(
        _store_inbound, conversation_id, text, language, channel, idle_minutes
    )
    if inbound.state in HANDED_OFF:
        notices = await run(_colleague_notice, conversation_id, inbound.language)
        return Turn(conversation_id, inbound.state, notices)

    metadata: dict[str, Any] = {
        "language": inbound.language,
        "channel": inbound.channel,
        "conversation_id": conversation_id,
        "verified": inbound.verified,
    }
    if hint:
        metadata["hint"] = hint
    problem = None
    try:
        replies = await rasa.send(
            sender=conversation_id, text=redact_card_numbers(inbound.text), metadata=metadata
        )
        if not replies and (await rasa.actions_status()) != "ok":
            problem = "action server down"
    except AssistantUnavailable as exc:
        problem = f"Rasa: {exc}"
    if problem:
        log.warning("conversation %s handed off: %s", conversation_id, problem)
        notices = await run(_hand_off_unavailable, conversation_id, inbound.language, problem)
        return Turn(conversation_id, "waiting", notices)
    state, stored = await run(_store_replies, conversation_id, replies)
    return Turn(conversation_id, state, stored)
