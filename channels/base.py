"""What every channel shares: the inbound message, the reply, and the Channel interface.

A channel has an input side (a pure `verify()` and `parse()` per platform) and an output side
(a pure `render()` and a `Channel` that sends). Conversation ids name the channel and the
debtor's address on it: "whatsapp:+31612345678", "sms:+31612345678", "telegram:123456",
"voice:CA0123...". Nothing here knows HTTP frameworks or the database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from receivables.common.language import DEFAULT_LANGUAGE

Keyboard = Literal["share_phone", "remove"]


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Inbound:
    """One authenticated message from a debtor, ready for the gateway."""

    channel: str
    conversation_id: str
    # the platform's id of this delivery (MessageSid, update_id): a redelivery has the same
    delivery_id: str
    text: str
    language: str | None = None
    # what the platform tells about the sender; a hint for verification, never proof
    hint: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """One message to a debtor, channel-neutral."""

    text: str
    buttons: tuple[Button, ...] = ()
    language: str = DEFAULT_LANGUAGE
    # the stored Message it comes from (None for a channel's own notice)
    message_id: int | None = None
    # the channel's window for free-form replies has closed (WhatsApp: 24 hours)
    outside_window: bool = False
    # a keyboard next to the text box, where the channel has one (Telegram)
    keyboard: Keyboard | None = None
    # an approved WhatsApp template (Content SID) and its short variables: a reminder Settle
    # sends first goes out as this, never as free text
    template_sid: str | None = None
    template_variables: tuple[tuple[str, str], ...] = ()


class DeliveryError(Exception):
    """A send failed. `permanent` failures (a bad number, a blocked bot) are not retried;
    `retry_after` is how long the platform asked us to wait, in seconds."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    """The output side of a channel with its own transport."""

    @property
    def name(self) -> str: ...

    @property
    def window(self) -> dt.timedelta | None:
        """How long after the debtor's last message free text may be sent; None: always."""
        ...

    async def send(self, address: str, reply: Reply) -> Sequence[str] | None:
        """Send one message to `address` (the part of the conversation id after the
        channel); the provider's ids for it, if it gives any; raise DeliveryError on
        failure."""
        ...

    async def close(self) -> None: ...


def conversation_id(channel: str, address: str) -> str:
    return f"{channel}:{address}"


def split_conversation_id(conversation_id: str) -> tuple[str, str]:
    """("whatsapp", "+31612345678") from "whatsapp:+31612345678"; ("", id) without a prefix."""
    channel, sep, address = conversation_id.partition(":")
    return (channel, address) if sep else ("", conversation_id)


_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def choose_option(text: str, buttons: Sequence[Button]) -> str | None:
    """The payload of the option the debtor picked by number ("2", "2.", " 2 "), or None
    when text is no option number. Pure."""
    match = _CHOICE.match(text)
    if not match or not buttons:
        return None
    number = int(match[1])
    return buttons[number - 1].payload if 1 <= number <= len(buttons) else None


def buttons_of(raw: Sequence[dict[str, str]] | None) -> tuple[Button, ...]:
    """Buttons as stored on a Message ([{"title", "payload"}])."""
    return tuple(
        Button(str(b.get("title", "")), str(b.get("payload", "")))
        for b in raw or []
        if isinstance(b, dict)
    )
