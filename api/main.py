"""The gateway's app factory: `uvicorn api.main:create_app --factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.console import STATIC_DIR as CONSOLE_STATIC
from api.errors import install_error_handlers
from api.flows.books_out import book_event_sender
from api.flows.channel_delivery import open_channel_senders
from api.flows.payment_news import make_provider
from api.outbound import Outbound, connect_change_bus
from api.rasa_client import RasaClient
from api.ratelimit import make_rate_limits
from api.request_id import RequestIdMiddleware
from api.routers import (
    books,
    channels_telegram,
    channels_twilio,
    console,
    conversations,
    debtors,
    handoffs,
    health,
    metrics,
    payments,
    policy,
    privacy,
    reminders,
    reports,
    webchat,
)
from api.routers.webchat import STATIC
from api.security_headers import SecurityHeaders
from receivables.db import dispose_engines, engine_for, make_session_factory
from receivables.logs import configure_logging
from receivables.policy.model import load_policy
from receivables.ratelimits.service import make_storage
from receivables.settings import Settings, get_settings, production_problems


def refuse_unsafe_start(settings: Settings) -> None:
    """Outside development, unsafe settings stop the start with one line saying why."""
    if problems := production_problems(settings):
        raise SystemExit(
            f"settle: refusing to start with SETTLE_ENV={settings.env}: " + "; ".join(problems)
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The gateway. `settings`: this process's (get_settings(), what uvicorn's factory call
    gets); the app, its routes and its flows use this one object (app.state.settings)."""
    settings = settings or get_settings()
    configure_logging(settings.log_format)
    refuse_unsafe_start(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = engine_for(settings.database_url)
        app.state.sessions = make_session_factory(engine)
        app.state.rate_limits = make_rate_limits(
            settings, make_storage(redis_url=settings.redis_url, sessions=app.state.sessions)
        )
        async with httpx.AsyncClient() as http:
            app.state.rasa = RasaClient(
                http,
                rasa_url=settings.rasa_url,
                actions_url=settings.actions_url,
                token=settings.rasa_token,
                timeout=settings.rasa_timeout,
            )
            async with (
                open_channel_senders(settings, app.state.sessions, app.state.outbound) as senders,
                book_event_sender(settings, app.state.sessions),
                connect_change_bus(settings, engine, app.state.outbound),
            ):
                app.state.channel_senders = senders
                yield
        dispose_engines()

    app = FastAPI(title="Settle", version="1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.policy = load_policy(settings.policy_file)  # a bad policy stops the start
    app.state.outbound = Outbound()
    app.state.payment_provider = make_provider(settings)
    install_error_handlers(app)
    if origins := [o.strip().rstrip("/") for o in settings.webchat_origins.split(",") if o.strip()]:
        # without credentials: the admin API needs its token and the console's cookie is
        # never sent cross-site, so only the public conversation API is of use to these pages
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-Conversation-Token"],
            allow_credentials=False,
        )
    app.include_router(metrics.router)
    for module in (
        health,
        conversations,
        debtors,
        privacy,
        handoffs,
        payments,
        policy,
        webchat,
        reminders,
        console,
        books,
        reports,
    ):
        app.include_router(module.router)
    for module in (channels_twilio, channels_telegram):
        app.include_router(module.router)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestIdMiddleware)  # outermost: its id is on every log line
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/console/static", StaticFiles(directory=CONSOLE_STATIC), name="console-static")
    return app
