"""Sending what the outbox holds: one claimed row at a time through its channel, with the
provider's id kept for the status callbacks; a failed send waits (back-off) in the database,
not in memory, so whichever worker runs next tries again, and gives up visibly after
receivables.conversations.outbox.MAX_ATTEMPTS (the console marks the message not delivered).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from api.metrics import DELIVERIES_FAILED
from channels.base import Channel, DeliveryError, Reply, buttons_of
from receivables.common.language import resolve_language
from receivables.conversations import deliveries, outbox
from receivables.conversations.models import FAILED, SENT
from receivables.db import run_in_session
from receivables.models import utcnow
from texts import text as channel_text

log = logging.getLogger(__name__)

BACKOFF = 2.0  # seconds before the first retry; doubled each time
MAX_BACKOFF = 600.0


def retry_delay(attempts: int, error: DeliveryError, base: float = BACKOFF) -> dt.timedelta | None:
    """How long to wait before the next try; None: do not try again. Pure."""
    if error.permanent:
        return None
    seconds = error.retry_after or min(MAX_BACKOFF, base * 2 ** (attempts - 1))
    return dt.timedelta(seconds=seconds)


def _reply(*, session: Session, claimed: outbox.Claimed, channel: Channel) -> Reply | None:
    """What to send for a row: the stored message or the notice, in the conversation's
    language, marked when the channel's free-text window has closed."""
    stored = deliveries.conversation_language(
        session=session, conversation_id=claimed.conversation_id
    )
    language = resolve_language(stored)
    if claimed.notice is not None:
        notice = claimed.notice
        language = resolve_language(notice.get("language"), stored)
        keyboard: Any = notice.get("keyboard")
        return Reply(
            channel_text(str(notice["key"]), language), language=language, keyboard=keyboard
        )
    if claimed.message_id is None:
        return None
    message = deliveries.get_message(
        session=session, conversation_id=claimed.conversation_id, message_id=claimed.message_id
    )
    if message is None:
        return None
    outside = False
    if channel.window is not None:
        last = deliveries.last_debtor_message_at(
            session=session, conversation_id=claimed.conversation_id
        )
        outside = last is None or utcnow() - last > channel.window
    return Reply(message.text, buttons_of(message.buttons), language, message.id, outside)


def _provider_id(result: object) -> str | None:
    if isinstance(result, Sequence) and not isinstance(result, str) and result:
        return str(result[0])[:64]
    return None


class Outbox:
    """Sends the outbox's rows through the configured channels."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        channels: Mapping[str, Channel],
        backoff: float = BACKOFF,
    ) -> None:
        self._sessions = sessions
        self._channels = channels
        self._backoff = backoff

    async def enqueue(
        self,
        *,
        conversation_id: str,
        channel: str,
        address: str,
        message_ids: Sequence[int] = (),
        notice: dict[str, Any] | None = None,
    ) -> list[int]:
        return await run_in_session(
            self._sessions,
            outbox.enqueue,
            conversation_id=conversation_id,
            channel=channel,
            address=address,
            message_ids=list(message_ids),
            notice=notice,
        )

    async def send_next(self, *, conversation_id: str | None = None) -> str | None:
        """Claim one due row and send it; its new status, or None when nothing was due."""
        claimed = await run_in_session(
            self._sessions, outbox.claim_next, conversation_id=conversation_id
        )
        if claimed is None:
            return None
        return await self._send(claimed)

    async def drain(self, *, conversation_id: str | None = None, limit: int = 200) -> int:
        """Send what is due now (of one conversation, or all); the number of rows tried."""
        tried = 0
        while tried < limit and await self.send_next(conversation_id=conversation_id):
            tried += 1
        return tried

    async def _send(self, claimed: outbox.Claimed) -> str:
        channel = self._channels.get(claimed.channel)
        if channel is None:
            # another process may have the channel; this one leaves the row to it
            error = DeliveryError(f"no channel {claimed.channel!r} here", permanent=True)
            return await self._failed(claimed, error)
        reply = await run_in_session(self._sessions, _reply, claimed=claimed, channel=channel)
        if reply is None:
            return await self._failed(claimed, DeliveryError("nothing to send", permanent=True))
        try:
            result: object = await channel.send(claimed.address, reply)
        except DeliveryError as exc:
            return await self._failed(claimed, exc)
        await run_in_session(
            self._sessions, outbox.mark_sent, row_id=claimed.id, provider_id=_provider_id(result)
        )
        return SENT

    async def _failed(self, claimed: outbox.Claimed, error: DeliveryError) -> str:
        retry_in = retry_delay(claimed.attempts, error, self._backoff)
        status: str = await run_in_session(
            self._sessions,
            outbox.mark_failed_attempt,
            claimed=claimed,
            error=str(error),
            retry_in=retry_in,
        )
        level = logging.WARNING if status == FAILED else logging.INFO
        if status == FAILED:
            DELIVERIES_FAILED.labels(channel=claimed.channel).inc()
        log.log(
            level,
            "send to %s failed (attempt %d, now %s): %s",
            claimed.conversation_id,
            claimed.attempts,
            status,
            error,
        )
        return status
