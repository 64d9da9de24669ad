"""The gateway app for channel tests: a migrated SQLite file, a fake Rasa, channel settings,
and Twilio-signed requests built with twilio's own RequestValidator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from api.main import create_app
from receivables.migrate import upgrade
from receivables.settings import Settings
from tests.conversation_tokens import keep_tokens

PUBLIC_URL = "https://settle.example.com"


def make_client(tmp_path: Path, rasa_url: str, **settings: Any) -> TestClient:
    """The gateway in-process on a fresh SQLite database; `settings` add to or replace the
    defaults (a channel's keys, another public URL). The client keeps conversation secrets
    and console form tokens as the pages do."""
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    upgrade(url)
    defaults: dict[str, Any] = {
        "database_url": url,
        "admin_token": "secret-admin",
        "rasa_url": rasa_url,
        "actions_url": rasa_url,
        "rasa_token": "t",
        "rasa_timeout": 5,
        "public_url": PUBLIC_URL,
    }
    return keep_tokens(TestClient(create_app(Settings(**{**defaults, **settings}))))


def twilio_post(
    client: TestClient,
    target: str,
    params: dict[str, str],
    *,
    token: str,
    signature: str | None = None,
    signed_url: str | None = None,
) -> httpx.Response:
    """POST form params to `target` (a path with query, or an absolute public URL) as Twilio
    does, signed for the public URL unless a signature is given."""
    path = target.removeprefix(PUBLIC_URL)
    if signature is None:
        url = signed_url or PUBLIC_URL + path
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response: httpx.Response = client.post(path, data=params, headers=headers)
    return response
