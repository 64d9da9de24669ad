"""One debtor turn, bot or human: the flow between the channels, the database and Rasa.

No transaction stays open while Rasa thinks: the debtor's message is committed first (the
action server writes to the same database), the replies in a second unit of work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.rasa_client import AssistantUnavailable, RasaClient
from receivables.accounts.debtors import get_debtor_language
from receivables.common.language import DEFAULT_LANGUAGE, detect_language, language_of_tag
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
from texts import text as gateway_text

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
    # False: nothing told the language (a bare "hi" without a client or browser language)
    language_certain: bool = True


def choose_language(
    *,
    explicit: str | None,
    recorded: str | None,
    written: str | None,
    previous: str | None,
    browser: str | None = None,
) -> str:
    """The turn's language: what the client asked for, else the verified debtor's own,
    else the language the message is written in, else the browser's (the web chat sends it
    with the first message), else the conversation's so far. Pure."""
    return explicit or recorded or written or browser or previous or DEFAULT_LANGUAGE


def _store_inbound(
    session: Session,
    conversation_id: str,
    text: str,
    language: str | None,
    channel: str,
    browser: str | None = None,
) -> Inbound:
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel=channel
    )
    recorded = None
    if conversation.debtor_id is not None:
        recorded = get_debtor_language(session=session, debtor_id=conversation.debtor_id)
    written = detect_language(text)
    conversation.language = choose_language(
        explicit=language,
        recorded=recorded,
        written=written,
        previous=conversation.language,
        browser=browser,
    )
    if conversation.state == "closed":
        conversation.state = "bot"
    message = add_message(session=session, conversation=conversation, sender="debtor", text=text)
    certain = any((language, recorded, written, browser))
    return Inbound(
        conversation.state, conversation.language, message.text, conversation.channel, certain
    )


def _colleague_notice(session: Session, conversation_id: str, language: str) -> list[Message]:
    """While handed off: tell the debtor once that a person will answer here."""
    handoff = get_open_handoff(session=session, conversation_id=conversation_id)
    since = handoff.created_at if handoff else None
    if person_answered_since(session=session, conversation_id=conversation_id, since=since):
        return []
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    notice = gateway_text("gateway.colleague_will_answer", language)
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
    notice = gateway_text("gateway.assistant_unavailable", language)
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
    browser_language: str | None = None,
) -> Turn:
    """`hint`: what the channel knows of the sender (a phone number), passed to the bot in
    the metadata as a hint for verification, never as proof. `browser_language`: the web
    chat's browser language tag, used when nothing else tells the language."""

    def run(work: Any, *args: Any) -> Any:
        return run_in_session(sessions, lambda session: work(session, *args))

    browser = language_of_tag(browser_language)
    inbound: Inbound = await run(_store_inbound, conversation_id, text, language, channel, browser)
    if inbound.state in HANDED_OFF:
        notices = await run(_colleague_notice, conversation_id, inbound.language)
        return Turn(conversation_id, inbound.state, notices)

    metadata: dict[str, Any] = {
        "language": inbound.language,
        # the bot greets in both languages when nothing told the language
        "language_certain": inbound.language_certain,
        "channel": inbound.channel,
        "conversation_id": conversation_id,
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
