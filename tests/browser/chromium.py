"""Shared by the browser tests: Debian's Chromium through Playwright, and a gateway under
uvicorn on a free port with a temporary SQLite database and a given (fake) Rasa."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from receivables.db import make_engine, make_session_factory
from receivables.migrate import upgrade
from scripts.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts"
CHROMIUM = "/usr/bin/chromium"


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (`make test` installs it); never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass(frozen=True)
class Gateway:
    url: str
    sessions: sessionmaker[Session]


@contextmanager
def running_gateway(
    workdir: Path, rasa: type[BaseHTTPRequestHandler], admin_token: str
) -> Iterator[Gateway]:
    database_url = f"sqlite:///{workdir / 'settle.db'}"
    upgrade(database_url)
    fake = ThreadingHTTPServer(("127.0.0.1", 0), rasa)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    rasa_url = f"http://127.0.0.1:{fake.server_port}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SETTLE_DATABASE_URL": database_url,
        "SETTLE_ADMIN_TOKEN": admin_token,
        "SETTLE_RASA_URL": rasa_url,
        "SETTLE_ACTIONS_URL": rasa_url,
        "SETTLE_RASA_TOKEN": "t",
        "SETTLE_PUBLIC_URL": url,
    }
    log_path = workdir / "api.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--ws",
            "none",
            "--timeout-graceful-shutdown",
            "3",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    engine = make_engine(database_url)
    try:
        _wait_until_up(url, server, log_path)
        yield Gateway(url, make_session_factory(engine))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        engine.dispose()
        fake.shutdown()


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90  # a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the gateway stopped:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"the gateway did not start:\n{log.read_text()[-3000:]}")


AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# what must not be on a page a stressed debtor or a collector uses
BLOCKING = ("serious", "critical")


def axe_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (shadow roots
    included), one line each: rule, impact, the first elements. axe-core comes from the npm
    registry (`make chromium` installs it into var/axe/)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `make chromium`")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluated through the DevTools protocol, not as a <script> tag: the pages' own
        # Content-Security-Policy (script-src 'self') rightly refuses inline scripts
        page.evaluate("() => { " + AXE.read_text(encoding="utf-8") + "\n}")
    result = page.evaluate(
        """async () => {
            const r = await window.axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}"
        for v in result
        if v["impact"] in BLOCKING
    ]


def no_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
