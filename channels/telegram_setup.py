"""Point a Telegram bot's webhook at the gateway, with the secret token:

    python -m channels.telegram_setup                 # <SETTLE_PUBLIC_URL>/channels/telegram
    python -m channels.telegram_setup --url https://settle.example.com/channels/telegram

Reads the gateway's own environment variables: SETTLE_TELEGRAM_TOKEN, SETTLE_TELEGRAM_SECRET,
SETTLE_PUBLIC_URL (and SETTLE_TELEGRAM_API_URL, for a test server).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping, Sequence

from channels.telegram import TelegramChannel
from receivables.settings import Settings, settings_from

PATH = "/channels/telegram"


async def register(*, token: str, secret: str, url: str, api_url: str) -> bool:
    channel = TelegramChannel(token=token, api_url=api_url)
    try:
        return await channel.set_webhook(url, secret)
    finally:
        await channel.close()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    settings = Settings() if environ is None else settings_from(environ)
    parser = argparse.ArgumentParser(
        prog="python -m channels.telegram_setup", description="Register the Telegram webhook."
    )
    parser.add_argument("--url", help=f"webhook URL (default: SETTLE_PUBLIC_URL + {PATH})")
    args = parser.parse_args(argv)
    token, secret = settings.telegram_token, settings.telegram_secret
    public = settings.public_url
    url = args.url or (public.rstrip("/") + PATH if public else None)
    missing = [
        name
        for name, value in (
            ("SETTLE_TELEGRAM_TOKEN", token),
            ("SETTLE_TELEGRAM_SECRET", secret),
            ("SETTLE_PUBLIC_URL or --url", url),
        )
        if not value
    ]
    if missing:
        print(f"missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    assert token and secret and url
    if not url.startswith("https://"):
        print(f"warning: Telegram only calls https:// webhooks, not {url}", file=sys.stderr)
    api_url = settings.telegram_api_url
    try:
        asyncio.run(register(token=token, secret=secret, url=url, api_url=api_url))
    except Exception as exc:  # a CLI: say what went wrong, no traceback
        print(f"setWebhook failed: {exc}", file=sys.stderr)
        return 1
    print(f"Telegram webhook set to {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
