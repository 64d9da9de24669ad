"""GET /metrics: what an operator's Prometheus reads from a gateway (api/metrics.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from channels.base import DeliveryError
from receivables.db import session_scope
from receivables.handoffs.service import create_handoff
from settle.stack import free_port
from tests.fakes.gateway import make_client
from tests.fakes.rasa import fake_rasa
from tests.unit.test_channels_senders import ScriptedChannel, senders_with, stored


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with fake_rasa() as rasa, make_client(tmp_path, rasa.url) as test_client:
        yield test_client


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of one scrape, by name and labels; the text must parse as Prometheus'."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_scrape_declares_every_figure(client: TestClient) -> None:
    text = client.get("/metrics").text
    for name in (
        "settle_turn_seconds",
        "settle_rasa_request_seconds",
        "settle_deliveries_failed_total",
        "settle_handoffs_waiting",
        "settle_inbox_depth",
        "settle_outbox_depth",
    ):
        assert f"# HELP {name} " in text, name
    assert value(scrape(client), "settle_metrics_database_up") == 1


def test_a_web_chat_turn_is_timed_with_its_rasa_call(client: TestClient) -> None:
    before = scrape(client)
    answer = client.post("/api/v1/conversations/m-1/messages", json={"text": "hoi"})
    assert answer.status_code == 200
    after = scrape(client)
    turns = "settle_turn_seconds_count"
    assert value(after, turns, channel="webchat") == value(before, turns, channel="webchat") + 1
    rasa = "settle_rasa_request_seconds_count"
    assert value(after, rasa, outcome="ok") == value(before, rasa, outcome="ok") + 1
    assert value(after, "settle_turn_seconds_sum", channel="webchat") > 0


def test_rasa_down_counts_as_an_error_and_the_handoff_waits(tmp_path: Path) -> None:
    with make_client(tmp_path, f"http://127.0.0.1:{free_port()}") as client:
        before = scrape(client)
        client.post("/api/v1/conversations/m-2/messages", json={"text": "hallo"})
        after = scrape(client)
    rasa = "settle_rasa_request_seconds_count"
    assert value(after, rasa, outcome="error") == value(before, rasa, outcome="error") + 1
    assert value(after, "settle_handoffs_waiting", level="junior") == 1
    assert value(after, "settle_handoffs_waiting", level="senior") == 0


def test_handoffs_waiting_is_read_from_the_database(client: TestClient) -> None:
    """Whichever gateway made them: the figure comes from the database at scrape time."""
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    with session_scope(sessions) as session:
        for number, level in enumerate(("senior", "senior", "junior")):
            create_handoff(
                session=session,
                conversation_id=f"h-{number}",
                reason="dispute",
                level=level,
                actor="system",
            )
    samples = scrape(client)
    assert value(samples, "settle_handoffs_waiting", level="senior") == 2
    assert value(samples, "settle_handoffs_waiting", level="junior") == 1


def test_a_delivery_that_fails_for_good_is_counted(client: TestClient) -> None:
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    metric = "settle_deliveries_failed_total"
    before = value(scrape(client), metric, channel="telegram")
    channel = ScriptedChannel("telegram", [DeliveryError("gone", permanent=True)])
    message = stored(sessions, "telegram:7", "Wij hebben € 50,00 ontvangen.")
    # a permanent failure: the outbox gives up at once, visibly
    asyncio.run(senders_with(sessions, channel, []).push("telegram:7", [message]))
    assert value(scrape(client), metric, channel="telegram") == before + 1


def test_the_inbox_and_outbox_depths_are_read_from_the_database(client: TestClient) -> None:
    samples = scrape(client)
    assert ("settle_inbox_depth", ()) in samples and ("settle_outbox_depth", ()) in samples
    assert value(samples, "settle_inbox_depth") == value(samples, "settle_outbox_depth") == 0
