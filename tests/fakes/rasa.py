"""A fake Rasa server: the REST channel webhook answered by a script, health always ok.

POST /webhooks/rest/webhook {"sender", "message", "metadata"} -> [{"text", "buttons"?}]
POST /conversations/<id>/tracker/events [events] -> {} (kept in `appended`, in order with
     the messages in `calls`)
GET  /status, /health, / -> {"status": "ok"}
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from receivables.db import make_engine, make_session_factory, session_scope
from receivables.verification.lockout import LockoutRule
from receivables.verification.service import find_second_factor, verify_identity
from tests.fakes.loopback import Handler, serve

Script = Callable[[dict[str, Any]], list[dict[str, Any]]]


def echo(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"text": f"echo: {body['message']}"}]


@dataclass
class FakeRasa:
    script: Script = echo
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    # events appended to a conversation's tracker: (conversation id, events)
    appended: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    # "message" and "events", in the order they came
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[str]:
        return [str(r["message"]) for r in self.received]


def _handler(fake: FakeRasa) -> type[Handler]:
    class RasaHandler(Handler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.body())
            path = urlsplit(self.path).path
            if path.startswith("/conversations/") and path.endswith("/tracker/events"):
                conversation = unquote(path.removeprefix("/conversations/").split("/tracker")[0])
                with fake.lock:
                    fake.appended.append((conversation, body))
                    fake.calls.append("events")
                self.answer(200, {})
                return
            with fake.lock:
                fake.received.append(body)
                fake.calls.append("message")
            self.answer(200, fake.script(body))

        def do_GET(self) -> None:  # noqa: N802
            self.answer(200, {"status": "ok"})

    return RasaHandler


@contextmanager
def fake_rasa(script: Script = echo) -> Iterator[FakeRasa]:
    fake = FakeRasa(script)
    with serve(ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))) as url:
        fake.url = url
        yield fake


def verifying_bot(database_url: str) -> Any:
    """A fake Rasa whose only skill is the real verification service: "<reference> <factor>"."""
    factory = make_session_factory(make_engine(database_url))

    def script(body: dict[str, Any]) -> list[dict[str, Any]]:
        reference, _, factor = str(body["message"]).partition(" ")
        with session_scope(factory) as session:
            result = verify_identity(
                session=session,
                conversation_id=str(body["sender"]),
                reference=reference,
                factor=find_second_factor(factor),
                lockout=LockoutRule(),
            )
        word = "verified" if result.verified else "paused" if result.paused else "no match"
        return [{"text": word}]

    return script
