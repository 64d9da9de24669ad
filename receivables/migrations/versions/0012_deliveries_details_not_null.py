"""deliveries.details NOT NULL, as the model says (0006 added it nullable)

The schema check (tests/db/test_schema_matches_migrations.py) found this: the model
(receivables.models.Delivery.details) is a non-optional JSON object, always written as one
(`details or {}`), while 0006 created the column nullable. Deliveries stored before 0006 have
NULL there; they get the empty object the code already reads them as.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE deliveries SET details = '{}' WHERE details IS NULL")
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("details", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("details", existing_type=sa.JSON(), nullable=True)
