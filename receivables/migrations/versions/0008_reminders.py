"""preventive treatment: reminders sent, opt-outs, pauses; the debtor's stated channel

Revision ID: 0008
Revises: 0004
Create Date: 2026-11-30 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("debtors", sa.Column("stated_channel", sa.String(length=20), nullable=True))
    op.create_table(
        "reminder_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=True),
        sa.Column("installment_id", sa.Integer(), sa.ForeignKey("installments.id"), nullable=True),
        sa.Column("promise_id", sa.Integer(), sa.ForeignKey("promises.id"), nullable=True),
        sa.Column("plan", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_reason", sa.String(length=40), nullable=False),
        sa.Column("tone", sa.String(length=20), nullable=False),
        sa.Column("text_key", sa.String(length=64), nullable=False),
        sa.Column("planned_for", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column(
            "payment_link_id", sa.Integer(), sa.ForeignKey("payment_links.id"), nullable=True
        ),
        sa.Column("stop_token", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_reminder_sends_key"),
        sa.UniqueConstraint("stop_token", name="uq_reminder_sends_stop_token"),
    )
    op.create_index("ix_reminder_sends_debtor_sent", "reminder_sends", ["debtor_id", "sent_at"])
    op.create_index("ix_reminder_sends_invoice_id", "reminder_sends", ["invoice_id"])
    op.create_index("ix_reminder_sends_status", "reminder_sends", ["status"])
    op.create_index("ix_reminder_sends_conversation_id", "reminder_sends", ["conversation_id"])
    op.create_index("ix_reminder_sends_outcome", "reminder_sends", ["outcome"])
    op.create_table(
        "reminder_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtors.id"), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("debtor_id", name="uq_reminder_opt_outs_debtor_id"),
    )
    op.create_table(
        "reminder_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtors.id"), nullable=True),
        sa.Column("plan", sa.String(length=40), nullable=True),
        sa.Column("step", sa.String(length=40), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reminder_pauses_debtor_id", "reminder_pauses", ["debtor_id"])


def downgrade() -> None:
    op.drop_index("ix_reminder_pauses_debtor_id", table_name="reminder_pauses")
    op.drop_table("reminder_pauses")
    op.drop_table("reminder_opt_outs")
    for name in ("outcome", "conversation_id", "status", "invoice_id", "debtor_sent"):
        op.drop_index(f"ix_reminder_sends_{name}", table_name="reminder_sends")
    op.drop_table("reminder_sends")
    with op.batch_alter_table("debtors") as batch:
        batch.drop_column("stated_channel")
