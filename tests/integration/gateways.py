"""Gateway processes for tests that need real servers but not Rasa: uvicorn started as
`make run` starts it, against a fake Rasa (and fake action server) in the test process."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from receivables.settings import process_environment
from settle.stack import Stack, free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "integration-admin-token-0123456789"


@contextmanager
def gateway_process(log: Path, **settings: str) -> Iterator[str]:
    """One gateway (uvicorn) on a free port with SETTLE_* `settings`; yields its URL once it
    answers, stops its process group afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    defaults = {
        "SETTLE_ENV": "development",
        "SETTLE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SETTLE_RASA_TOKEN": "t",
        "SETTLE_PUBLIC_URL": url,
    }
    given = {f"SETTLE_{k.upper()}": v for k, v in settings.items()}
    env = process_environment(**{**defaults, **given})
    command = [
        str(ROOT / ".venv" / "bin" / "uvicorn"),
        "api.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--ws",
        "none",
        # open long-polls must not hold a test's end
        "--timeout-graceful-shutdown",
        "3",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gateway exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gateway did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gateway_processes(count: int, log_dir: Path, **settings: str) -> Iterator[list[str]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(gateway_process(log_dir / f"gateway-{n}.log", **settings))
            for n in range(count)
        ]


def stack_in(workdir: Path) -> Stack:
    """The whole system (Rasa with the trained model, the action server, the gateway) on
    free loopback ports and a fresh SQLite database in `workdir`, as `make run` starts it;
    enter it, then wait_healthy()."""
    return Stack(
        root=ROOT,
        database_url=f"sqlite:///{workdir / 'settle.db'}",
        rasa_port=free_port(),
        actions_port=free_port(),
        api_port=free_port(),
        admin_token=secrets.token_urlsafe(16),
        rasa_token=secrets.token_urlsafe(16),
        log_dir=workdir / "logs",
        pid_dir=workdir / "run",
    )
