"""WhatsApp and SMS through Twilio Messaging: parse the webhook, render replies as text with
numbered options, send them with twilio's async client.

Twilio posts every inbound message form-encoded to one webhook; "From" tells WhatsApp
("whatsapp:+31612345678") from SMS ("+31612345678"). The webhook is answered at once with an
empty <Response/>; replies go out through the REST API. WhatsApp allows free text only within
24 hours of the debtor's last message; after that a pre-approved template (a Content SID)
carries the text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from channels.base import DeliveryError, Inbound, Reply, conversation_id
from channels.twilio_signature import verify
from texts import text as channel_text

__all__ = ["TwilioMessaging", "empty_response", "parse", "render", "template_variables", "verify"]

WHATSAPP = "whatsapp"
SMS = "sms"
WINDOW = dt.timedelta(hours=24)
MAX_BODY = 1600
SEND_TIMEOUT = 15.0


def parse(params: Mapping[str, str]) -> Inbound | None:
    """An inbound WhatsApp or SMS message; None for what is no message (a status callback)."""
    sid = params.get("MessageSid") or params.get("SmsMessageSid")
    sender = params.get("From", "")
    if not sid or not sender or ("MessageStatus" in params and not params.get("Body")):
        return None
    channel = WHATSAPP if sender.startswith("whatsapp:") else SMS
    address = sender.removeprefix("whatsapp:")
    # a tap on a template's quick-reply button arrives as ButtonPayload
    text = (params.get("ButtonPayload") or params.get("Body") or "").strip()
    return Inbound(
        channel=channel,
        conversation_id=conversation_id(channel, address),
        delivery_id=sid,
        text=text,
        hint={"phone": address},
    )


def has_media(params: Mapping[str, str]) -> bool:
    return params.get("NumMedia", "0") not in ("", "0")


def empty_response() -> str:
    """The immediate answer to Twilio: no message from the webhook itself."""
    return str(MessagingResponse())


def _split(body: str, limit: int = MAX_BODY) -> list[str]:
    """Twilio takes at most 1600 characters a message: cut at line or word ends."""
    parts: list[str] = []
    while len(body) > limit:
        cut = body.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = body.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(body[:cut].rstrip())
        body = body[cut:].lstrip()
    return [*parts, body] if body else parts


def render(reply: Reply) -> list[str]:
    """Message bodies: the text, then the buttons as numbered options ("1. Mijn saldo")."""
    body = reply.text.strip()
    if reply.buttons:
        options = "\n".join(f"{i}. {b.title}" for i, b in enumerate(reply.buttons, start=1))
        hint = channel_text("messaging.choose_by_number", reply.language)
        body = f"{body}\n\n{options}\n\n{hint}"
    return _split(body)


def template_variables(reply: Reply) -> dict[str, str]:
    """The template's {{1}}: the whole text on one line (WhatsApp refuses newlines, tabs and
    runs of spaces in variables)."""
    flat = re.sub(r"\s+", " ", "\n".join(render(reply))).strip()
    return {"1": flat[:1000]}


class _TimedHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """twilio's aiohttp client, with a timeout on every request (it has none by default)."""

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = kwargs.get("timeout") or SEND_TIMEOUT
        return await super().request(method, url, *args, **kwargs)


class TwilioMessaging:
    """The Channel for WhatsApp or SMS (one instance each)."""

    def __init__(
        self,
        *,
        name: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        api_url: str | None = None,
        templates: Mapping[str, str] | None = None,
    ) -> None:
        self._name = name
        self._sender = sender.removeprefix("whatsapp:")
        self._templates = {k: v for k, v in (templates or {}).items() if v}
        self._http = _TimedHttpClient()
        self._client = Client(account_sid, auth_token, http_client=self._http)
        if api_url:
            self._client.api.base_url = api_url.rstrip("/")

    @property
    def name(self) -> str:
        return self._name

    @property
    def window(self) -> dt.timedelta | None:
        return WINDOW if self._name == WHATSAPP else None

    def _address(self, number: str) -> str:
        return f"whatsapp:{number}" if self._name == WHATSAPP else number

    async def send(self, address: str, reply: Reply) -> None:
        to, from_ = self._address(address), self._address(self._sender)
        if reply.outside_window:
            content_sid = self._templates.get(reply.language) or self._templates.get("nl")
            if not content_sid:
                raise DeliveryError(
                    "outside WhatsApp's 24-hour window and no template configured",
                    permanent=True,
                )
            variables = json.dumps(template_variables(reply), ensure_ascii=False)
            await self._create(
                to=to, from_=from_, content_sid=content_sid, content_variables=variables
            )
            return
        for body in render(reply):
            await self._create(to=to, from_=from_, body=body)

    async def _create(self, **fields: str) -> None:
        try:
            await self._client.messages.create_async(**fields)
        except TwilioRestException as exc:
            retryable = exc.status == 429 or exc.status >= 500
            raise DeliveryError(f"Twilio {exc.status}: {exc.msg}", permanent=not retryable) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"Twilio unreachable: {exc!r}") from exc

    async def close(self) -> None:
        await self._http.close()
