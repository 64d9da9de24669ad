"""Sending to debtors on the channels with their own transport (WhatsApp, SMS, Telegram):
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

from sqlalchemy.orm import Session, sessionmaker

from api.metrics import DELIVERIES_FAILED
from api.outbound import Outbound, OutboundMessage
from api.settings import Settings
from channels import memory
from channels.base import Channel, DeliveryError, Reply, buttons_of, split_conversation_id
from channels.telegram import TelegramChannel
from channels.whatsapp import SMS, WHATSAPP, TwilioMessaging
from receivables.audit import record_event
from receivables.db import session_scope
from receivables.models import utcnow

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
        language, outside = await asyncio.to_thread(self._window, conversation_id, channel)
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
            DELIVERIES_FAILED.labels(channel=name).inc(len(failures))
            await asyncio.to_thread(self._record, conversation_id, name, failures)
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

    def _window(self, conversation_id: str, channel: Channel) -> tuple[str, bool]:
        """The conversation's language, and whether the channel's free-text window closed."""
        with session_scope(self._sessions) as session:
            language = memory.conversation_language(
                session=session, conversation_id=conversation_id
            )
            if channel.window is None:
                return language, False
            last = memory.last_debtor_message_at(session=session, conversation_id=conversation_id)
            return language, last is None or utcnow() - last > channel.window

    def _record(self, conversation_id: str, channel: str, failures: list[Failure]) -> None:
        for failure in failures:
            log.warning("not delivered to %s: %s", conversation_id, failure.error)
        with session_scope(self._sessions) as session:
            for failure in failures:
                record_event(
                    session=session, actor="system", action=FAILED,
                    conversation_id=conversation_id,
                    detail={"channel": channel, "message_id": failure.reply.message_id,
                            "error": failure.error[:500], "attempts": failure.attempts},
                )  # fmt: skip

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()


def channels_on(settings: Settings) -> list[str]:
    """Which entry points answer, for the start-up banner: web chat always, the others only
    with their settings. Pure."""
    on = ["web chat"]
    if settings.twilio_auth_token and settings.twilio_account_sid:
        on += [name for name, sender in (("WhatsApp", settings.twilio_whatsapp_from),
                                         ("SMS", settings.twilio_sms_from)) if sender]  # fmt: skip
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
        for name, sender in ((WHATSAPP, settings.twilio_whatsapp_from),
                             (SMS, settings.twilio_sms_from)):  # fmt: skip
            if sender:
                channels.append(TwilioMessaging(
                    name=name, account_sid=sid, auth_token=token, sender=sender,
                    api_url=settings.twilio_api_url,
                    templates={k: v for k, v in templates.items() if v},
                ))  # fmt: skip
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
