"""Alembic environment: the URL comes from the caller (receivables.migrate) or SETTLE_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context

from receivables.db import DEFAULT_DATABASE_URL, make_engine
from receivables.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get(
    "SETTLE_DATABASE_URL", DEFAULT_DATABASE_URL
)

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
