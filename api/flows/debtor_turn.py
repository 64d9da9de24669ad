"""One debtor turn, bot or human: the flow between the channels, the database and Rasa.

No transaction stays open while Rasa thinks: the debtor's message is committed first (the
action server writes to the same database), the replies in a second unit of work. The web
chat does both in its request (`handle_debtor_message`); a channel message is stored with
its delivery before the webhook is answered and answered later by a worker
(`store_inbound`, then `answer_inbound` with `then`, api.flows.inbox).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.metrics import observed_turn
from api.rasa_client import AssistantUnavailable, RasaClient
from receivables.accounts.debtors import get_debtor_language
from receivables.common.language import detect_language, language_code, resolve_language
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
    message_id: int | None = None
    # False: nothing told the language (a bare "hi" without a client or browser language)
    language_certain: bool = True
    # the verification ended before this message (a quiet spell): the bot starts afresh
    verification_ended: bool = False


# work done in the same transaction as the turn's replies (a delivery marked answered, the
# replies put in the outbox)
Then = Callable[[Session, list[Message]], None]


def store_inbound(
    session: Session,
    conversation_id: str,
    text: str,
    language: str | None,
    channel: str,
    browser: str | None = None,
    idle_minutes: float | None = None,
    default_language: str | None = None,
) -> Inbound:
    """The debtor's message stored, in the caller's transaction. `idle_minutes`: a
    verification quiet for longer ends before this message (the policy's
    verification.idle_minutes).

    The turn's language (resolve_language): what the client asked for, else the verified
    debtor's own, else the language the message is written in, else the browser's (the web
    chat sends it with the first message), else the conversation's so far, else
    `default_language` (the policy's creditor.language)."""
    conversation = get_or_create_conversation(
        session=session, conversation_id=conversation_id, channel=channel
    )
    ended = idle_minutes is not None and expire_if_idle(
        session=session, conversation=conversation, idle=dt.timedelta(minutes=idle_minutes)
    )
    recorded = None
    if conversation.debtor_id is not None:
        recorded = get_debtor_language(session=session, debtor_id=conversation.debtor_id)
    written = detect_language(text)
    conversation.language = resolve_language(
        language, recorded, written, browser, conversation.language, default=default_language
    )
    if conversation.state == "closed":
        conversation.state = "bot"
    message = add_message(session=session, conversation=conversation, sender="debtor", text=text)
    certain = any((language, recorded, written, browser))
    return Inbound(
        conversation.state,
        conversation.language,
        message.text,
        conversation.channel,
        message.id,
        certain,
        ended,
    )


def load_inbound(
    session: Session, conversation_id: str, message_id: int, *, verification_ended: bool = False
) -> Inbound:
    """A stored debtor message, with the conversation as it stands now."""
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    message = session.get(Message, message_id)
    text = message.text if message is not None else ""
    language = resolve_language(conversation.language)
    return Inbound(
        conversation.state,
        language,
        text,
        conversation.channel,
        message_id,
        verification_ended=verification_ended,
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


@observed_turn  # turn latency per channel; the conversation id on its log lines
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
    idle_minutes: float | None = None,
    default_language: str | None = None,
) -> Turn:
    """Store the debtor's message and answer it (the web chat's turn, in its request).
    `browser_language`: the web chat's browser language tag, used when nothing else tells
    the language. `idle_minutes`, `default_language`: see store_inbound."""
    browser = language_code(browser_language)
    inbound: Inbound = await run_in_session(
        sessions,
        lambda session: store_inbound(
            session,
            conversation_id,
            text,
            language,
            channel,
            browser,
            idle_minutes,
            default_language,
        ),
    )
    return await answer_inbound(
        sessions=sessions, rasa=rasa, conversation_id=conversation_id, inbound=inbound, hint=hint
    )


async def answer_inbound(
    *,
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    conversation_id: str,
    inbound: Inbound,
    hint: dict[str, str] | None = None,
    then: Then | None = None,
) -> Turn:
    """The turn for a stored message: a colleague's notice while handed off, else Rasa's
    replies (or a handoff when the assistant is down), stored together with `then`.
    `hint`: what the channel knows of the sender (a phone number), passed to the bot in
    the metadata as a hint for verification, never as proof."""

    def run(work: Any, *args: Any) -> Any:
        def unit(session: Session) -> Any:
            result = work(session, *args)
            if then is not None:
                then(session, result[1] if isinstance(result, tuple) else result)
            return result

        return run_in_session(sessions, unit)

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
        if inbound.verification_ended:
            # the tracker forgets the verification (and the rest of the old session) too
            await rasa.start_new_session(sender=conversation_id)
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
