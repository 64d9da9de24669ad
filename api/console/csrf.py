"""CSRF protection for the console's forms: a random token in a cookie of its own, repeated in
every state-changing form (hidden field) or fetch (X-CSRF-Token header). Another site can
make a browser send our cookies, but cannot read them to repeat the token. A second line
behind SameSite=Lax and the Origin check."""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request, Response, status

COOKIE = "settle_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def secure_cookies(request: Request) -> bool:
    """Cookies only over https when the console is served over https (also behind a proxy
    that ends TLS: the public URL says so)."""
    public_url: str = request.app.state.settings.public_url
    return request.url.scheme == "https" or public_url.lower().startswith("https://")


def csrf_token(request: Request) -> str:
    """The browser's token, or a new one for this response (kept on the request so that one
    page gets one token)."""
    existing = request.cookies.get(COOKIE)
    if existing:
        return existing
    if not getattr(request.state, "new_csrf", None):
        request.state.new_csrf = secrets.token_urlsafe(32)
    token: str = request.state.new_csrf
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Sets the cookie when this page made a new token."""
    new = getattr(request.state, "new_csrf", None)
    if new and not request.cookies.get(COOKIE):
        response.set_cookie(
            COOKIE,
            new,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
            path="/console",
        )


async def check_csrf(request: Request) -> None:
    """Every console request that changes something repeats the cookie's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="the form's security token is missing or out of date; reload the page",
        )
