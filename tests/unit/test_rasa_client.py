"""The gateway's Rasa client with several Rasa processes: a conversation always reaches the
same process (its lock and its order of turns), and the conversations are spread over all."""

from __future__ import annotations

import httpx

from api.rasa_client import RasaClient

URLS = "http://127.0.0.1:5005, http://127.0.0.1:5006/"


def client(http: httpx.AsyncClient, rasa_url: str = URLS) -> RasaClient:
    return RasaClient(http, rasa_url=rasa_url, actions_url="http://a", token="t", timeout=5)


async def test_each_conversation_keeps_its_rasa_process_and_all_processes_get_some() -> None:
    seen: dict[str, set[str]] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        sender = request.read().decode().split('"sender":')[1].split('"')[1]
        seen.setdefault(sender, set()).add(f"{request.url.host}:{request.url.port}")
        return httpx.Response(200, json=[{"text": "ok"}])

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        rasa = client(http)
        for turn in range(3):
            for number in range(40):
                await rasa.send(sender=f"conv-{number}", text=f"turn {turn}", metadata={})
    assert all(len(ports) == 1 for ports in seen.values())
    used = set().union(*seen.values())
    assert used == {"127.0.0.1:5005", "127.0.0.1:5006"}


async def test_rasa_is_healthy_only_when_every_process_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200 if request.url.port == 5005 else 503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert await client(http, "http://127.0.0.1:5005").rasa_status() == "ok"
        status = await client(http).rasa_status()
    assert status.startswith("down: HTTP 503") and "5006" in status
