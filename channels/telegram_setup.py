"""Point a Telegram bot's webhook at the gateway, with the secret token:

    settle telegram-webhook                 # <SETTLE_PUBLIC_URL>/channels/telegram
    settle telegram-webhook --url https://settle.example.com/channels/telegram

Reads the gateway's own settings: SETTLE_TELEGRAM_TOKEN, SETTLE_TELEGRAM_SECRET,
SETTLE_PUBLIC_URL (and SETTLE_TELEGRAM_API_URL, for a test server).
"""

from __future__ import annotations

from channels.telegram import TelegramChannel

PATH = "/channels/telegram"


async def register(*, token: str, secret: str, url: str, api_url: str) -> bool:
    channel = TelegramChannel(token=token, api_url=api_url)
    try:
        return await channel.set_webhook(url, secret)
    finally:
        await channel.close()
