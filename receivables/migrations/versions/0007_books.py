"""the creditor's books: external ids, credit notes, bank transactions, book events,
reversed payments

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debtors") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_debtors_external_id", ["external_id"])
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_invoices_external_id", ["external_id"])
    with op.batch_alter_table("payments") as batch:
        batch.add_column(
            sa.Column(
                "reversed_amount",
                sa.Numeric(precision=12, scale=2),
                nullable=False,
                server_default="0",
            )
        )
    op.create_table(
        "credit_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    op.create_index("ix_credit_notes_invoice_id", "credit_notes", ["invoice_id"])
    op.create_table(
        "bank_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=True),
        sa.Column("counterparty_account", sa.String(length=64), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("matched_by", sa.String(length=16), nullable=True),
        sa.Column("debtor_id", sa.Integer(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["debtor_id"], ["debtors.id"]),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_key"),
    )
    op.create_index("ix_bank_transactions_status", "bank_transactions", ["status"])
    op.create_index("ix_bank_transactions_debtor_id", "bank_transactions", ["debtor_id"])
    op.create_table(
        "book_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_event_id"),
    )
    for column in ("type", "debtor_id", "occurred_at", "status"):
        op.create_index(f"ix_book_events_{column}", "book_events", [column])


def downgrade() -> None:
    op.drop_table("book_events")
    op.drop_table("bank_transactions")
    op.drop_table("credit_notes")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("reversed_amount")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint("uq_invoices_external_id", type_="unique")
        batch.drop_column("external_id")
    with op.batch_alter_table("debtors") as batch:
        batch.drop_constraint("uq_debtors_external_id", type_="unique")
        batch.drop_column("external_id")
