"""The durable outbox: every message for a debtor's channel is a row until it was sent, or
visibly failed, whichever process stored it and whichever worker sends it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from receivables.models import Base, utcnow

PENDING, SENT, FAILED = "pending", "sent", "failed"
# what Twilio's status callbacks report after "sent"
DELIVERED, READ, UNDELIVERED = "delivered", "read", "undelivered"


class OutboxMessage(Base):
    """One message to send to `address` on `channel`: a stored conversation message
    (`message_id`), or a channel notice of our own (`notice`: text key, keyboard, language)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("message_id", "channel", "address", name="uq_outbox_message"),
        Index("ix_outbox_status_conversation", "status", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[int | None] = mapped_column(Integer)
    notice: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # pending | sent | failed, then delivered | read | undelivered from the provider
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
