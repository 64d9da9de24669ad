"""The action tests' fixtures: a fresh SQLite database, migrated, that the action server's
own session factory opens (SETTLE_DATABASE_URL), and the seeded debtors in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.actions import db as action_db
from receivables.migrate import upgrade
from tests.bot.actions.support import Database, Debtors, seed


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'settle.db'}"
    monkeypatch.setenv("SETTLE_DATABASE_URL", url)
    monkeypatch.delenv("SETTLE_POLICY_FILE", raising=False)
    action_db._factory.cache_clear()
    action_db.get_policy.cache_clear()
    upgrade(url)
    database = Database(url)
    yield database
    database.engine.dispose()
    action_db._factory().kw["bind"].dispose()
    action_db._factory.cache_clear()
    action_db.get_policy.cache_clear()


@pytest.fixture
def debtors(database: Database) -> Debtors:
    return database.run(seed)
