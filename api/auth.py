"""The admin bearer token, compared in constant time."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

# declared so that OpenAPI shows the scheme; the check itself is require_admin's
bearer = HTTPBearer(auto_error=False, description="SETTLE_ADMIN_TOKEN")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require_admin(request: Request) -> None:
    expected = request.app.state.settings.admin_token
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if (
        not expected
        or scheme.lower() != "bearer"
        or not hmac.compare_digest(token.strip().encode(), expected.encode())
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid admin bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


def admin(request: Request, _: BearerCredentials) -> None:
    """The admin token as a dependency (with the bearer scheme in OpenAPI)."""
    require_admin(request)
