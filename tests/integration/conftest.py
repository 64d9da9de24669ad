"""Start the real system once per test session: Rasa with the trained model, the action
server and the gateway, on free loopback ports and a fresh SQLite database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from settle.stack import Stack
from tests.conversation_tokens import keep_tokens
from tests.integration.gateways import stack_in

# Rasa loads its model in 40-60 s on a quiet machine; much longer when the cores are shared
START_TIMEOUT = 400


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    with stack_in(workdir) as running:
        running.wait_healthy(timeout=START_TIMEOUT)
        yield running


@pytest.fixture(scope="session")
def api(stack: Stack) -> Iterator[httpx.Client]:
    with keep_tokens(httpx.Client(base_url=stack.api_url, timeout=60)) as client:
        yield client


@pytest.fixture(scope="session")
def admin(stack: Stack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {stack.admin_token}"}
    with httpx.Client(base_url=stack.api_url, headers=headers, timeout=60) as client:
        yield client
