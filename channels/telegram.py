"""Telegram through python-telegram-bot, as an async client inside our own web server.

Telegram posts each Update as JSON with the secret given to setWebhook in
X-Telegram-Bot-Api-Secret-Token. Text messages and taps on inline buttons (callback queries)
become debtor turns; a shared contact is a verification hint, never proof. Replies go out
through PTB's async `Bot`; buttons become inline keyboards.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass
from typing import Any, Literal

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from channels.base import DeliveryError, Inbound, Reply, conversation_id
from receivables.common.language import language_code
from texts import text as channel_text

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
ALLOWED_UPDATES = ["message", "callback_query"]
_START = re.compile(r"^/start(?:@\w+)?(?:\s.*)?$", re.DOTALL)

Kind = Literal["message", "callback", "contact", "unsupported"]


def verify(*, secret: str, header: str | None) -> bool:
    """The secret token compared in constant time."""
    return header is not None and hmac.compare_digest(header.encode(), secret.encode())


@dataclass(frozen=True)
class Parsed:
    kind: Kind
    update_id: int
    chat_id: int
    # a turn for the gateway (message and callback)
    inbound: Inbound | None = None
    callback_query_id: str | None = None
    # the debtor's own number from a shared contact; None when it is someone else's
    phone: str | None = None
    # /start: the first message in the chat
    started: bool = False
    # the Telegram app's language when it is one we write (a hint, not the debtor's choice)
    language: str | None = None


def _phone(number: str) -> str:
    digits = re.sub(r"[^\d]", "", number)
    return f"+{digits}"


def parse(data: dict[str, Any]) -> Parsed | None:
    """What an Update means for us; None for updates we don't handle (edits, channels)."""
    update = Update.de_json(data, None)
    query = update.callback_query
    if query is not None and query.message is not None:
        chat_id = query.message.chat.id
        inbound = (
            Inbound(
                CHANNEL, conversation_id(CHANNEL, str(chat_id)), str(update.update_id), query.data
            )
            if query.data
            else None
        )
        return Parsed("callback", update.update_id, chat_id, inbound, callback_query_id=query.id)
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    chat_id, user = message.chat.id, message.from_user
    language = language_code(user.language_code if user else None)
    if message.contact is not None:
        own = user is not None and message.contact.user_id == user.id
        phone = _phone(message.contact.phone_number) if own else None
        return Parsed("contact", update.update_id, chat_id, phone=phone, language=language)
    if not message.text:
        return Parsed("unsupported", update.update_id, chat_id, language=language)
    started = bool(_START.match(message.text))
    inbound = Inbound(
        CHANNEL,
        conversation_id(CHANNEL, str(chat_id)),
        str(update.update_id),
        "/greet" if started else message.text.strip(),
        # only the first message takes Telegram's app language; later the written one counts
        language=language if started else None,
    )
    return Parsed("message", update.update_id, chat_id, inbound, started=started, language=language)


def callback_data(reply: Reply, index: int) -> str:
    """A button's payload, or "#<message id>:<index>" when it is too long for Telegram."""
    payload = reply.buttons[index].payload
    if len(payload.encode()) <= MAX_CALLBACK_DATA or reply.message_id is None:
        return payload
    return f"#{reply.message_id}:{index}"


def _markup(reply: Reply) -> Any:
    if reply.buttons:
        rows = [
            [InlineKeyboardButton(b.title, callback_data=callback_data(reply, i))]
            for i, b in enumerate(reply.buttons)
        ]
        return InlineKeyboardMarkup(rows)
    if reply.keyboard == "share_phone":
        label = channel_text("messaging.share_phone_button", reply.language)
        return ReplyKeyboardMarkup(
            [[KeyboardButton(label, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if reply.keyboard == "remove":
        return ReplyKeyboardRemove()
    return None


def render(reply: Reply) -> list[dict[str, Any]]:
    """sendMessage arguments; a long text in parts, the keyboard on the last one."""
    text = reply.text.strip() or "…"
    parts = [text[i : i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)]
    markup = _markup(reply)
    return [
        {"text": part, **({"reply_markup": markup} if markup and i == len(parts) - 1 else {})}
        for i, part in enumerate(parts)
    ]


def _delivery_error(exc: TelegramError) -> DeliveryError:
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
        return DeliveryError(f"Telegram: {exc.message}", retry_after=seconds)
    permanent = isinstance(exc, BadRequest | Forbidden | InvalidToken)
    return DeliveryError(f"Telegram: {exc.message}", permanent=permanent)


class TelegramChannel:
    """The Channel for Telegram: PTB's Bot with its own HTTP client, no Application."""

    def __init__(self, *, token: str, api_url: str = "https://api.telegram.org/bot") -> None:
        self._request = HTTPXRequest(connect_timeout=5.0, read_timeout=15.0)
        self.bot = Bot(
            token, base_url=api_url, request=self._request, get_updates_request=self._request
        )

    @property
    def name(self) -> str:
        return CHANNEL

    @property
    def window(self) -> dt.timedelta | None:
        return None

    async def send(self, address: str, reply: Reply) -> None:
        try:
            for arguments in render(reply):
                await self.bot.send_message(chat_id=int(address), **arguments)
        except TelegramError as exc:
            raise _delivery_error(exc) from exc

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's spinner; a failure here changes nothing for the debtor."""
        try:
            await self.bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:
            raise _delivery_error(exc) from exc

    async def set_webhook(self, url: str, secret: str) -> bool:
        return await self.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )

    async def close(self) -> None:
        await self._request.shutdown()
