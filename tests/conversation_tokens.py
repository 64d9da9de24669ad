"""What the web chat widget does with a conversation's secret, for test clients: the secret
from the first answer is kept per conversation and sent with every later request."""

from __future__ import annotations

import json
import re
from typing import TypeVar
from urllib.parse import unquote

import httpx

from receivables.conversations.access import hash_token
from receivables.models import Conversation

# the secret of conversations the tests write straight into the database (seed_token)
SEEDED_TOKEN = "seeded-conversation-secret"
PATH = re.compile(r"/api/v1/conversations/([^/]+)/messages$")
C = TypeVar("C", bound=httpx.Client)


class ConversationTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def on_request(self, request: httpx.Request) -> None:
        match = PATH.search(request.url.path)
        if match and "x-conversation-token" not in request.headers:
            token = self.tokens.get(unquote(match.group(1)), SEEDED_TOKEN)
            if token:
                request.headers["X-Conversation-Token"] = token

    def on_response(self, response: httpx.Response) -> None:
        match = PATH.search(response.request.url.path)
        if not match or response.request.method != "POST" or response.status_code != 200:
            return
        response.read()
        token = json.loads(response.content).get("conversation_token")
        if token:
            self.tokens[unquote(match.group(1))] = token


def keep_tokens(client: C) -> C:
    """`client` with the widget's behaviour installed, and the console page's: a form
    repeats the CSRF cookie's token (returns the same client)."""
    tokens = ConversationTokens()

    def console_csrf(request: httpx.Request) -> None:
        if not request.url.path.startswith("/console") or request.method == "GET":
            return
        if "x-csrf-token" in request.headers:
            return
        token = client.cookies.get("settle_csrf") or "test-csrf-token"
        client.cookies.set("settle_csrf", token, path="/console")
        request.headers["X-CSRF-Token"] = token
        # the cookie header was built before this hook: send the token in it as well
        cookies = [c for c in request.headers.get("cookie", "").split("; ") if c]
        if not any(c.startswith("settle_csrf=") for c in cookies):
            request.headers["cookie"] = "; ".join([*cookies, f"settle_csrf={token}"])

    client.event_hooks["request"].extend([tokens.on_request, console_csrf])
    client.event_hooks["response"].append(tokens.on_response)
    return client


def seed_token(conversation: Conversation) -> None:
    """A conversation made in the database directly: the secret the test clients send."""
    conversation.token_hash = hash_token(SEEDED_TOKEN)
