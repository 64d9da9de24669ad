"""Messages that reach a debtor without being a reply to their turn (a payment confirmation,
a collector's answer), and the live-update signal for pages that show conversations.

Whoever stores such a message calls `await outbound.push(conversation_id, channel, messages)`
after the commit. The web chat and the console read the database and only need to be woken
up (`changed`); a channel with its own transport (WhatsApp, Telegram) registers a sender.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboundMessage:
    id: int
    text: str
    buttons: list[dict[str, str]]


# (conversation id, messages) -> sent; raises on failure
ChannelSender = Callable[[str, list[OutboundMessage]], Awaitable[None]]


class Outbound:
    def __init__(self) -> None:
        self._senders: dict[str, ChannelSender] = {}
        self._changed = asyncio.Event()
        self.version = 0

    def register(self, channel: str, sender: ChannelSender) -> None:
        self._senders[channel] = sender

    def notify(self) -> None:
        """Something changed (a message, a handoff): wake everyone who waits."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, version: int, timeout: float) -> int:
        """Return the current version once it is past `version`, or after `timeout` s."""
        if self.version > version:
            return self.version
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        return self.version

    async def push(
        self, conversation_id: str, channel: str, messages: list[OutboundMessage]
    ) -> None:
        """Deliver stored messages through the conversation's channel. A failure is logged;
        the messages stay in the conversation (the channel's sender records and retries)."""
        self.notify()
        sender = self._senders.get(channel)
        if sender is None or not messages:
            return
        try:
            await sender(conversation_id, messages)
        except Exception:
            log.exception("pushing %d message(s) to %s failed", len(messages), conversation_id)
