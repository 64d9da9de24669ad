"""Rate limits at the HTTP edge: 429 with Retry-After. The counters live in Redis or the
database (receivables.ratelimits), shared by every gateway process."""

from __future__ import annotations

import asyncio

from fastapi import HTTPException, Request, status
from limits.storage import Storage

from api.client import exempt, request_address
from receivables.ratelimits.service import RateLimits, Verdict
from receivables.settings import Settings


def make_rate_limits(settings: Settings, storage: Storage) -> RateLimits:
    rules = {
        "conversation_messages": settings.rate_limit_conversation_messages,
        "address_messages": settings.rate_limit_address_messages,
        "address_new_conversations": settings.rate_limit_address_new_conversations,
        "login_account": settings.rate_limit_login_account,
        "login_address": settings.rate_limit_login_address,
    }
    return RateLimits(storage, rules)


class TooManyRequests(HTTPException):
    def __init__(self, verdict: Verdict) -> None:
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many requests; try again in {verdict.retry_after} seconds",
            headers={"Retry-After": str(verdict.retry_after)},
        )


def limits_of(request: Request) -> RateLimits:
    return request.app.state.rate_limits  # type: ignore[no-any-return]


async def enforce(request: Request, name: str, key: str | None = None) -> None:
    """Count this request against rule `name` for `key` (default: the client's address);
    429 when over the limit."""
    address = request_address(request)
    if exempt(request, address):
        return
    verdict = await asyncio.to_thread(limits_of(request).hit, name, key or address)
    if not verdict.allowed:
        raise TooManyRequests(verdict)


# --- console sign-in: every try counts per address; failures per account, in windows that
# grow (5 in 15 minutes, then 10 in an hour, ...): the longer someone guesses, the longer
# the wait. Sign-in routes are synchronous, so these are too.
def _account(username: str) -> str:
    return username.strip().lower()


def sign_in_allowed(request: Request, username: str) -> Verdict:
    address = request_address(request)
    if exempt(request, address):
        return Verdict(True)
    limits = limits_of(request)
    verdict = limits.hit("login_address", address)
    return verdict if not verdict.allowed else limits.check("login_account", _account(username))


def sign_in_failed(request: Request, username: str) -> None:
    if not exempt(request, request_address(request)):
        limits_of(request).hit("login_account", _account(username))


def sign_in_succeeded(request: Request, username: str) -> None:
    """The back-off starts over."""
    if not exempt(request, request_address(request)):
        limits_of(request).clear("login_account", _account(username))
