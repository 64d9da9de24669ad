"""durable inbox (deliveries with a status and their message) and outbox

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        # deliveries seen so far were answered (or lost) already: "done"
        batch.add_column(sa.Column("status", sa.String(10), nullable=False, server_default="done"))
        batch.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_deliveries_status", "deliveries", ["status"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.String(128), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("notice", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "channel", "address", name="uq_outbox_message"),
    )
    op.create_index("ix_outbox_status_conversation", "outbox", ["status", "conversation_id", "id"])
    op.create_index("ix_outbox_provider_id", "outbox", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_provider_id", table_name="outbox")
    op.drop_index("ix_outbox_status_conversation", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_deliveries_status", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        for column in ("answered_at", "claimed_until", "attempts", "details", "message_id"):
            batch.drop_column(column)
        batch.drop_column("status")
