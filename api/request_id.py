"""Every request gets an id: the caller's X-Request-ID when it is a sensible one (a proxy's or
a load balancer's), otherwise a new one. It is on every log line written for the request
(receivables.logs) and echoed back in the response's X-Request-ID."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from receivables.logs import request_id

HEADER = "X-Request-ID"
# what we accept from outside: no spaces or control characters that could forge log lines
ACCEPTABLE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def choose_request_id(incoming: str | None) -> str:
    if incoming and ACCEPTABLE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware): the context variable holds for everything the
    request runs, background tasks after the response included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(HEADER.lower().encode(), b"").decode("latin-1")
        value = choose_request_id(incoming)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = value
            await send(message)

        token = request_id.set(value)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
