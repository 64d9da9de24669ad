"""The workers process: the durable inbox (stored channel messages made bot turns) and the
durable outbox (replies sent, retried, failed visibly).

    settle workers                  # until SIGTERM or Ctrl-C
    settle workers --once           # one sweep of inbox and outbox, then exit

Run as many instances as you like (`make run` and the integration tests start one through
settle/stack.py): each message and each reply is claimed by one of them at a time in the
database, a conversation's messages in order. At start-up and every `--interval` seconds it
sweeps for what waits, also what a crashed process left behind (its claim ran out); the
change bus (Redis or PostgreSQL NOTIFY) wakes it sooner. The gateway answers a fresh
message itself right after the webhook when it can; the workers are what makes sure.
Settings as the gateway's (SETTLE_DATABASE_URL, SETTLE_RASA_URL, the channels' settings).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal

import httpx

from api.flows.channel_delivery import make_channels
from api.flows.inbox import InboxWorker
from api.flows.outbox import Outbox
from api.rasa_client import RasaClient
from receivables.changes import ChangeBus, make_change_bus
from receivables.db import engine_for, make_session_factory
from receivables.settings import Settings

log = logging.getLogger("settle.workers")

INTERVAL = 1.0  # seconds between sweeps when nothing wakes us
CONCURRENCY = 4  # turns at a time in one process (each waits for Rasa most of the time)


class Workers:
    def __init__(self, *, inbox_worker: InboxWorker, outbox: Outbox, bus: ChangeBus | None) -> None:
        self.inbox_worker = inbox_worker
        self.outbox = outbox
        self.bus = bus
        self.woken = asyncio.Event()

    async def sweep(self) -> int:
        """Answer what waits in the inbox, then send what is due; how much was done."""
        answered = await self.inbox_worker.drain()
        if answered and self.bus is not None:
            await self.bus.publish()  # the gateways' long-polls and consoles look now
        return len(answered) + await self.outbox.drain()

    async def run(self, stop: asyncio.Event, *, interval: float, concurrency: int) -> None:
        listener = asyncio.create_task(self._listen()) if self.bus else None
        loops = [asyncio.create_task(self._loop(stop, interval)) for _ in range(concurrency)]
        await stop.wait()
        for task in loops:
            task.cancel()
        if listener:
            listener.cancel()
        await asyncio.gather(*loops, *([listener] if listener else []), return_exceptions=True)

    async def _loop(self, stop: asyncio.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                done = await self.sweep()
            except Exception:  # the database or Rasa gone for a moment: next sweep
                log.exception("sweep failed")
                done = 0
            if done:
                continue
            self.woken.clear()
            try:
                await asyncio.wait_for(self.woken.wait(), interval)
            except TimeoutError:
                pass

    async def _listen(self) -> None:
        assert self.bus is not None
        async for _ in self.bus.changes():
            self.woken.set()


async def serve(settings: Settings, *, once: bool, interval: float, concurrency: int) -> int:
    """Sweep until SIGTERM or Ctrl-C (`once`: one sweep); the exit status."""
    engine = engine_for(settings.database_url)
    sessions = make_session_factory(engine)
    channels = {c.name: c for c in make_channels(settings)}
    bus = make_change_bus(
        engine=engine, redis_url=settings.redis_url, prefix=settings.redis_key_prefix
    )
    try:
        async with httpx.AsyncClient() as http:
            rasa = RasaClient(
                http,
                rasa_url=settings.rasa_url,
                actions_url=settings.actions_url,
                token=settings.rasa_token,
                timeout=settings.rasa_timeout,
            )
            outbox = Outbox(sessions=sessions, channels=channels)
            worker = InboxWorker(
                sessions=sessions,
                rasa=rasa,
                outbox=outbox,
                lease=dt.timedelta(seconds=settings.inbox_lease_seconds),
            )
            workers = Workers(inbox_worker=worker, outbox=outbox, bus=bus)
            if once:
                log.info("one sweep: %d done", await workers.sweep())
                return 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            log.info(
                "workers on (channels: %s; inbox lease %.0f s; %s)",
                ", ".join(sorted(channels)) or "none",
                settings.inbox_lease_seconds,
                "change bus" if bus else f"sweep every {interval:.1f} s",
            )
            await workers.run(stop, interval=interval, concurrency=concurrency)
            return 0
    finally:
        for channel in channels.values():
            await channel.close()
        if bus is not None:
            await bus.close()
