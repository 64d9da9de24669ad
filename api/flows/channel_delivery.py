"""A channel delivery: a debtor's message from WhatsApp, SMS or Telegram, recorded once, made a
bot turn after the webhook has had its answer; and sending to debtors on those channels:
every stored message, whether a reply to the debtor's turn or pushed later (a payment
confirmation, a collector's answer), goes out here.

A send is retried with backoff; a failure that remains is recorded in the audit log
("delivery_failed") and the message stays in the conversation, where the console shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.flows.debtor_turn import handle_debtor_message
from api.outbound import Outbound, OutboundMessage
from channels import telegram
from channels.base import (
    Channel,
    DeliveryError,
    Inbound,
    Keyboard,
    Reply,
    buttons_of,
    choose_option,
    split_conversation_id,
)
from channels.telegram import TelegramChannel
from channels.texts import text as channel_text
from channels.whatsapp import SMS, WHATSAPP, TwilioMessaging
from receivables.audit.events import record_event
from receivables.conversations import deliveries
from receivables.db import run_in_session
from receivables.models import Message, utcnow
from receivables.settings import Settings

log = logging.getLogger(__name__)

FAILED = "delivery_failed"


@dataclass(frozen=True)
class Failure:
    reply: Reply
    error: str
    attempts: int


class ChannelSenders:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        channels: Sequence[Channel],
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sessions = sessions
        self._channels = {c.name: c for c in channels}
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep

    @property
    def names(self) -> list[str]:
        return sorted(self._channels)

    def channel(self, name: str) -> Channel | None:
        return self._channels.get(name)

    def register(self, outbound: Outbound) -> None:
        for name in self._channels:
            outbound.register(name, self.push)

    async def push(self, conversation_id: str, messages: list[OutboundMessage]) -> None:
        """Outbound's sender: stored messages to the conversation's debtor. Raises
        DeliveryError (after recording it) when any of them could not be sent."""
        name, address = split_conversation_id(conversation_id)
        channel = self._channels.get(name)
        if channel is None:
            raise DeliveryError(f"no channel {name!r} for {conversation_id}", permanent=True)
        language, outside = await run_in_session(
            self._sessions, self._window, conversation_id=conversation_id, channel=channel
        )
        replies = [
            Reply(m.text, buttons_of(m.buttons), language, m.id, outside_window=outside)
            for m in messages
        ]
        failures = await self.deliver(name, address, replies, conversation_id=conversation_id)
        if failures:
            raise DeliveryError(f"{len(failures)} message(s) not delivered to {conversation_id}")

    async def deliver(
        self, name: str, address: str, replies: Sequence[Reply], *, conversation_id: str
    ) -> list[Failure]:
        """Send replies in order, each retried on its own; record what could not be sent."""
        channel = self._channels[name]
        failures = []
        for reply in replies:
            failure = await self._send(channel, address, reply)
            if failure:
                failures.append(failure)
        if failures:
            await run_in_session(
                self._sessions,
                self._record,
                conversation_id=conversation_id,
                channel=name,
                failures=failures,
            )
        return failures

    async def _send(self, channel: Channel, address: str, reply: Reply) -> Failure | None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await channel.send(address, reply)
                return None
            except DeliveryError as exc:
                if exc.permanent or attempt >= self._attempts:
                    return Failure(reply, str(exc), attempt)
                delay = exc.retry_after or self._backoff * 2 ** (attempt - 1)
                log.info(
                    "%s send failed (%s); retry %d in %.1fs", channel.name, exc, attempt, delay
                )
                await self._sleep(delay)

    @staticmethod
    def _window(*, session: Session, conversation_id: str, channel: Channel) -> tuple[str, bool]:
        """The conversation's language, and whether the channel's free-text window closed."""
        language = deliveries.conversation_language(
            session=session, conversation_id=conversation_id
        )
        if channel.window is None:
            return language, False
        last = deliveries.last_debtor_message_at(session=session, conversation_id=conversation_id)
        return language, last is None or utcnow() - last > channel.window

    @staticmethod
    def _record(
        *, session: Session, conversation_id: str, channel: str, failures: list[Failure]
    ) -> None:
        for failure in failures:
            log.warning("not delivered to %s: %s", conversation_id, failure.error)
            record_event(
                session=session,
                actor="system",
                action=FAILED,
                conversation_id=conversation_id,
                detail={
                    "channel": channel,
                    "message_id": failure.reply.message_id,
                    "error": failure.error[:500],
                    "attempts": failure.attempts,
                },
            )

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


def channels_on(settings: Settings) -> list[str]:
    """Which entry points answer, for the start-up banner: web chat always, the others only
    with their settings. Pure."""
    on = ["web chat"]
    if settings.twilio_auth_token and settings.twilio_account_sid:
        on += [
            name
            for name, sender in (
                ("WhatsApp", settings.twilio_whatsapp_from),
                ("SMS", settings.twilio_sms_from),
            )
            if sender
        ]
    if settings.twilio_auth_token:
        on.append("voice")
    if settings.telegram_token and settings.telegram_secret:
        on.append("Telegram")
    return on


def make_channels(settings: Settings) -> list[Channel]:
    """The channels whose settings are present."""
    channels: list[Channel] = []
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if sid and token:
        templates = {"nl": settings.twilio_template_sid, "en": settings.twilio_template_sid_en}
        for name, sender in (
            (WHATSAPP, settings.twilio_whatsapp_from),
            (SMS, settings.twilio_sms_from),
        ):
            if sender:
                channels.append(
                    TwilioMessaging(
                        name=name,
                        account_sid=sid,
                        auth_token=token,
                        sender=sender,
                        api_url=settings.twilio_api_url,
                        templates={k: v for k, v in templates.items() if v},
                    )
                )
    if settings.telegram_token and settings.telegram_secret:
        channels.append(
            TelegramChannel(token=settings.telegram_token, api_url=settings.telegram_api_url)
        )
    return channels


@asynccontextmanager
async def open_channel_senders(
    settings: Settings, sessions: sessionmaker[Session], outbound: Outbound
) -> AsyncIterator[ChannelSenders]:
    """The configured channels, registered on `outbound`, closed at the end."""
    senders = ChannelSenders(sessions=sessions, channels=make_channels(settings))
    senders.register(outbound)
    if senders.names:
        log.info("channels on: %s", ", ".join(senders.names))
    try:
        yield senders
    finally:
        await senders.close()


def outbound_messages(messages: list[Message]) -> list[OutboundMessage]:
    return [OutboundMessage(m.id, m.text, list(m.buttons or [])) for m in messages]


async def first_delivery(
    sessions: sessionmaker[Session], *, channel: str, delivery_id: str, conversation_id: str
) -> bool:
    """Record a delivery; False when it was seen before (a redelivery changes nothing)."""
    return await run_in_session(
        sessions,
        deliveries.record_delivery,
        channel=channel,
        delivery_id=delivery_id,
        conversation_id=conversation_id,
    )


async def last_options(sessions: sessionmaker[Session], conversation_id: str) -> tuple[Any, ...]:
    """The buttons the debtor can pick by number now."""
    raw = await run_in_session(sessions, deliveries.last_buttons, conversation_id=conversation_id)
    return buttons_of(raw)


async def message_turn(state: Any, inbound: Inbound, media: bool) -> None:
    """One WhatsApp or SMS message, after Twilio has had its answer: bot turn, replies sent."""
    senders: ChannelSenders = state.channel_senders
    try:
        if not inbound.text:
            if media:
                language = await run_in_session(
                    state.sessions,
                    deliveries.conversation_language,
                    conversation_id=inbound.conversation_id,
                )
                notice = Reply(channel_text("text_only", language), language=language)
                address = inbound.hint["phone"]
                await senders.deliver(
                    inbound.channel, address, [notice], conversation_id=inbound.conversation_id
                )
            return
        options = await last_options(state.sessions, inbound.conversation_id)
        turn = await handle_debtor_message(
            sessions=state.sessions,
            idle_minutes=state.policy.verification.idle_minutes,
            rasa=state.rasa,
            conversation_id=inbound.conversation_id,
            text=choose_option(inbound.text, options) or inbound.text,
            language=inbound.language,
            channel=inbound.channel,
            hint=inbound.hint,
        )
        await state.outbound.push(
            inbound.conversation_id, inbound.channel, outbound_messages(turn.messages)
        )
    except Exception:
        log.exception("turn for %s failed", inbound.conversation_id)


# --- Telegram ----------------------------------------------------------------------------
async def _telegram_notice(
    state: Any, parsed: telegram.Parsed, key: str, keyboard: Keyboard | None = None
) -> None:
    """A channel text of our own (not stored: it is no answer to the debtor's question)."""
    conversation_id = f"telegram:{parsed.chat_id}"
    language = await run_in_session(
        state.sessions,
        deliveries.conversation_language,
        conversation_id=conversation_id,
        default=parsed.language,
    )
    reply = Reply(channel_text(key, language), language=language, keyboard=keyboard)
    senders: ChannelSenders = state.channel_senders
    await senders.deliver(
        telegram.CHANNEL, str(parsed.chat_id), [reply], conversation_id=conversation_id
    )


def button_payload(*, session: Session, conversation_id: str, reference: str) -> str | None:
    """The payload behind "#<message id>:<index>" (a button too long to carry its payload),
    only for a message of this conversation."""
    head, _, index = reference.removeprefix("#").partition(":")
    if not head.isdigit() or not index.isdigit():
        return None
    message = deliveries.get_message(
        session=session, conversation_id=conversation_id, message_id=int(head)
    )
    if message is None:
        return None
    buttons = buttons_of(message.buttons)
    return buttons[int(index)].payload if int(index) < len(buttons) else None


def _telegram_input(
    *, session: Session, conversation_id: str, text: str
) -> tuple[str, dict[str, str]]:
    """The text for the bot (a long button's payload looked up) and the phone hint."""
    if text.startswith("#"):
        text = (
            button_payload(session=session, conversation_id=conversation_id, reference=text) or text
        )
    return text, deliveries.latest_hint(session=session, conversation_id=conversation_id)


async def telegram_turn(state: Any, parsed: telegram.Parsed) -> None:
    """One Telegram update, after Telegram has had its 200."""
    try:
        await _telegram_update(state, parsed)
    except Exception:
        log.exception("telegram update %s failed", parsed.update_id)


async def _telegram_update(state: Any, parsed: telegram.Parsed) -> None:
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
            return await _telegram_notice(state, parsed, "phone_not_yours", "share_phone")
        await run_in_session(
            state.sessions,
            deliveries.record_hint,
            conversation_id=conversation_id,
            channel=telegram.CHANNEL,
            phone=parsed.phone,
        )
        return await _telegram_notice(state, parsed, "phone_received", "remove")
    if parsed.kind == "unsupported" or parsed.inbound is None:
        return await _telegram_notice(state, parsed, "text_only")
    inbound = parsed.inbound
    text, hint = await run_in_session(
        state.sessions, _telegram_input, conversation_id=conversation_id, text=inbound.text
    )
    turn = await handle_debtor_message(
        sessions=state.sessions,
        idle_minutes=state.policy.verification.idle_minutes,
        rasa=state.rasa,
        conversation_id=conversation_id,
        text=text,
        language=inbound.language,
        channel=telegram.CHANNEL,
        hint=hint or None,
    )
    await state.outbound.push(conversation_id, telegram.CHANNEL, outbound_messages(turn.messages))
    if parsed.started:
        await _telegram_notice(state, parsed, "share_phone_offer", "share_phone")
