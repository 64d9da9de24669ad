"""One settings object and one engine per database per process: built at the entry point (the
app factory, a `settle` command) or read through get_settings()/engine_for(), never again
in the middle of the work."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from api.main import create_app
from receivables.db import dispose_engines, engine_for
from receivables.settings import get_settings, settings_from
from settle.cli import main
from settle.context import settings_of

ROOT = Path(__file__).resolve().parents[2]
APP = ("api", "bot/actions", "channels", "payment_providers", "receivables", "settle", "texts")


def sources() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for folder in APP
        for path in (ROOT / folder).rglob("*.py")
    }


def test_settings_are_built_in_one_place() -> None:
    built = sorted(name for name, text in sources().items() if re.search(r"\bSettings\(\)", text))
    assert built == ["receivables/settings.py"]  # get_settings(), once per process


def test_engines_are_made_by_the_factory_only() -> None:
    """engine_for() everywhere; a private engine only where a one-shot helper that a process
    may call many times closes it again (a migration, the schema check)."""
    made = sorted(name for name, text in sources().items() if "make_engine(" in text)
    assert made == [
        "receivables/db.py",
        "receivables/migrations/env.py",
        "receivables/schema_ready.py",
    ]
    assert not [
        name
        for name, text in sources().items()
        if "create_engine(" in text and name != "receivables/db.py"
    ]


def test_the_process_has_one_settings_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SETTLE_PUBLIC_URL", "https://settle.example.nl")
    settings = get_settings()
    assert get_settings() is settings
    assert create_app().state.settings is settings  # uvicorn's factory call
    with click.Context(main) as ctx:  # a `settle` command
        assert settings_of(ctx) is settings
    given = settings_from({"SETTLE_PUBLIC_URL": "https://other.example.nl"})
    assert create_app(given).state.settings is given  # a test's or a tool's own


def test_one_engine_per_database_until_disposed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = engine_for(url)
    assert engine_for(url) is engine
    other = engine_for(f"sqlite:///{tmp_path / 'b.db'}")
    assert other is not engine
    # postgres:// and postgresql:// are the same database to the factory
    pg = engine_for("postgres://nobody@127.0.0.1:1/none")
    assert engine_for("postgresql://nobody@127.0.0.1:1/none") is pg
    dispose_engines()
    assert engine_for(url) is not engine  # a new pool after shutdown
    dispose_engines()
