"""Start and stop Settle's processes: the action server, Rasa, the gateway, the workers (the
durable inbox and outbox: channel messages answered, replies sent) and the follow-up job
(which marks promises and installments broken when their date passes unpaid).

Used by `settle run` (settle/run.py; `make run`) and by the integration tests::

    with Stack(root=ROOT, database_url=url, rasa_port=free_port(), ...) as stack:
        stack.wait_healthy(timeout=180)
        ...  # stack.api_url, stack.rasa_url, stack.actions_url

Each process runs in its own process group (so a Ctrl-C in the terminal reaches only the
parent, which then stops them in order), logs to <log_dir>/<name>.log and leaves its pid in
var/run/<name>.pid for the benchmark's memory figures.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
from sqlalchemy.engine import make_url

from receivables.migrate import upgrade
from receivables.settings import process_environment

NAMES = ("actions", "rasa", "api", "workers", "followup")
# seconds between two rounds of the follow-up job
FOLLOWUP_INTERVAL = 900
MODEL = Path("models") / "settle.tar.gz"
# Rasa's dialogue state: an SQL tracker store always; the Redis lock store when Redis is there
ENDPOINTS = Path("bot") / "endpoints.yml"
ENDPOINTS_REDIS = Path("bot") / "endpoints-redis.yml"
# rasa_sdk has no --interface flag; its Sanic server reads the address from SANIC_HOST
PROCESS_ENV = {"actions": {"SANIC_HOST": "127.0.0.1"}}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_rasa_workers() -> int:
    """One Rasa process per core the machine gives us, as far as memory allows (a Rasa process
    with the model loaded takes about 1.1 GiB; 1.5 GiB each leaves room), at most 4."""
    import psutil

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = int(psutil.virtual_memory().available / (1.5 * 2**30))
    return max(1, min(cores or 1, memory, 4))


def tracker_store_url(database_url: str) -> str:
    """Where Rasa keeps its conversations when SETTLE_TRACKER_STORE_URL does not say: in the
    app's PostgreSQL database (Rasa's own `events` table, through psycopg2, the driver of
    Rasa's environment), or in an SQLite file next to the app's SQLite file."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return f"sqlite:///{Path(url.database).parent / 'rasa-tracker.db'}"
    return "sqlite:///var/rasa-tracker.db"


def redis_environment(redis_url: str, key_prefix: str) -> dict[str, str]:
    """SETTLE_REDIS_URL in the parts bot/endpoints-redis.yml reads (Rasa's RedisLockStore
    takes host, port, db and password, not a URL)."""
    url = make_url(redis_url)
    return {
        "SETTLE_REDIS_HOST": url.host or "127.0.0.1",
        "SETTLE_REDIS_PORT": str(url.port or 6379),
        "SETTLE_REDIS_DB": (url.database or "0").lstrip("/") or "0",
        "SETTLE_REDIS_PASSWORD": url.password or "",
        "SETTLE_REDIS_KEY_PREFIX": key_prefix,
    }


class StackError(RuntimeError):
    """A process could not start, died, or the system did not become healthy in time."""


@dataclass
class Stack:
    root: Path
    database_url: str
    rasa_port: int
    actions_port: int
    api_port: int
    admin_token: str
    rasa_token: str
    log_dir: Path
    public_url: str | None = None
    api_host: str = "127.0.0.1"
    # where the pid files go; None: <root>/var/run
    pid_dir: Path | None = None
    followup_interval: float = FOLLOWUP_INTERVAL
    # Rasa's tracker store (SQLAlchemy URL); None: see tracker_store_url()
    tracker_store: str | None = None
    # Redis for Rasa's lock store (redis://host:port/db); None: Rasa's in-memory lock store
    redis_url: str | None = None
    # alphanumeric; Rasa puts it in front of its lock keys
    redis_key_prefix: str = "settle"
    # Rasa processes, on rasa_port, rasa_port + 1, ...; the gateway sends each conversation
    # to one of them by a stable hash of its id (README "How Rasa scales")
    rasa_workers: int = 1
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::", "") else self.api_host
        return f"http://{host}:{self.api_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.rasa_workers)]

    @property
    def rasa_names(self) -> list[str]:
        """ "rasa", then "rasa-2", "rasa-3", ... (process, log and pid file names)."""
        return ["rasa", *(f"rasa-{i + 1}" for i in range(1, self.rasa_workers))]

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def pids(self) -> Path:
        return self.pid_dir or self.root / "var" / "run"

    def environment(self) -> dict[str, str]:
        """The parent's environment (SETTLE_POLICY_FILE, SETTLE_RASA_TIMEOUT, ... pass
        through) with the addresses and secrets of this stack."""
        return {
            **process_environment(),
            "SETTLE_DATABASE_URL": self.database_url,
            "SETTLE_ADMIN_TOKEN": self.admin_token,
            # every Rasa process; the gateway picks one per conversation (api/rasa_client.py)
            "SETTLE_RASA_URL": ",".join(self.rasa_urls),
            "SETTLE_RASA_TOKEN": self.rasa_token,
            "SETTLE_ACTIONS_URL": self.actions_url,
            "SETTLE_PUBLIC_URL": self.public_url or self.api_url,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
            "SETTLE_TRACKER_STORE_URL": self.tracker_store or tracker_store_url(self.database_url),
            **(redis_environment(self.redis_url, self.redis_key_prefix) if self.redis_url else {}),
        }

    def commands(self) -> dict[str, list[str]]:
        """Name -> command line, in start order (the action server first: Rasa calls it; the
        workers and the follow-up job last: they serve nothing, so /healthz does not wait
        for them)."""
        venv, rasa_venv = self.root / ".venv" / "bin", self.root / ".venv-rasa" / "bin"
        return {
            "actions": [
                str(venv / "python"),
                "-m",
                "rasa_sdk",
                "--actions",
                "bot.actions",
                "--port",
                str(self.actions_port),
            ],
            # `rasa run` with our fixes installed first (bot/runtime/server.py)
            **{
                name: [
                    str(rasa_venv / "python"),
                    "-m",
                    "bot.runtime.server",
                    "run",
                    # the API's token is SETTLE_RASA_TOKEN from the environment: on a
                    # command line every local user could read it (bot/runtime/server.py)
                    "--enable-api",
                    "--model",
                    str(MODEL),
                    "--endpoints",
                    str(ENDPOINTS_REDIS if self.redis_url else ENDPOINTS),
                    "--credentials",
                    "bot/credentials.yml",
                    "--port",
                    str(self.rasa_port + i),
                    "--interface",
                    "127.0.0.1",
                ]
                for i, name in enumerate(self.rasa_names)
            },
            "api": [
                str(venv / "uvicorn"),
                "api.main:create_app",
                "--factory",
                "--host",
                self.api_host,
                "--port",
                str(self.api_port),
                "--no-access-log",
                # rasa-sdk pins websockets 10, too old for uvicorn; no route needs them
                "--ws",
                "none",
                # open long-polls and live streams must not hold up a stop
                "--timeout-graceful-shutdown",
                "3",
            ],
            "workers": [str(venv / "settle"), "workers"],
            "followup": [
                str(venv / "settle"),
                "followup",
                "--interval",
                str(self.followup_interval),
            ],
        }

    def migrate(self) -> None:
        """Bring the database to the newest schema (idempotent)."""
        upgrade(self.database_url)

    def check(self) -> None:
        """Fail early, with the remedy, when an environment or the model is missing."""
        missing = [command[0] for command in self.commands().values()]
        missing = [path for path in missing if not Path(path).exists()]
        if not (self.root / MODEL).exists():
            missing.append(str(self.root / MODEL))
        if missing:
            raise StackError(f"missing: {', '.join(missing)} (`make run` creates them)")

    def start(self, *, migrate: bool = True) -> None:
        """Migrate the database, then start every process (not waiting for them: see
        wait_healthy). If one cannot be started, the ones already running are stopped."""
        self.check()
        if migrate:
            self.migrate()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        try:
            for name, command in self.commands().items():
                self._spawn(name, command, {**env, **PROCESS_ENV.get(name, {})})
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        with (self.log_dir / f"{name}.log").open("ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
            log.flush()
            try:
                process = subprocess.Popen(
                    command,
                    cwd=self.root,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:
                raise StackError(f"{name} could not start: {exc}") from exc
        self.processes[name] = process
        (self.pids / f"{name}.pid").write_text(f"{process.pid}\n")

    def restart(self, name: str, grace: float = 10) -> None:
        """Stop one process (as a deploy or a crash would) and start it again, with the
        same command and environment; wait_healthy() tells when it is back."""
        process = self.processes[name]
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        env = {**self.environment(), **PROCESS_ENV.get(name, {})}
        self._spawn(name, self.commands()[name], env)

    def dead(self) -> list[str]:
        """Names of the started processes that have exited."""
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = self.log_path(name)
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def wait_healthy(
        self, timeout: float = 180, *, should_stop: Callable[[], bool] | None = None
    ) -> float:
        """Poll the gateway's /healthz (database, Rasa, actions) until it answers 200;
        returns the seconds it took. Raises StackError, with the tail of every log, when a
        process dies, the timeout passes or should_stop() turns true."""
        started = time.monotonic()
        last = "no answer yet"
        while time.monotonic() - started < timeout:
            if dead := self.dead():
                codes = ", ".join(f"{n} (exit {self.processes[n].returncode})" for n in dead)
                raise StackError(self.report(f"stopped during start-up: {codes}"))
            if should_stop and should_stop():
                raise StackError("start-up interrupted")
            try:
                response = httpx.get(f"{self.api_url}/healthz", timeout=5)
                if response.status_code == 200:
                    return time.monotonic() - started
                last = f"HTTP {response.status_code} {response.text[:300]}"
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}"
            time.sleep(0.5)
        raise StackError(self.report(f"not healthy after {timeout:.0f} s (last /healthz: {last})"))

    def report(self, problem: str) -> str:
        logs = "\n".join(
            f"--- last lines of {self.log_path(n)} ---\n{self.log_tail(n)}" for n in self.processes
        )
        return f"{problem}\n{logs}"

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to every process group, up to `grace` seconds to exit, then SIGKILL.
        Only the groups this stack started are signalled. Safe to call twice."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        for name in self.processes:
            (self.pids / f"{name}.pid").unlink(missing_ok=True)
        self.processes.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
