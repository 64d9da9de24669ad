"""The gateway's client for Rasa's REST channel and for the health of Rasa and the actions.

With several Rasa processes (SETTLE_RASA_URL lists them, comma separated) each conversation
always goes to the same one, chosen by a stable hash of its id: Rasa's in-memory lock then
still orders the turns of a conversation, and all processes share the tracker store."""

from __future__ import annotations

import time
import zlib
from typing import Any
from urllib.parse import quote

import httpx

from api.metrics import RASA_SECONDS


class AssistantUnavailable(Exception):
    """Rasa could not be reached, timed out or failed."""


class RasaClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        rasa_url: str,
        actions_url: str,
        token: str | None,
        timeout: float,
    ) -> None:
        self._http = http
        self._rasa_urls = [url.strip().rstrip("/") for url in rasa_url.split(",") if url.strip()]
        self._actions_url = actions_url.rstrip("/")
        self._token = token
        self._timeout = timeout

    async def send(
        self, *, sender: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """One debtor turn; returns Rasa's replies ({"text", "buttons"?, ...})."""
        started, outcome = time.perf_counter(), "error"
        try:
            replies = await self._send(sender=sender, text=text, metadata=metadata)
            outcome = "ok"
            return replies
        finally:
            RASA_SECONDS.labels(outcome=outcome).observe(time.perf_counter() - started)

    async def _send(
        self, *, sender: str, text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            response = await self._http.post(
                f"{self.rasa_url_for(sender)}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=self._timeout,
            )
            response.raise_for_status()
            replies = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AssistantUnavailable(str(exc) or type(exc).__name__) from exc
        if not isinstance(replies, list):
            raise AssistantUnavailable("unexpected reply from Rasa")
        return [r for r in replies if isinstance(r, dict)]

    async def start_new_session(self, *, sender: str) -> None:
        """The conversation's tracker starts a new session now, every slot back to its start
        (the gateway ended the verification after a quiet spell): Rasa's own events, appended
        through its HTTP API (under the conversation's lock)."""
        params = {"include_events": "NONE", **({"token": self._token} if self._token else {})}
        events = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
        url = f"{self.rasa_url_for(sender)}/conversations/{quote(sender, safe=':+@')}"
        try:
            response = await self._http.post(
                f"{url}/tracker/events", params=params, json=events, timeout=self._timeout
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise AssistantUnavailable(str(exc) or type(exc).__name__) from exc

    def rasa_url_for(self, sender: str) -> str:
        """The Rasa process of this conversation (the same one every turn, every restart)."""
        return self._rasa_urls[zlib.crc32(sender.encode()) % len(self._rasa_urls)]

    async def rasa_status(self) -> str:
        """ "ok" when every Rasa process answers, else the first problem."""
        params = {"token": self._token} if self._token else None
        path = "/status" if self._token else "/"
        for url in self._rasa_urls:
            if (status := await self._probe(f"{url}{path}", params)) != "ok":
                return status if len(self._rasa_urls) == 1 else f"{status} ({url})"
        return "ok"

    async def actions_status(self) -> str:
        return await self._probe(f"{self._actions_url}/health", None)

    async def _probe(self, url: str, params: dict[str, str] | None) -> str:
        try:
            response = await self._http.get(url, params=params, timeout=2.0)
        except httpx.HTTPError as exc:
            return f"down: {type(exc).__name__}"
        return "ok" if response.status_code == 200 else f"down: HTTP {response.status_code}"
