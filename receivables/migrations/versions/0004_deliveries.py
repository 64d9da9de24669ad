"""channel deliveries with a unique key (they were audit events before)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 12:40:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SEEN = "inbound_seen"


def upgrade() -> None:
    deliveries = op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "delivery_id", name="uq_deliveries_channel_id"),
    )
    op.create_index("ix_deliveries_conversation_id", "deliveries", ["conversation_id"])
    # the deliveries recorded as audit events so far move over, so none is answered twice
    audit = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("action", sa.String()),
        sa.column("detail", sa.JSON()),
    )
    bind = op.get_bind()
    rows, seen = [], set()
    for at, detail in bind.execute(
        sa.select(audit.c.at, audit.c.detail).where(audit.c.action == SEEN)
    ):
        detail = detail or {}
        key = (str(detail.get("channel", ""))[:20], str(detail.get("id", ""))[:128])
        if not all(key) or key in seen:
            continue
        seen.add(key)
        rows.append(
            {
                "channel": key[0],
                "delivery_id": key[1],
                "conversation_id": str(detail.get("conversation_id", ""))[:128],
                "received_at": at or dt.datetime.now(dt.UTC),
            }
        )
    if rows:
        op.bulk_insert(deliveries, rows)
    bind.execute(sa.delete(audit).where(audit.c.action == SEEN))


def downgrade() -> None:
    op.drop_index("ix_deliveries_conversation_id", table_name="deliveries")
    op.drop_table("deliveries")
