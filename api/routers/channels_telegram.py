"""Telegram's webhook. Checked against the secret token (403 otherwise, nothing stored), off
(404) while SETTLE_TELEGRAM_TOKEN or SETTLE_TELEGRAM_SECRET is not set. Telegram gets its 200
at once; the turn and the replies follow in the background."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.channel_senders import ChannelSenders
from api.deps import SettingsDep
from api.gateway import handle_debtor_message
from api.outbound import OutboundMessage
from channels import memory, telegram
from channels.base import DeliveryError, Keyboard, Reply
from texts import text as channel_text

log = logging.getLogger(__name__)
router = APIRouter(prefix="/channels", tags=["channels"], include_in_schema=False)


async def _notice(
    state: Any, parsed: telegram.Parsed, key: str, keyboard: Keyboard | None = None
) -> None:
    """A channel text of our own (not stored: it is no answer to the debtor's question)."""
    conversation_id = f"telegram:{parsed.chat_id}"
    language = await memory.run_in_session(
        state.sessions,
        memory.conversation_language,
        conversation_id=conversation_id,
        default=parsed.language,
    )
    reply = Reply(channel_text(key, language), language=language, keyboard=keyboard)
    senders: ChannelSenders = state.channel_senders
    await senders.deliver(
        telegram.CHANNEL, str(parsed.chat_id), [reply], conversation_id=conversation_id
    )


def _turn_input(*, session: Session, conversation_id: str, text: str) -> tuple[str, dict[str, str]]:
    """The text for the bot (a long button's payload looked up) and the phone hint."""
    if text.startswith("#"):
        text = (
            memory.button_payload(session=session, conversation_id=conversation_id, reference=text)
            or text
        )
    return text, memory.latest_hint(session=session, conversation_id=conversation_id)


async def telegram_turn(state: Any, parsed: telegram.Parsed) -> None:
    try:
        await _handle(state, parsed)
    except Exception:
        log.exception("telegram update %s failed", parsed.update_id)


async def _handle(state: Any, parsed: telegram.Parsed) -> None:
    conversation_id = f"telegram:{parsed.chat_id}"
    channel = state.channel_senders.channel(telegram.CHANNEL)
    if parsed.callback_query_id and isinstance(channel, telegram.TelegramChannel):
        try:
            await channel.answer_callback(parsed.callback_query_id)
        except DeliveryError as exc:
            log.info("callback query not answered: %s", exc)
    if parsed.kind == "callback" and parsed.inbound is None:
        return None  # a button without data: answered, nothing to say
    if parsed.kind == "contact":
        if parsed.phone is None:
            return await _notice(state, parsed, "messaging.phone_not_yours", "share_phone")
        await memory.run_in_session(
            state.sessions,
            memory.record_hint,
            conversation_id=conversation_id,
            channel=telegram.CHANNEL,
            phone=parsed.phone,
        )
        return await _notice(state, parsed, "messaging.phone_received", "remove")
    if parsed.kind == "unsupported" or parsed.inbound is None:
        return await _notice(state, parsed, "messaging.text_only")
    inbound = parsed.inbound
    text, hint = await memory.run_in_session(
        state.sessions, _turn_input, conversation_id=conversation_id, text=inbound.text
    )
    turn = await handle_debtor_message(
        sessions=state.sessions,
        rasa=state.rasa,
        conversation_id=conversation_id,
        text=text,
        language=inbound.language,
        channel=telegram.CHANNEL,
        hint=hint or None,
    )
    messages = [OutboundMessage(m.id, m.text, list(m.buttons or [])) for m in turn.messages]
    await state.outbound.push(conversation_id, telegram.CHANNEL, messages)
    if parsed.started:
        await _notice(state, parsed, "messaging.share_phone_offer", "share_phone")


@router.post("/telegram")
async def telegram_update(
    request: Request, settings: SettingsDep, background: BackgroundTasks
) -> Response:
    if not (settings.telegram_token and settings.telegram_secret):
        raise HTTPException(404, "the Telegram channel is not configured")
    header = request.headers.get(telegram.SECRET_HEADER)
    if not telegram.verify(secret=settings.telegram_secret, header=header):
        raise HTTPException(403, "missing or invalid Telegram secret token")
    try:
        data = await request.json()
        if not isinstance(data, dict):
            raise ValueError("not an object")
        parsed = telegram.parse(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise HTTPException(422, "not a Telegram update") from exc
    state = request.app.state
    if parsed is not None and await memory.is_first_delivery(
        state.sessions,
        channel=telegram.CHANNEL,
        delivery_id=str(parsed.update_id),
        conversation_id=f"telegram:{parsed.chat_id}",
    ):
        background.add_task(telegram_turn, state, parsed)
    return Response(status_code=200)
