"""The init containers' wait: a process starts only on a schema the migrations finished."""

from __future__ import annotations

from pathlib import Path

from receivables.migrate import upgrade
from receivables.schema_ready import is_schema_current, wait_for_schema
from tests.cli import settle


def test_an_empty_database_is_not_ready_and_a_migrated_one_is(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'settle.db'}"
    assert not is_schema_current(url=url)
    assert settle(["wait-for-schema", "--timeout", "0", url]).exit_code == 1
    upgrade(url)
    assert is_schema_current(url=url)
    assert settle(["wait-for-schema", "--timeout", "0", url]).exit_code == 0


def test_an_unreachable_database_is_waited_for_then_reported(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    assert not wait_for_schema(url=url, timeout=0, interval=0)
