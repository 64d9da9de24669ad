"""Start and stop Settle's three processes (action server, Rasa, gateway).

Used by `make run` (scripts/run.py) and by the integration tests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from receivables.migrate import upgrade


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StackError(RuntimeError):
    """A process died or the system did not become healthy in time."""


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
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "SETTLE_DATABASE_URL": self.database_url,
            "SETTLE_ADMIN_TOKEN": self.admin_token,
            "SETTLE_RASA_URL": self.rasa_url,
            "SETTLE_RASA_TOKEN": self.rasa_token,
            "SETTLE_ACTIONS_URL": self.actions_url,
            "SETTLE_PUBLIC_URL": self.public_url or self.api_url,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONUNBUFFERED": "1",
        }

    def commands(self) -> dict[str, list[str]]:
        venv, rasa_venv = self.root / ".venv" / "bin", self.root / ".venv-rasa" / "bin"
        return {
            "actions": [str(venv / "python"), "-m", "rasa_sdk", "--actions", "bot.actions",
                        "--port", str(self.actions_port)],
            "rasa": [str(rasa_venv / "rasa"), "run", "--enable-api", "--auth-token",
                     self.rasa_token, "--model", "models/settle.tar.gz", "--endpoints",
                     "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
                     "--port", str(self.rasa_port), "--interface", "127.0.0.1"],
            "api": [str(venv / "uvicorn"), "api.main:create_app", "--factory", "--host",
                    "127.0.0.1", "--port", str(self.api_port), "--no-access-log",
                    # rasa-sdk pins websockets 10, too old for uvicorn; no route needs them
                    "--ws", "none"],
        }  # fmt: skip

    def start(self) -> None:
        upgrade(self.database_url)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        pid_dir = self.root / "var" / "run"
        pid_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        for name, command in self.commands().items():
            log = (self.log_dir / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                command, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            log.close()
            (pid_dir / f"{name}.pid").write_text(str(self.processes[name].pid))

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def wait_healthy(self, timeout: float = 180) -> float:
        """Seconds until /healthz answered 200; raises StackError with the logs otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if dead := self.dead():
                raise StackError(self._report(f"{', '.join(dead)} stopped"))
            try:
                if httpx.get(f"{self.api_url}/healthz", timeout=3).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise StackError(self._report(f"not healthy after {timeout:.0f} s"))

    def _report(self, problem: str) -> str:
        logs = "\n".join(f"--- {n}.log ---\n{self.log_tail(n)}" for n in self.processes)
        return f"{problem}\n{logs}"

    def stop(self, grace: float = 10) -> None:
        for process in self.processes.values():
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
            (self.root / "var" / "run" / f"{name}.pid").unlink(missing_ok=True)
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
    except ProcessLookupError:
        pass
