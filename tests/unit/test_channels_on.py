"""Which channels `make run` reports as on."""

from __future__ import annotations

from api.flows.channel_delivery import channels_on
from receivables.settings import Settings


def test_only_the_web_chat_without_settings() -> None:
    assert channels_on(Settings()) == ["web chat"]


def test_each_channel_needs_all_of_its_settings() -> None:
    twilio = {"twilio_auth_token": "t", "twilio_account_sid": "AC1"}
    assert channels_on(Settings(**twilio, twilio_whatsapp_from="+3197010200300")) == [
        "web chat",
        "WhatsApp",
        "voice",
    ]
    assert channels_on(Settings(telegram_token="123:abc")) == ["web chat"]
    assert channels_on(Settings(telegram_token="123:abc", telegram_secret="s")) == [
        "web chat",
        "Telegram",
    ]
