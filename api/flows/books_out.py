"""The creditor's books hear what Settle agreed: book events (receivables.books.events) go to
the configured webhook (SETTLE_BOOKS_WEBHOOK_URL), signed with SETTLE_BOOKS_WEBHOOK_SECRET,
in order, once each (the event id is the Idempotency-Key), retried with back-off while the
receiver is down. The gateway runs `send_book_events` in the background when the URL is set;
`settle books-out --once` sends what is due and stops (for cron)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
from sqlalchemy.orm import Session, sessionmaker

from receivables.books.events import (
    SIGNATURE_HEADER,
    claim_next,
    collect_book_events,
    event_body,
    mark_failed,
    mark_sent,
    sign,
)
from receivables.db import session_scope
from receivables.settings import Settings

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0


def _send_one(*, session: Session, http: httpx.Client, url: str, secret: str) -> tuple[bool, bool]:
    """Send the oldest due event, holding its row lock while it goes out. Returns
    (something was due, it was delivered)."""
    event = claim_next(session=session)
    if event is None:
        return False, False
    body = event_body(event)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(event.id),
        "Settle-Event": event.type,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    try:
        response = http.post(url, content=body, headers=headers, timeout=10.0)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        delay = mark_failed(event, f"{type(exc).__name__}: {exc}")
        log.info("book event %s not delivered (%s); next try in %.0f s", event.id, exc, delay)
        return True, False
    mark_sent(event)
    return True, True


def deliver_due(sessions: sessionmaker[Session], *, url: str, secret: str, limit: int = 500) -> int:
    """Collect new events and send those due, in order, until one fails or none is left.
    Returns how many were delivered. Blocking: run it in a thread from async code."""
    with session_scope(sessions) as session:
        collect_book_events(session=session)
    delivered = 0
    with httpx.Client() as http:
        for _ in range(limit):
            with session_scope(sessions) as session:
                due, ok = _send_one(session=session, http=http, url=url, secret=secret)
            if not due or not ok:
                break
            delivered += 1
    return delivered


async def send_book_events(
    sessions: sessionmaker[Session], *, url: str, secret: str, every: float = POLL_SECONDS
) -> None:
    """Forever: deliver what is due, then wait a little."""
    while True:
        try:
            await asyncio.to_thread(deliver_due, sessions, url=url, secret=secret)
        except Exception:
            log.exception("sending book events failed; trying again")
        await asyncio.sleep(every)


@asynccontextmanager
async def book_event_sender(
    settings: Settings, sessions: sessionmaker[Session]
) -> AsyncIterator[None]:
    """While the gateway runs: the sender in the background, when a webhook is configured."""
    if not (settings.books_webhook_url and settings.books_webhook_secret):
        yield
        return
    task = asyncio.create_task(
        send_book_events(
            sessions, url=settings.books_webhook_url, secret=settings.books_webhook_secret
        )
    )
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
