"""A channel delivery: a debtor's message from WhatsApp, SMS or Telegram, stored with its
delivery before the webhook is answered (api.flows.inbox) and made a bot turn by a worker;
and sending to debtors on those channels: every stored message, whether a reply to the
debtor's turn or pushed later (a payment confirmation, a collector's answer), becomes an
outbox row (api.flows.outbox) that a worker sends, retries with back-off and, when it
cannot, records as failed ("delivery_failed" in the audit log, shown in the console).

`kick` is what the gateway does right after answering a webhook: the same work a worker
does, for this conversation only, so a reply does not wait for the next sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.flows.inbox import InboxWorker
from api.flows.outbox import BACKOFF, Outbox
from api.outbound import Outbound, OutboundMessage
from channels import telegram
from channels.base import (
    Channel,
    DeliveryError,
    buttons_of,
    split_conversation_id,
)
from channels.telegram import TelegramChannel
from channels.whatsapp import SMS, WHATSAPP, TwilioMessaging
from receivables.accounts.debtors import get_debtor
from receivables.conversations import deliveries
from receivables.conversations.outbox import DELIVERY_FAILED
from receivables.conversations.service import get_conversation
from receivables.db import run_in_session
from receivables.settings import Settings

log = logging.getLogger(__name__)

FAILED = DELIVERY_FAILED  # the audit action of a send given up
STATUS_PATH = "/channels/twilio/status"


class ChannelSenders:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        channels: Sequence[Channel],
        backoff: float = BACKOFF,
    ) -> None:
        self._sessions = sessions
        self._channels = {c.name: c for c in channels}
        self.outbox = Outbox(sessions=sessions, channels=self._channels, backoff=backoff)

    @property
    def names(self) -> list[str]:
        return sorted(self._channels)

    def channel(self, name: str) -> Channel | None:
        return self._channels.get(name)

    def register(self, outbound: Outbound) -> None:
        for name in self._channels:
            outbound.register(name, self._sender(name))

    def _sender(self, name: str) -> Callable[[str, list[OutboundMessage]], Awaitable[None]]:
        async def send(conversation_id: str, messages: list[OutboundMessage]) -> None:
            await self.push(conversation_id, messages, channel=name)

        return send

    async def push(
        self, conversation_id: str, messages: list[OutboundMessage], *, channel: str | None = None
    ) -> None:
        """Outbound's sender: stored messages put in the outbox and sent now if they can
        be; what fails waits there for the workers' next try. `channel`: the conversation's
        stored channel (without it, the one its id starts with)."""
        prefix, address = split_conversation_id(conversation_id)
        name = channel or prefix
        if name not in self._channels:
            raise DeliveryError(f"no channel {name!r} for {conversation_id}", permanent=True)
        if prefix != name:
            # an id of another form (a demo conversation, one started elsewhere): the
            # debtor's own number on this channel
            address = await run_in_session(
                self._sessions, _debtor_address, conversation_id=conversation_id, channel=name
            )
            if not address:
                raise DeliveryError(f"no {name} address for {conversation_id}", permanent=True)
        await self.send_later(
            conversation_id=conversation_id,
            channel=name,
            address=address,
            message_ids=[m.id for m in messages],
        )

    async def send_later(
        self, *, conversation_id: str, channel: str, address: str, message_ids: Sequence[int]
    ) -> None:
        """Stored messages into the outbox (to `address` on `channel`), then a first try."""
        await self.outbox.enqueue(
            conversation_id=conversation_id,
            channel=channel,
            address=address,
            message_ids=message_ids,
        )
        await self.outbox.drain(conversation_id=conversation_id)

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
                        status_callback=f"{settings.public_url.rstrip('/')}{STATUS_PATH}",
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


def inbox_worker(state: Any) -> InboxWorker:
    senders: ChannelSenders = state.channel_senders
    lease = dt.timedelta(seconds=state.settings.inbox_lease_seconds)
    return InboxWorker(sessions=state.sessions, rasa=state.rasa, outbox=senders.outbox, lease=lease)


async def kick(state: Any, conversation_id: str) -> None:
    """After a webhook's answer: answer what waits in this conversation and send it. Only a
    shortcut: a worker does the same from the database when this process cannot."""
    try:
        if await inbox_worker(state).drain(conversation_id=conversation_id):
            state.outbound.notify()
        senders: ChannelSenders = state.channel_senders
        await senders.outbox.drain(conversation_id=conversation_id)
    except Exception:
        log.exception("answering %s in the gateway failed; a worker will", conversation_id)


async def answer_callback(state: Any, callback_query_id: str) -> None:
    """Stop a Telegram button's spinner (nothing to keep: a failure changes nothing)."""
    channel = state.channel_senders.channel(telegram.CHANNEL)
    if isinstance(channel, telegram.TelegramChannel):
        try:
            await channel.answer_callback(callback_query_id)
        except DeliveryError as exc:
            log.info("callback query not answered: %s", exc)


def _debtor_address(*, session: Session, conversation_id: str, channel: str) -> str:
    """The verified debtor's phone number, for a WhatsApp or SMS conversation whose id holds
    no address; "" when there is none (Telegram knows a chat id only from the chat)."""
    conversation = get_conversation(session=session, conversation_id=conversation_id)
    if channel not in (WHATSAPP, SMS) or conversation.debtor_id is None:
        return ""
    return get_debtor(session=session, debtor_id=conversation.debtor_id).phone or ""
