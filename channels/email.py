"""E-mail, the channel that only speaks first: a reminder as HTML and plain text, in the
debtor's language, with the payment link, an address to answer (Reply-To) and an unsubscribe
link (also as List-Unsubscribe, one click). Sent over SMTP with aiosmtplib (async)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Literal

import aiosmtplib

from channels.base import DeliveryError
from texts import text as reminder_text

EMAIL = "email"
Security = Literal["starttls", "tls", "none"]


@dataclass(frozen=True)
class Reminder:
    """What an e-mail reminder says; the body is the catalogue text with its values."""

    to: str
    language: str
    subject: str
    body: str
    pay_url: str
    stop_url: str
    reply_to: str | None = None


def render(reminder: Reminder, *, sender: str, sender_name: str) -> EmailMessage:
    """The message with a plain-text and an HTML part. Pure (apart from the Message-ID)."""
    language = reminder.language
    reply = reminder_text("reminders.email_reply", language)
    stop = reminder_text("reminders.email_stop", language, link=reminder.stop_url)
    button = reminder_text("reminders.email_pay_button", language)
    message = EmailMessage()
    message["Subject"] = reminder.subject
    message["From"] = formataddr((sender_name, sender))
    message["To"] = reminder.to
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    if reminder.reply_to:
        message["Reply-To"] = reminder.reply_to
    message["List-Unsubscribe"] = f"<{reminder.stop_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Content-Language"] = language
    plain = f"{reminder.body}\n\n{button}: {reminder.pay_url}\n\n{reply}\n\n{stop}\n"
    message.set_content(plain)
    e = html.escape
    page = (
        f'<!doctype html><html lang="{e(language)}">'
        '<body style="font-family:sans-serif;line-height:1.5;color:#1a1a1a;max-width:36em">'
        f"<p>{_linked(reminder.body, reminder.pay_url)}</p>"
        f'<p><a href="{e(reminder.pay_url)}" style="display:inline-block;padding:.6em 1.2em;'
        f'background:#0b5cad;color:#fff;border-radius:4px;text-decoration:none">{e(button)}</a></p>'
        f"<p>{e(reply)}</p>"
        f'<p style="font-size:.85em;color:#555">{_linked(stop, reminder.stop_url)}</p>'
        "</body></html>"
    )
    message.add_alternative(page, subtype="html")
    return message


def _linked(text: str, url: str) -> str:
    """The text, escaped, with the URL in it made a link. Pure."""
    escaped, link = html.escape(text), html.escape(url)
    return escaped.replace(link, f'<a href="{link}">{link}</a>')


class Mailer:
    """SMTP with aiosmtplib: one connection per message (reminders go out a few a second)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        sender_name: str,
        username: str | None = None,
        password: str | None = None,
        security: Security = "starttls",
        timeout: float = 20.0,
    ) -> None:
        self.sender, self.sender_name = sender, sender_name
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._security, self._timeout = security, timeout

    async def send(self, reminder: Reminder) -> str:
        """Send it; the Message-ID. DeliveryError when the server refuses or is unreachable
        (a refused recipient is permanent)."""
        message = render(reminder, sender=self.sender, sender_name=self.sender_name)
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=True if self._security == "starttls" else False,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"SMTP refused {reminder.to}: {exc}", permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc}") from exc
        return str(message["Message-ID"])
