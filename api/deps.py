"""Dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from api.auth import admin
from api.outbound import Outbound
from api.rasa_client import RasaClient
from payment_providers.base import PaymentProvider
from receivables.db import session_scope
from receivables.policy.model import Policy
from receivables.settings import Settings


def get_db(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.sessions) as session:
        yield session


def app_settings(request: Request) -> Settings:
    """The settings the app was made with (not get_settings(): a test's app has its own)."""
    return request.app.state.settings  # type: ignore[no-any-return]


def get_policy(request: Request) -> Policy:
    return request.app.state.policy  # type: ignore[no-any-return]


def get_outbound(request: Request) -> Outbound:
    return request.app.state.outbound  # type: ignore[no-any-return]


def get_provider(request: Request) -> PaymentProvider:
    return request.app.state.payment_provider  # type: ignore[no-any-return]


def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa  # type: ignore[no-any-return]


# committed before the response goes out: a client that gets 201 can use what it created
SessionDep = Annotated[Session, Depends(get_db, scope="function")]
SettingsDep = Annotated[Settings, Depends(app_settings)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
OutboundDep = Annotated[Outbound, Depends(get_outbound)]
ProviderDep = Annotated[PaymentProvider, Depends(get_provider)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
AdminDep = Depends(admin)
# a row's id in a path: our ids are 32-bit integers on PostgreSQL, so anything outside
# answers 422 in JSON (not an overflow deep in the database driver)
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
