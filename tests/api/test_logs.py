"""Logs an operator can follow: JSON lines with SETTLE_LOG_FORMAT=json, each with the request
id (the caller's X-Request-ID or a new one, echoed back) and the conversation id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from receivables.logs import configure_logging
from receivables.settings import Settings
from tests.fakes.gateway import make_client
from tests.fakes.rasa import fake_rasa


@pytest.fixture
def json_client(tmp_path: Path) -> Iterator[TestClient]:
    with fake_rasa() as rasa, make_client(tmp_path, rasa.url, log_format="json") as client:
        yield client
    configure_logging("text")  # the next tests log as usual


def capture() -> io.StringIO:
    """What the handler configure_logging installed writes, from now on."""
    (handler,) = [h for h in logging.getLogger().handlers if getattr(h, "settle", False)]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    return buffer


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_json_lines_carry_the_request_and_the_conversation(json_client: TestClient) -> None:
    logs = capture()
    answer = json_client.post(
        "/api/v1/conversations/log-1/messages",
        json={"text": "hoi"},
        headers={"X-Request-ID": "edge-4711"},
    )
    assert answer.status_code == 200
    assert answer.headers["X-Request-ID"] == "edge-4711"
    lines = json_lines(logs.getvalue())
    turn = [line for line in lines if line.get("conversation_id") == "log-1"]
    assert turn, f"no log line of the turn in {lines}"
    for line in turn:
        assert line["request_id"] == "edge-4711"
        assert {"time", "level", "logger", "message"} <= line.keys()


def test_a_request_without_an_id_gets_one(json_client: TestClient) -> None:
    first = json_client.get("/livez").headers["X-Request-ID"]
    second = json_client.get("/livez").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_an_id_that_could_forge_log_lines_is_replaced(json_client: TestClient) -> None:
    answer = json_client.get("/livez", headers={"X-Request-ID": 'x" "level": "ERROR'})
    assert answer.headers["X-Request-ID"] != 'x" "level": "ERROR'
    assert len(answer.headers["X-Request-ID"]) == 32


def test_plain_text_stays_the_default() -> None:
    assert Settings().log_format == "text"
    configure_logging("text")
    logs = capture()
    logging.getLogger("settle.test").warning("plain as before")
    err = logs.getvalue()
    assert "WARNING settle.test plain as before" in err
    assert not json_lines(err)
