"""Failed second factors, per debtor (or per reference nobody has), across conversations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from receivables.models import Base, utcnow


class VerificationFailure(Base):
    """One wrong second factor. Counted per debtor across all conversations and channels
    for the lockout; for a reference that matches nobody, per reference, so that the
    answers are the same whether a reference exists or not."""

    __tablename__ = "verification_failures"
    __table_args__ = (Index("ix_verification_failures_reference_at", "reference_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    reference_key: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
