"""Alembic environment: the URL comes from the caller (receivables.migrate) or SETTLE_DATABASE_URL;
the tables are every table of Settle (receivables.tables), so that `alembic check` and
`alembic revision --autogenerate` compare the migrations with all of them."""

from __future__ import annotations

from alembic import context

from receivables.db import make_engine
from receivables.settings import get_settings
from receivables.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url

# a migration's own engine, closed when it is done (an upgrade is one-shot)
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
