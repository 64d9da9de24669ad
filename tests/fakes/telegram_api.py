"""A fake Telegram Bot API, as python-telegram-bot calls it.

POST /bot<token>/<method>   parameters form-encoded (PTB: nested objects as JSON strings)
                            or as a JSON body (both are documented)
-> {"ok": true, "result": ...}; 401 for a wrong token; queued failures first
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.loopback import Handler, serve

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Settle", "username": "settle_bot"}


@dataclass
class FakeTelegram:
    token: str
    url: str = ""
    # (method, parameters) of every accepted call, in order
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # statuses to answer the next requests with (500, 400, 429, ...)
    failures: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        """What Bot(base_url=...) takes: the token is appended."""
        return f"{self.url}/bot"

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]


def _parameters(content_type: str, body: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = json.loads(value) if value[:1] in "{[" else value
        except ValueError:
            params[key] = value
    return params


def _result(method: str, params: dict[str, Any], number: int) -> Any:
    if method == "getMe":
        return BOT_USER
    if method == "sendMessage":
        chat = {"id": int(params["chat_id"]), "type": "private"}
        return {
            "message_id": number,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
    return True


def _handler(fake: FakeTelegram) -> type[Handler]:
    class TelegramHandler(Handler):
        def do_POST(self) -> None:  # noqa: N802
            prefix, _, method = self.path.lstrip("/").partition("/")
            params = _parameters(self.headers.get("Content-Type", ""), self.body())
            if prefix != f"bot{fake.token}":
                return self.answer(
                    401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                )
            with fake.lock:
                failure = fake.failures.pop(0) if fake.failures else None
                if failure is None:
                    fake.calls.append((method, params))
                    number = len(fake.calls)
            if failure is not None:
                extra = {"parameters": {"retry_after": 0}} if failure == 429 else {}
                return self.answer(
                    failure, {"ok": False, "error_code": failure, "description": "failed", **extra}
                )
            if method == "sendMessage" and not params.get("text"):
                return self.answer(
                    400,
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "Bad Request: message text is empty",
                    },
                )
            self.answer(200, {"ok": True, "result": _result(method, params, number)})

    return TelegramHandler


@contextmanager
def fake_telegram(token: str = "123456:TEST-token") -> Iterator[FakeTelegram]:
    fake = FakeTelegram(token)
    with serve(ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))) as url:
        fake.url = url
        yield fake
