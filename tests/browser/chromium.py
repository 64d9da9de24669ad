"""Shared by the browser tests: Debian's Chromium through Playwright, and a gateway under
uvicorn on a free port with a temporary SQLite database and a given (fake) Rasa."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from receivables.db import make_engine, make_session_factory
from receivables.migrate import upgrade
from tests.integration.gateways import gateway_process

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
    """A real gateway process (as `make run` starts it) on a fresh SQLite database, with
    `rasa` answering as Rasa and as the action server."""
    database_url = f"sqlite:///{workdir / 'settle.db'}"
    upgrade(database_url)
    fake = ThreadingHTTPServer(("127.0.0.1", 0), rasa)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    rasa_url = f"http://127.0.0.1:{fake.server_port}"
    engine = make_engine(database_url)
    try:
        with gateway_process(
            workdir / "api.log",
            database_url=database_url,
            admin_token=admin_token,
            rasa_url=rasa_url,
            actions_url=rasa_url,
        ) as url:
            yield Gateway(url, make_session_factory(engine))
    finally:
        engine.dispose()
        fake.shutdown()


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
