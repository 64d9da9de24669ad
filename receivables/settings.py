"""All settings, from environment variables prefixed SETTLE_ (see README). The one place that
reads the environment.

One settings object per process: an entry point (the gateway's app factory, each `settle`
command) builds it once and passes it on; code that no entry point of ours calls (the
action server's actions, Alembic's env.py) reads the process's one through get_settings().
Tests and tools build their own with settings_from(environ)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from receivables.db import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SETTLE_", extra="ignore")

    # "development" (make run, the tests) or anything else (production, staging): outside
    # development the gateway refuses to start with unsafe settings (see production_problems)
    env: str = "production"
    database_url: str = DEFAULT_DATABASE_URL
    # required for the admin API; `make run` generates one when it is not set
    admin_token: str | None = None
    # several Rasa processes: their URLs, comma separated (one per conversation, by hash)
    rasa_url: str = "http://127.0.0.1:5005"
    # Rasa's HTTP API token (rasa run --auth-token); sent as ?token= on API calls
    rasa_token: str | None = None
    actions_url: str = "http://127.0.0.1:5055"
    policy_file: str | None = None
    host: str = "127.0.0.1"
    # the ports `make run` serves Rasa and the action server on
    rasa_port: int = 5005
    actions_port: int = 5055
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    # payments: "local" (our own checkout page, for development and tests) or "mollie"
    payment_provider: Literal["local", "mollie"] = "local"
    mollie_api_key: str | None = None
    # only to point the client at a test server; Mollie's own endpoint otherwise
    mollie_api_url: str | None = None
    # creditor sites that embed the web chat (comma separated origins, "https://www.example.nl");
    # empty: the web chat works only on the gateway's own pages
    webchat_origins: str = ""
    # seconds the gateway waits for one Rasa turn before telling the debtor a person will help
    rasa_timeout: float = 30.0
    # Redis (redis://host:6379/0), shared by the replicas: live updates between gateways,
    # Rasa's lock store, rate limits; unset: PostgreSQL's LISTEN/NOTIFY on PostgreSQL,
    # polling on SQLite, rate limits in the database
    redis_url: str | None = None
    redis_key_prefix: str = "settle"
    # seconds a worker may hold a channel message before another worker takes it over (a
    # crashed process's claim runs out); longer than a turn can take
    inbox_lease_seconds: float = 120.0
    # Rasa: how many Rasa processes `make run` starts (None: one per core, as memory allows)
    # and where they keep conversations (None: next to the app's database; see README)
    rasa_workers: int | None = Field(default=None, ge=1, le=16)
    tracker_store_url: str | None = None
    # signs the collector console's session cookie; unset: a random one per process (every
    # restart logs the collectors out)
    console_secret: str | None = None
    # a senior case nobody claimed for this many minutes shows in the juniors' queue too
    handoff_junior_wait_minutes: int = 30
    # channels (each off until its settings are present; see README "Channels")
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    # senders: "+3197010200300" (SMS) and "whatsapp:+3197010200300" (the prefix is optional)
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    # only to point the client at a test server; https://api.twilio.com otherwise
    twilio_api_url: str | None = None
    # WhatsApp Content templates (HX...) with one variable {{1}}, for messages sent more than
    # 24 hours after the debtor's last message; English falls back to the Dutch one
    twilio_template_sid: str | None = None
    twilio_template_sid_en: str | None = None
    # phone numbers a call is transferred to on handoff, per level; none: take a message
    twilio_voice_transfer_junior: str | None = None
    twilio_voice_transfer_senior: str | None = None
    # text-to-speech voices for <Say> (any Twilio-supported Polly or Google voice)
    twilio_voice_nl: str = "Polly.Lotte"
    twilio_voice_en: str = "Polly.Joanna"
    # e-mail reminders (off without a host and a from address)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    # starttls (port 587), tls (port 465) or none (a local relay)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_from: str | None = None
    # where debtors' answers to e-mail reminders go (Reply-To); none: the from address
    reply_to: str | None = None
    # approved WhatsApp Utility templates for reminders, one per text key and language, as
    # JSON: {"reminders.heads_up": {"nl": "HX...", "en": "HX..."}}; variables {{1}} invoice
    # number, {{2}} amount, {{3}} due date, {{4}} payment link. Without one a reminder goes by
    # another channel.
    twilio_reminder_templates: str = ""
    telegram_token: str | None = None
    # the secret_token given to setWebhook; Telegram sends it back in every update
    telegram_secret: str | None = None
    # only to point the client at a test server; the token is appended
    telegram_api_url: str = "https://api.telegram.org/bot"
    # the creditor's books: where agreements and payments are sent (signed webhook), and the
    # shared secret of the HMAC-SHA256 signature; unset: nothing is sent (CSV export only)
    books_webhook_url: str | None = None
    books_webhook_secret: str | None = None
    # "text" (default) or "json": one JSON object a line with request and conversation id
    log_format: Literal["text", "json"] = "text"
    # prometheus-client's own variable (no SETTLE_ prefix): set, the gateway's worker
    # processes share their metrics through files in that folder (one scrape sums them)
    prometheus_multiproc_dir: str | None = Field(
        default=None, validation_alias="PROMETHEUS_MULTIPROC_DIR"
    )
    # addresses of the reverse proxies in front of the gateway (comma separated IPs or
    # networks, "10.0.0.0/8"); only from them is X-Forwarded-For believed
    trusted_proxies: str = ""
    # rate limits ("N/period" separated by ";", see the limits library): over them 429
    rate_limit_conversation_messages: str = "20/minute;200/hour"
    rate_limit_address_messages: str = "120/minute;1200/hour"
    rate_limit_address_new_conversations: str = "30/minute;300/hour"
    # failed console sign-ins: the later windows make the wait grow (back-off)
    rate_limit_login_account: str = "5/15 minutes;10/hour;20/day"
    rate_limit_login_address: str = "20/15 minutes;50/hour;100/day"
    # client addresses or networks never limited (comma separated); `make run` exempts
    # loopback so that `make bench` can run many debtors from one machine
    rate_limit_exempt: str = ""


ADMIN_TOKEN_MIN_LENGTH = 24


def production_problems(settings: Settings) -> list[str]:
    """Why these settings are unsafe outside development (empty: they are fine). Pure."""
    if settings.env == "development":
        return []
    problems = []
    if settings.payment_provider == "local":
        problems.append(
            "SETTLE_PAYMENT_PROVIDER is 'local' (anyone holding a link can mark it paid)"
        )
    if not settings.admin_token or len(settings.admin_token) < ADMIN_TOKEN_MIN_LENGTH:
        problems.append(
            f"SETTLE_ADMIN_TOKEN is missing or under {ADMIN_TOKEN_MIN_LENGTH} characters"
        )
    if not settings.public_url.lower().startswith("https://"):
        problems.append(f"SETTLE_PUBLIC_URL {settings.public_url} is not https")
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use, the same object
    after."""
    return Settings()


def settings_from(environ: Mapping[str, str]) -> Settings:
    """Settings from a given environment (SETTLE_* names), for tests and tools."""
    prefix = "SETTLE_"
    values = {k[len(prefix) :].lower(): v for k, v in environ.items() if k.startswith(prefix)}
    return Settings.model_validate(values)


def process_environment(**overrides: str) -> dict[str, str]:
    """This process's environment with `overrides`: what the processes `make run` and the
    integration tests start are given (so settings such as SETTLE_POLICY_FILE pass through)."""
    return {**os.environ, **overrides}


def use_development_defaults() -> None:
    """`make run`: development (the production guard stays quiet) and loopback exempt from
    the rate limits (so that `make bench` can play many debtors from one machine), unless
    set otherwise. The processes it starts inherit this environment."""
    os.environ.setdefault("SETTLE_ENV", "development")
    os.environ.setdefault("SETTLE_RATE_LIMIT_EXEMPT", "127.0.0.1,::1")
