"""The tables of the reminders: what was sent (once per step and invoice), who
opted out, what a credit manager paused."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receivables.models import Base, utcnow


class ReminderSend(Base):
    """One step for one invoice (or installment, or promise). The unique `key` makes it go out
    once, however many scheduler instances run: the instance that inserts the row sends."""

    __tablename__ = "reminder_sends"
    __table_args__ = (Index("ix_reminder_sends_debtor_sent", "debtor_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "invoice:<id>:<plan>:<step>", "installment:<id>:before", "promise:<id>:missed", ...
    key: Mapped[str] = mapped_column(String(120), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    installment_id: Mapped[int | None] = mapped_column(ForeignKey("installments.id"))
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id"))
    plan: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    # email | sms | whatsapp | telegram | call
    channel: Mapped[str] = mapped_column(String(20))
    # stated preference | last answered | step default | fallback
    channel_reason: Mapped[str] = mapped_column(String(40))
    tone: Mapped[str] = mapped_column(String(20))
    text_key: Mapped[str] = mapped_column(String(64))
    # the day the step was planned for (creditor's local date)
    planned_for: Mapped[dt.date]
    # sending | sent | failed | task (a call task made)
    status: Mapped[str] = mapped_column(String(10), default="sending", index=True)
    # where an answer lands: the conversation on that channel ("whatsapp:+316...")
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    payment_link_id: Mapped[int | None] = mapped_column(ForeignKey("payment_links.id"))
    # for e-mail: the unsubscribe link's secret
    stop_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # paid | promised | disputed | none, within reminders.outcome_days of the send
    outcome: Mapped[str | None] = mapped_column(String(10), index=True)
    outcome_at: Mapped[dt.datetime | None]


class ReminderOptOut(Base):
    """A debtor who asked for no more reminders ("STOP" on any channel, the link in an
    e-mail): respected by every channel."""

    __tablename__ = "reminder_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"), unique=True)
    # the channel the request came on
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReminderPause(Base):
    """A credit manager's pause: one debtor (debtor_id), or one step of a plan for everybody
    (plan and step). Active until lifted."""

    __tablename__ = "reminder_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtors.id"), index=True)
    plan: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    # "collector:<username>"
    by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[dt.datetime | None]
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
