"""Twilio's webhook signature (X-Twilio-Signature), shared by messaging and voice. Pure.

Twilio signs the exact URL it called, so the URL is rebuilt from the configured public URL
(SETTLE_PUBLIC_URL) and the request's path and query, never from the Host header a proxy
may have rewritten.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from twilio.request_validator import RequestValidator, get_signature_algorithm

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"


class _Params:
    """POST parameters as RequestValidator reads them, repeated names included."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._items = items

    def __iter__(self) -> Iterator[str]:
        return iter({name for name, _ in self._items})

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self._items if key == name]


def public_url(base: str, path: str, query: str = "") -> str:
    """The URL Twilio called: "https://settle.example.com/channels/twilio/voice/turn?n=2"."""
    return base.rstrip("/") + path + (f"?{query}" if query else "")


def verify(
    *,
    auth_token: str,
    url: str,
    params: Sequence[tuple[str, str]],
    signature: str | None,
    signature_settings: str | None = None,
) -> bool:
    """True when `signature` is Twilio's signature of url + params with the auth token."""
    if not signature:
        return False
    algorithm = get_signature_algorithm(signature_settings)
    validator = RequestValidator(auth_token)
    return bool(validator.validate(url, _Params(params), signature, algorithm=algorithm))
