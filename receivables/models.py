"""SQLAlchemy 2 models. Money is Numeric(12, 2) in the database and Decimal in Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(12, 2)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {Decimal: Money, dt.datetime: UTCDateTime, dt.date: Date}


class Debtor(Base):
    __tablename__ = "debtors"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    # the creditor's own id of the debtor (bulk imports are keyed by it)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date | None]
    postcode: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    # the channel the debtor asked to be reached on (email | sms | whatsapp | telegram), as
    # the creditor knows it; preferred_channel is where they last answered
    stated_channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # business attributes (P6): consumer | business (None: unknown), industry, ISO country
    kind: Mapped[str | None] = mapped_column(String(10))
    industry: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    # external credit information: a score 0-100 (higher: more creditworthy) and a flag
    credit_score: Mapped[int | None] = mapped_column(Integer)
    credit_flag: Mapped[str | None] = mapped_column(String(64))
    credit_source: Mapped[str | None] = mapped_column(String(100))
    credit_updated_at: Mapped[dt.datetime | None]
    # the debtor's profile as last computed (receivables.profiles.service): one of the five
    # groups, low | medium | high, and the reasons in plain words
    profile_group: Mapped[str | None] = mapped_column(String(24), index=True)
    profile_risk: Mapped[str | None] = mapped_column(String(10), index=True)
    profile_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    profile_updated_at: Mapped[dt.datetime | None]
    # the person was erased (privacy request): what remains is the books under a pseudonym
    erased_at: Mapped[dt.datetime | None]

    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="debtor", order_by="Invoice.due_date, Invoice.id"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="debtor", order_by="Payment.received_at, Payment.id"
    )


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    # the creditor's own id of the invoice (bulk imports are keyed by it)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    issue_date: Mapped[dt.date]
    due_date: Mapped[dt.date]
    description: Mapped[str | None] = mapped_column(String(500))
    # open | partially_paid | paid | on_hold | canceled; kept in step with the allocations
    # and credit notes (a canceled invoice is owed no more)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    debtor: Mapped[Debtor] = relationship(back_populates="invoices")
    allocations: Mapped[list[PaymentAllocation]] = relationship(back_populates="invoice")


class CreditNote(Base):
    """An amount the creditor credits on one invoice: what is open on it goes down."""

    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal]
    issue_date: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    method: Mapped[str] = mapped_column(String(32), default="bank_transfer")
    # the provider's id of the payment; unique so a retried booking changes nothing twice
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    # what was paid back since (a refund or a chargeback): those allocations are reversed
    reversed_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    debtor: Mapped[Debtor] = relationship(back_populates="payments")
    allocations: Mapped[list[PaymentAllocation]] = relationship(back_populates="payment")


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal]

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship(back_populates="allocations")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), default="webchat")
    language: Mapped[str | None] = mapped_column(String(2))
    # bot | waiting | human | closed
    state: Mapped[str] = mapped_column(String(10), default="bot")
    # set once the debtor is verified in this conversation
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # SHA-256 of the web chat's conversation secret (the secret itself is never stored)
    token_hash: Mapped[str | None] = mapped_column(String(64))
    # since when the debtor is verified here; None: not (any more): expired, logged out
    verified_at: Mapped[dt.datetime | None]

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    # bot | collector | debtor | system
    sender: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Delivery(Base):
    """A channel delivery seen (a MessageSid, an update_id, a voice step): the unique key
    makes a redelivery change nothing, whichever gateway process receives it."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("channel", "delivery_id", name="uq_deliveries_channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the durable inbox (receivables.conversations.inbox): a debtor's message stored with its
    # delivery is "pending" until a worker has made it a bot turn, then "done"
    status: Mapped[str] = mapped_column(String(10), default="done", index=True)
    message_id: Mapped[int | None] = mapped_column(Integer)
    # what the turn needs besides the message: the phone hint, a Telegram /start
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[dt.datetime | None]
    answered_at: Mapped[dt.datetime | None]


class Handoff(Base):
    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    # cannot_pay | dispute | requested_human | verification_failed | outside_limits | other
    reason: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(10), default="junior")
    # waiting | claimed | resolved
    status: Mapped[str] = mapped_column(String(10), default="waiting", index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    collector: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    # the debtor's open balance when the handoff was made (orders the queue; None: unknown)
    balance: Mapped[Decimal | None]
    # signs of vulnerability the collector must see first: illness, bereavement, debt_help
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # plan_agreed | promise | dispute_accepted | dispute_rejected | debt_help | other
    outcome: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]


class AuditEvent(Base):
    """What the bot or a person told, agreed or decided, with whom and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # "bot", "system", "admin", "collector:<name>"
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PaymentLink(Base):
    """A payment a debtor can make through the provider: one open link per target."""

    __tablename__ = "payment_links"
    __table_args__ = (Index("ix_payment_links_debtor_target", "debtor_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the secret in the link (/pay/{token}); never guessable
    token: Mapped[str] = mapped_column(String(64), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    # what is paid: "balance", "invoice:<id>" or "installment:<id>"
    target: Mapped[str] = mapped_column(String(40))
    invoice_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("installments.id"))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    description: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # local | mollie
    provider: Mapped[str] = mapped_column(String(20))
    provider_payment_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(String(500))
    # open | paid | canceled | expired | failed
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    paid_at: Mapped[dt.datetime | None]
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))


class PaymentPlan(Base):
    """A payment arrangement ("betalingsregeling") agreed with the debtor."""

    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    total: Mapped[Decimal]
    # active | completed | broken | canceled
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    # "bot" or "collector:<username>"
    agreed_by: Mapped[str] = mapped_column(String(100), default="bot")
    # a senior collector may agree a plan beyond the bot's limits; recorded as such
    outside_policy: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    installments: Mapped[list[Installment]] = relationship(
        back_populates="plan", order_by="Installment.sequence"
    )


class Installment(Base):
    __tablename__ = "installments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    sequence: Mapped[int]
    amount: Mapped[Decimal]
    due_date: Mapped[dt.date]
    # open | paid | broken
    status: Mapped[str] = mapped_column(String(10), default="open")
    paid_at: Mapped[dt.datetime | None]

    plan: Mapped[PaymentPlan] = relationship(back_populates="installments")


class Promise(Base):
    """A promise to pay an amount on a date ("ik betaal vrijdag")."""

    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[Decimal]
    date: Mapped[dt.date]
    # open | kept | broken | canceled
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[dt.datetime | None]


class DebtorProfileChange(Base):
    """The history of a debtor's profile: a row each time the group or the risk changed."""

    __tablename__ = "debtor_profile_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    group: Mapped[str] = mapped_column(String(24))
    risk: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # None: the first profile
    previous_group: Mapped[str | None] = mapped_column(String(24))
    previous_risk: Mapped[str | None] = mapped_column(String(10))


class Collector(Base):
    """A person who works the handoff queue in the console."""

    __tablename__ = "collectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # junior | senior | admin
    role: Mapped[str] = mapped_column(String(10), default="junior")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the console's language, nl | en; None until chosen (then the browser's decides)
    language: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


__all__ = [
    "AuditEvent",
    "Base",
    "Collector",
    "Conversation",
    "CreditNote",
    "Debtor",
    "DebtorProfileChange",
    "Delivery",
    "Handoff",
    "Installment",
    "Invoice",
    "Message",
    "Payment",
    "PaymentAllocation",
    "PaymentLink",
    "PaymentPlan",
    "Promise",
    "utcnow",
]
