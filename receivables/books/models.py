"""The tables of the creditor's books: bank statement lines and the events that go back to the
books. (Credit notes live in receivables.models: the open amount of an invoice needs them.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receivables.models import Base, utcnow


class BankTransaction(Base):
    """A credit on the creditor's bank statement, booked once by its line's key: matched to a
    debtor (and booked as a payment) or waiting for a collector; or a reversal or return
    that took an earlier credit back (status "reversal")."""

    __tablename__ = "bank_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the statement line's key (receivables.books.statements: "<account>:<the bank's
    # reference of the detail>", else entry reference plus position, else a digest);
    # unique, so a statement imported twice books nothing twice
    entry_key: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # camt053 | mt940
    account: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    booked_on: Mapped[dt.date]
    counterparty: Mapped[str | None] = mapped_column(String(200))
    counterparty_account: Mapped[str | None] = mapped_column(String(64))
    remittance: Mapped[str] = mapped_column(Text, default="")
    bank_reference: Mapped[str | None] = mapped_column(String(100), index=True)
    end_to_end_id: Mapped[str | None] = mapped_column(String(100), index=True)
    structured_reference: Mapped[str | None] = mapped_column(String(64))
    structured_reference_type: Mapped[str | None] = mapped_column(String(32))
    value_date: Mapped[dt.date | None]
    # matched | partly_matched | unmatched | assigned | reversed (taken back by the bank)
    # | reversal (the line that took an earlier credit back)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # why an unmatched credit waits: other_currency (not in the ledger's currency)
    reason: Mapped[str | None] = mapped_column(String(32))
    # a reversal: the credit it took back (none when nothing was booked to undo)
    reverses_id: Mapped[int | None] = mapped_column(Integer)
    # how it was matched: invoice | customer | amount | collector
    matched_by: Mapped[str | None] = mapped_column(String(16))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BookEvent(Base):
    """An agreement or event the books need, sent to the creditor's webhook in order, once
    each (its id is the idempotency key), from this durable outbox."""

    __tablename__ = "book_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the audit event it came from: unique, so collecting twice queues nothing twice
    audit_event_id: Mapped[int] = mapped_column(Integer, unique=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    debtor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending | sent
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
