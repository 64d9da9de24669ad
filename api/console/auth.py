"""Who is asking: a collector signed in to the console, or the admin bearer token.

Pages send an anonymous visitor to the sign-in page; the handoff API answers 401. A request
that changes something on the strength of the cookie must come from our own pages (the
cookie is SameSite=Lax; the Origin check is a second line).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from api.auth import BearerCredentials, require_admin
from api.console.session import COOKIE, password_stamp, read_cookie
from api.deps import SessionDep
from receivables.collectors.service import get_collector
from receivables.db import session_scope
from receivables.errors import NotFound

_secret_lock = threading.Lock()
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Principal:
    """The person acting. `username` None: the admin bearer token."""

    username: str | None
    name: str
    role: str  # junior | senior | admin
    language: str | None = None  # the console's language they chose (nl | en)

    @property
    def actor(self) -> str:
        return f"collector:{self.username}" if self.username else "admin"

    @property
    def may_agree_outside_policy(self) -> bool:
        return self.role in ("senior", "admin")


ADMIN_TOKEN = Principal(username=None, name="Admin API", role="admin")


def cookie_secret(request: Request) -> bytes:
    """SETTLE_CONSOLE_SECRET, or one random secret for the life of this process."""
    state = request.app.state
    with _secret_lock:
        if getattr(state, "console_secret", None) is None:
            configured = state.settings.console_secret
            state.console_secret = (configured or secrets.token_urlsafe(32)).encode()
        secret: bytes = state.console_secret
    return secret


def signed_in(request: Request, session: Session) -> Principal | None:
    value = request.cookies.get(COOKIE)
    claims = read_cookie(value, cookie_secret(request)) if value else None
    if claims is None:
        return None
    try:
        collector = get_collector(session=session, username=claims.username)
    except NotFound:
        return None
    if not collector.active or password_stamp(collector.password_hash) != claims.stamp:
        return None
    return Principal(
        username=collector.username,
        name=collector.name,
        role=collector.role,
        language=collector.language,
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or request.method in SAFE_METHODS:
        return True
    ours = {request.headers.get("host", ""), urlsplit(request.app.state.settings.public_url).netloc}
    return urlsplit(origin).netloc in ours


def _check_origin(request: Request) -> None:
    if not _same_origin(request):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="cross-site request refused")


def console_user(request: Request, session: SessionDep) -> Principal:
    """For pages: the signed-in collector, else a redirect to the sign-in page."""
    principal = signed_in(request, session)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            detail="sign in first",
            headers={"Location": f"/console/login?next={quote(target)}"},
        )
    _check_origin(request)
    return principal


def console_user_or_401(request: Request, session: SessionDep) -> Principal:
    """For the console's own data endpoints (live updates): 401 instead of a redirect."""
    principal = signed_in(request, session)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="sign in to the console")
    _check_origin(request)
    return principal


def console_user_briefly(request: Request) -> Principal:
    """`console_user_or_401` in a unit of work of its own, closed at once: for streams, which
    would otherwise hold a database connection for as long as they run."""
    with session_scope(request.app.state.sessions) as session:
        return console_user_or_401(request, session)


def api_principal(request: Request, session: SessionDep, _: BearerCredentials) -> Principal:
    """For the handoff API: the admin bearer token or a console session, else 401."""
    if request.headers.get("authorization"):
        require_admin(request)
        return ADMIN_TOKEN
    principal = signed_in(request, session)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid admin bearer token or a console session is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    _check_origin(request)
    return principal


ConsoleUser = Annotated[Principal, Depends(console_user)]
ConsoleUserOr401 = Annotated[Principal, Depends(console_user_or_401)]
StreamUser = Annotated[Principal, Depends(console_user_briefly)]
ApiPrincipal = Annotated[Principal, Depends(api_principal)]
