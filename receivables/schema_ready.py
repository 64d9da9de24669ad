"""Wait until the database schema is at the newest migration:
`settle wait-for-schema [--timeout SECONDS] [URL]`.

Only the migration Job (Kubernetes) or service (compose) migrates; the other processes start
after it. On Kubernetes nothing orders pods, so each one waits for this in an init container:
a process that started on an old schema would fail on its first query instead.
"""

from __future__ import annotations

import logging
import time

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from receivables.db import make_engine
from receivables.migrate import alembic_config

log = logging.getLogger(__name__)


def is_schema_current(*, url: str) -> bool:
    """True when the database has every migration this code knows (and no other)."""
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current == heads


def wait_for_schema(*, url: str, timeout: float, interval: float = 2.0) -> bool:
    """Polls until the schema is current or `timeout` seconds passed; an unreachable
    database counts as not ready yet (it may be starting too)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if is_schema_current(url=url):
                return True
        except SQLAlchemyError as exc:
            log.info("database not reachable yet: %s", type(exc).__name__)
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
