"""bank statement lines: the bank's references, the structured reference, why a line waits

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_transactions") as batch:
        batch.add_column(sa.Column("bank_reference", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("end_to_end_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("structured_reference", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("structured_reference_type", sa.String(length=32), nullable=True)
        )
        batch.add_column(sa.Column("value_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
    op.create_index("ix_bank_transactions_end_to_end_id", "bank_transactions", ["end_to_end_id"])
    op.create_index("ix_bank_transactions_bank_reference", "bank_transactions", ["bank_reference"])


def downgrade() -> None:
    op.drop_index("ix_bank_transactions_bank_reference", "bank_transactions")
    op.drop_index("ix_bank_transactions_end_to_end_id", "bank_transactions")
    with op.batch_alter_table("bank_transactions") as batch:
        for column in (
            "reverses_id",
            "reason",
            "value_date",
            "structured_reference_type",
            "structured_reference",
            "end_to_end_id",
            "bank_reference",
        ):
            batch.drop_column(column)
