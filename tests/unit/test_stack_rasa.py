"""How the stack configures Rasa: where its conversations are kept, when it uses Redis for
its locks, that it starts with Settle's fixes (bot/runtime/server.py), and how its API
token reaches it."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from bot.runtime.server import MissingToken, rasa_arguments
from settle.stack import Stack, redis_environment, tracker_store_url


def make(tmp_path: Path, **kwargs: object) -> Stack:
    defaults: dict[str, object] = {
        "root": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'settle.db'}",
        "rasa_port": 1,
        "actions_port": 2,
        "api_port": 3,
        "admin_token": "a",
        "rasa_token": "r",
        "log_dir": tmp_path,
    }
    return Stack(**{**defaults, **kwargs})  # type: ignore[arg-type]


def test_conversations_are_kept_next_to_the_apps_sqlite_file_or_in_its_postgresql() -> None:
    assert tracker_store_url("sqlite:////srv/settle/settle.db") == (
        "sqlite:////srv/settle/rasa-tracker.db"
    )
    assert tracker_store_url("sqlite:///var/settle.db") == "sqlite:///var/rasa-tracker.db"
    assert tracker_store_url("sqlite://") == "sqlite:///var/rasa-tracker.db"
    # Rasa's environment has psycopg2, whatever driver the app uses
    assert tracker_store_url("postgresql+psycopg://u:secret@db:5432/settle") == (
        "postgresql+psycopg2://u:secret@db:5432/settle"
    )


def test_a_chosen_tracker_store_wins(tmp_path: Path) -> None:
    stack = make(tmp_path, tracker_store="postgresql://rasa@db/rasa")
    assert stack.environment()["SETTLE_TRACKER_STORE_URL"] == "postgresql://rasa@db/rasa"
    default = make(tmp_path).environment()["SETTLE_TRACKER_STORE_URL"]
    assert default == f"sqlite:///{tmp_path / 'rasa-tracker.db'}"


def test_redis_gives_rasa_its_lock_store(tmp_path: Path) -> None:
    plain = make(tmp_path)
    assert "bot/endpoints.yml" in plain.commands()["rasa"]
    assert "SETTLE_REDIS_HOST" not in plain.environment()
    redis = make(tmp_path, redis_url="redis://:pw@cache:6380/2", redis_key_prefix="t1")
    assert "bot/endpoints-redis.yml" in redis.commands()["rasa"]
    assert redis_environment("redis://:pw@cache:6380/2", "t1") == {
        "SETTLE_REDIS_HOST": "cache",
        "SETTLE_REDIS_PORT": "6380",
        "SETTLE_REDIS_DB": "2",
        "SETTLE_REDIS_PASSWORD": "pw",
        "SETTLE_REDIS_KEY_PREFIX": "t1",
    }
    assert redis_environment("redis://127.0.0.1:6379", "settle")["SETTLE_REDIS_DB"] == "0"


def test_rasa_starts_with_the_validator_built_once(tmp_path: Path) -> None:
    command = make(tmp_path).commands()["rasa"]
    assert command[1:4] == ["-m", "bot.runtime.server", "run"]


def test_several_rasa_processes_share_the_stores_and_the_gateway_knows_them_all(
    tmp_path: Path,
) -> None:
    stack = make(tmp_path, rasa_port=5005, rasa_workers=2)
    commands = stack.commands()
    assert list(commands) == ["actions", "rasa", "rasa-2", "api", "workers", "followup"]
    ports = [commands[name][commands[name].index("--port") + 1] for name in ("rasa", "rasa-2")]
    assert ports == ["5005", "5006"]
    assert commands["rasa"][:-3] == commands["rasa-2"][:-3]  # same model, same stores
    env = stack.environment()
    assert env["SETTLE_RASA_URL"] == "http://127.0.0.1:5005,http://127.0.0.1:5006"


def test_the_api_token_never_goes_on_a_command_line(tmp_path: Path) -> None:
    """Issue 29: `--auth-token -25MK6S...` made Rasa's parser see a missing value (one start in
    64), and a command line is readable by every local user. The token travels in the
    environment; bot/runtime/server.py hands it to Rasa's parser as one argument."""
    token = "-" + secrets.token_urlsafe(24)  # the kind that broke `make run`
    stack = make(tmp_path, rasa_token=token, rasa_workers=2)
    for name, command in stack.commands().items():
        assert not any(token in part for part in command), name
        assert "--auth-token" not in command and "-t" not in command, name
    assert stack.environment()["SETTLE_RASA_TOKEN"] == token
    arguments = rasa_arguments(stack.commands()["rasa"][3:], stack.environment())
    assert arguments[-1] == f"--auth-token={token}"
    assert arguments[:-1] == stack.commands()["rasa"][3:]


def test_rasa_refuses_an_open_api_and_leaves_other_commands_alone() -> None:
    with pytest.raises(MissingToken, match="SETTLE_RASA_TOKEN"):
        rasa_arguments(["run", "--enable-api", "--port", "5005"], {})
    # a token given on the command line stays the caller's choice; other commands are Rasa's
    given = ["run", "--enable-api", "--auth-token=abc"]
    assert rasa_arguments(given, {"SETTLE_RASA_TOKEN": "x"}) == given
    assert rasa_arguments(["run"], {}) == ["run"]
    assert rasa_arguments(["train", "--enable-api"], {}) == ["train", "--enable-api"]
