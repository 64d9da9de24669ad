"""Two gateways and two Rasa servers on one PostgreSQL and one Redis: one debtor's turns
alternate between them and the conversation stays coherent (a form started on one Rasa is
finished on the other), no message is stored twice, and a message posted through one gateway
wakes a long-poll waiting on the other (through the change bus).

Rasa's stores are configured here, in the test's own endpoints file: its SQL tracker store
in the test's PostgreSQL schema and its Redis lock store under the test's own key prefix.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.routers.conversations import LOOK_WITH_BUS
from settle.stack import Stack, free_port
from tests.conftest import POSTGRES_URL
from tests.integration.talk import create_debtor, texts

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
ENDPOINTS = """\
action_endpoint:
  url: ${{SETTLE_ACTIONS_URL}}/webhook
tracker_store:
  type: SQL
  url: "{tracker}"
lock_store:
  type: redis
  url: 127.0.0.1
  port: 6379
  db: 0
  key_prefix: {prefix}
"""


class Replicas(Stack):
    """The stack (actions, Rasa, gateway, workers, follow-up job) plus a second Rasa and a
    second gateway that talks to it; every Rasa with the test's endpoints file."""

    endpoints: Path
    rasa_port_2: int
    api_port_2: int

    @property
    def api_url_2(self) -> str:
        return f"http://127.0.0.1:{self.api_port_2}"

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        rasa = [
            str(self.endpoints) if part == "bot/endpoints.yml" else part
            for part in commands["rasa"]
        ]
        port = rasa.index("--port") + 1
        second_rasa = [*rasa[:port], str(self.rasa_port_2), *rasa[port + 1 :]]
        api = commands["api"]
        port = api.index("--port") + 1
        second_api = [
            "/usr/bin/env",
            f"SETTLE_RASA_URL=http://127.0.0.1:{self.rasa_port_2}",
            *api[:port],
            str(self.api_port_2),
            *api[port + 1 :],
        ]
        return {
            "actions": commands["actions"],
            "rasa": rasa,
            "rasa-2": second_rasa,
            "api": api,
            "api-2": second_api,
            "workers": commands["workers"],
            "followup": commands["followup"],
        }


@pytest.fixture(scope="module")
def schema() -> Iterator[str]:
    name = f"settle_replicas_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # no skip: an unreachable server fails the test
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, schema: str) -> Iterator[Replicas]:
    workdir = tmp_path_factory.mktemp("replicas")
    prefix = f"settletest{uuid.uuid4().hex[:8]}"
    tracker = f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(ENDPOINTS.format(tracker=tracker, prefix=prefix))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SETTLE_REDIS_URL", REDIS_URL)
        env.setenv("SETTLE_REDIS_KEY_PREFIX", prefix)
        stack = Replicas(
            root=ROOT,
            database_url=f"{POSTGRES_URL}?options=-csearch_path%3D{schema}",
            rasa_port=free_port(),
            actions_port=free_port(),
            api_port=free_port(),
            admin_token=secrets.token_urlsafe(16),
            rasa_token=secrets.token_urlsafe(16),
            log_dir=workdir / "logs",
            pid_dir=workdir / "run",
        )
        stack.endpoints, stack.rasa_port_2, stack.api_port_2 = endpoints, free_port(), free_port()
        with stack:
            stack.wait_healthy(timeout=600)
            wait_healthy(stack, stack.api_url_2)
            yield stack


def wait_healthy(stack: Stack, url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, stack.report(f"{url} never healthy")
        time.sleep(1)


class Debtor:
    """One web chat conversation, spoken through whichever gateway a turn is sent to."""

    def __init__(self) -> None:
        self.conversation_id = f"it-{uuid.uuid4().hex[:12]}"
        self.headers: dict[str, str] = {}

    def url(self, base: str) -> str:
        return f"{base}/api/v1/conversations/{self.conversation_id}/messages"

    def say(self, base: str, words: str) -> dict[str, Any]:
        response = httpx.post(
            self.url(base), json={"text": words}, headers=self.headers, timeout=120
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if token := body.get("conversation_token"):
            self.headers["X-Conversation-Token"] = token
        return body

    def read(self, base: str, **params: Any) -> dict[str, Any]:
        response = httpx.get(self.url(base), params=params, headers=self.headers, timeout=120)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def test_one_debtor_alternating_between_replicas(replicas: Replicas) -> None:
    admin = httpx.Client(
        base_url=replicas.api_url,
        headers={"Authorization": f"Bearer {replicas.admin_token}"},
        timeout=60,
    )
    with admin:
        debtor = create_debtor(admin, language="nl", invoices=[("F1", "1000.00"), ("F2", "234.56")])
    one, two = replicas.api_url, replicas.api_url_2
    chat = Debtor()

    asked = chat.say(one, "hoeveel moet ik nog betalen?")  # gateway 1, Rasa 1
    assert "klantnummer" in texts(asked).lower()
    second = chat.say(two, debtor["reference"])  # gateway 2, Rasa 2: the form goes on
    assert "geboortedatum" in texts(second)
    third = chat.say(one, "12-03-1985")  # back to 1: verified, with the balance
    assert "€ 1.234,56" in texts(third), texts(third)
    fourth = chat.say(two, "welke facturen staan nog open?")  # 2 knows she is verified
    assert "F1-" in texts(fourth) and "F2-" in texts(fourth), texts(fourth)

    # a long-poll waiting on gateway 2 is woken by a message posted through gateway 1: the
    # poll starts first and is still waiting when the message is posted, and it returns
    # with the message at once, not at its own next look at the database (LOOK_WITH_BUS)
    last = chat.read(two)["messages"][-1]["id"]
    polled: dict[str, Any] = {}

    def long_poll() -> None:
        polled.update(chat.read(two, after=last, wait=25))
        polled["at"] = time.monotonic()

    started = time.monotonic()
    poll = threading.Thread(target=long_poll, daemon=True)
    poll.start()
    time.sleep(1.0)
    assert poll.is_alive(), "the poll answered before anything was posted"
    chat.say(one, "dank u wel")
    said = time.monotonic()
    poll.join(timeout=60)
    assert [m["text"] for m in polled["messages"] if m["sender"] == "debtor"] == ["dank u wel"]
    woken, waited = polled["at"] - said, polled["at"] - started
    own_look = LOOK_WITH_BUS - 0.5 <= waited <= LOOK_WITH_BUS + 1.5
    assert woken < 2.0 and not own_look, f"woken {woken:.1f} s after the post, {waited:.1f} s in"

    everything = chat.read(one)["messages"]
    ids = [m["id"] for m in everything]
    assert len(ids) == len(set(ids))
    assert [m["text"] for m in everything if m["sender"] == "debtor"] == [
        "hoeveel moet ik nog betalen?",
        debtor["reference"],
        "12-03-1985",
        "welke facturen staan nog open?",
        "dank u wel",
    ]
    assert chat.read(two)["messages"] == everything  # both gateways see one conversation
