"""A fake Twilio REST API: Messages.json, as twilio-python's client calls it.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form-encoded, HTTP basic auth)
-> 201 with a Message resource; 401 for a wrong SID or token; queued failures first
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl

from tests.fakes.loopback import Handler, serve

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    url: str = ""
    # every accepted message's form fields, in order
    messages: list[dict[str, str]] = field(default_factory=list)
    # statuses to answer the next requests with before accepting any (500, 429, 400, ...)
    failures: list[int] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self, to: str | None = None) -> list[str]:
        return [m.get("Body", "") for m in self.messages if to is None or m["To"] == to]


def _handler(fake: FakeTwilio) -> type[Handler]:
    class TwilioHandler(Handler):
        def do_POST(self) -> None:  # noqa: N802
            match = _MESSAGES.match(self.path)
            form = dict(parse_qsl(self.body().decode(), keep_blank_values=True))
            if not match:
                return self.answer(404, {"code": 20404, "message": "not found", "status": 404})
            expected = f"{fake.account_sid}:{fake.auth_token}".encode()
            auth = self.headers.get("Authorization", "")
            if (
                match[1] != fake.account_sid
                or auth != f"Basic {base64.b64encode(expected).decode()}"
            ):
                return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            with fake.lock:
                fake.attempts += 1
                failure = fake.failures.pop(0) if fake.failures else None
                if failure is None:
                    fake.messages.append(form)
                    number = len(fake.messages)
            if failure is not None:
                code = 21211 if failure == 400 else 20500
                return self.answer(failure, {"code": code, "message": "failed", "status": failure})
            if "To" not in form or not ("Body" in form or "ContentSid" in form):
                return self.answer(400, {"code": 21602, "message": "Body required", "status": 400})
            self.answer(
                201,
                {
                    "sid": f"SM{number:032d}",
                    "account_sid": fake.account_sid,
                    "to": form["To"],
                    "from": form.get("From"),
                    "body": form.get("Body", ""),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "date_created": "Thu, 12 Mar 2026 10:00:00 +0000",
                    "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/SM{number:032d}.json",
                },
            )

    return TwilioHandler


@contextmanager
def fake_twilio(
    account_sid: str = "AC" + "0" * 32, auth_token: str = "twilio-token"
) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(account_sid, auth_token)
    with serve(ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))) as url:
        fake.url = url
        yield fake
