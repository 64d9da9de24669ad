"""Messages that reach a debtor without being a reply to their turn (a payment confirmation,
a collector's answer), and the live-update signal for pages that show conversations.

Whoever stores such a message calls `await outbound.push(conversation_id, channel, messages)`
after the commit. The web chat and the console read the database and only need to be woken
up (`changed`); a channel with its own transport (WhatsApp, Telegram) registers a sender.
With several replicas, `notify` also publishes on the change bus (receivables.changes) and
what other processes publish wakes this one (`wake`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from receivables.changes import ChangeBus, make_change_bus
from receivables.settings import Settings

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
        # tells the other processes (the change bus); None: this process is alone
        self.publish: Callable[[], None] | None = None

    def register(self, channel: str, sender: ChannelSender) -> None:
        self._senders[channel] = sender

    def notify(self) -> None:
        """Something changed (a message, a handoff): wake everyone who waits, here and in
        the other processes."""
        self.wake()
        if self.publish is not None:
            self.publish()

    def wake(self) -> None:
        """Wake everyone who waits in this process."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    @property
    def shared(self) -> bool:
        """Whether changes of other processes wake this one (a change bus is connected)."""
        return self.publish is not None

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


@asynccontextmanager
async def connect_change_bus(
    settings: Settings, engine: Engine, outbound: Outbound
) -> AsyncIterator[ChangeBus | None]:
    """Join the change bus, if the set-up has one: what this process notifies is published,
    what any process publishes wakes this one's waiting pages."""
    bus = make_change_bus(
        engine=engine, redis_url=settings.redis_url, prefix=settings.redis_key_prefix
    )
    if bus is None:
        yield None
        return
    pending: set[asyncio.Task[None]] = set()

    def publish() -> None:
        task = asyncio.get_running_loop().create_task(_publish(bus))
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def listen() -> None:
        async for _ in bus.changes():
            outbound.wake()

    listener = asyncio.create_task(listen())
    outbound.publish = publish
    try:
        yield bus
    finally:
        outbound.publish = None
        listener.cancel()
        await asyncio.gather(listener, *pending, return_exceptions=True)
        await bus.close()


async def _publish(bus: ChangeBus) -> None:
    try:
        await bus.publish()
    except Exception as exc:  # the pages still poll: a lost message costs seconds only
        log.warning("publishing a change failed: %s", exc)
