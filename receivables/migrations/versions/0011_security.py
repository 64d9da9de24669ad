"""conversation secrets, verification state, per-debtor failures, rate limits, erasure

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("debtors") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    # conversations verified before this revision stay verified until their next quiet spell
    op.execute("UPDATE conversations SET verified_at = updated_at WHERE debtor_id IS NOT NULL")
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), sa.ForeignKey("debtors.id"), nullable=True),
        sa.Column("reference_key", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verification_failures_debtor_id", "verification_failures", ["debtor_id"])
    op.create_index(
        "ix_verification_failures_reference_at",
        "verification_failures",
        ["reference_key", "at"],
    )
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_rate_limit_counters_expires_at", "rate_limit_counters", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counters_expires_at", table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
    op.drop_index("ix_verification_failures_reference_at", table_name="verification_failures")
    op.drop_index("ix_verification_failures_debtor_id", table_name="verification_failures")
    op.drop_table("verification_failures")
    with op.batch_alter_table("debtors") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("verified_at")
        batch.drop_column("token_hash")
