"""Rendering the console's pages: one Jinja2 environment and the filters the templates use
(amounts and dates through the bot's formatters, local times, waiting times, labels), all in
the collector's language (api.console.i18n)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import Response

from api.console import TEMPLATES_DIR
from api.console.auth import Principal
from api.console.csrf import csrf_token, remember_csrf
from api.console.i18n import FALLBACK, console_language, label, t
from api.console.panel import summary_line
from receivables.common.dates import format_date
from receivables.common.language import resolve_language
from receivables.common.money import format_money
from receivables.handoffs.service import OUTCOMES
from receivables.models import utcnow

# the kinds of stored codes a template shows as labels ({{ h.reason | reason }})
LABELLED = (
    "reason",
    "flag",
    "outcome",
    "level",
    "role",
    "sender",
    "method",
    "status",
    "profile",
    "channel",
    "action",
)
# "2 h 05" reads "2 u 05" in Dutch
_HOURS = {"nl": "u", "en": "h"}
_DAYS = {"nl": "d", "en": "d"}


def money(amount: Decimal | None, language: str = "en") -> str:
    return "–" if amount is None else format_money(amount, language)


def waited(since: dt.datetime | None, now: dt.datetime | None = None, language: str = "en") -> str:
    """ "4 min", "2 h 05", "3 d". Pure given `now`."""
    if since is None:
        return ""
    minutes = max(0, int(((now or utcnow()) - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} {_HOURS.get(language, 'h')} {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} {_DAYS.get(language, 'd')}"


def _lang(context: Context) -> str:
    return resolve_language(context.get("lang"), default=FALLBACK)


@pass_context
def local_time(context: Context, moment: dt.datetime | None, form: str = "%d-%m %H:%M") -> str:
    """A stored (UTC) time in the policy's timezone."""
    zone = ZoneInfo(context.get("timezone") or "Europe/Amsterdam")
    return moment.astimezone(zone).strftime(form) if moment else ""


@pass_context
def money_filter(context: Context, amount: Decimal | None) -> str:
    return money(amount, _lang(context))


@pass_context
def date_filter(context: Context, day: dt.date | dt.datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        zone = ZoneInfo(context.get("timezone") or "Europe/Amsterdam")
        day = day.astimezone(zone).date()
    return format_date(day, _lang(context))


@pass_context
def waited_filter(context: Context, since: dt.datetime | None) -> str:
    return waited(since, language=_lang(context))


def _label_filter(kind: str) -> Any:
    @pass_context
    def show(context: Context, code: str | None) -> str:
        return label(kind, code, _lang(context))

    return show


class ConsolePages:
    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=TEMPLATES_DIR)
        env = self.templates.env
        env.filters["money"] = money_filter
        env.filters["date"] = date_filter
        env.filters["waited"] = waited_filter
        env.filters["local"] = local_time
        for kind in LABELLED:
            env.filters[kind] = _label_filter(kind)
        env.globals["OUTCOMES"] = OUTCOMES
        # what the debtor wrote, from the stored summary (its other lines the page shows itself)
        env.filters["wrote"] = lambda summary: summary_line(summary, "Debtor wrote: ")

    def render(
        self,
        request: Request,
        name: str,
        user: Principal | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> Response:
        context = {"user": user, **_common(request, user), **context}
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code)
        remember_csrf(request, response)  # a first page sets the form token's cookie
        return response

    def fragment(
        self, request: Request, name: str, user: Principal | None = None, **context: Any
    ) -> str:
        """A piece of a page as HTML text (for the live updates)."""
        template = self.templates.get_template(name)
        return template.render(**_common(request, user), **context)


def page_language(request: Request, user: Principal | None) -> str:
    return console_language(user.language if user else None, request.headers.get("accept-language"))


def _common(request: Request, user: Principal | None) -> dict[str, Any]:
    lang = page_language(request, user)
    return {
        "lang": lang,
        "t": _bound(lang),
        "timezone": str(request.app.state.policy.handoff.timezone),
        "csrf_token": csrf_token(request),
    }


def _bound(lang: str) -> Any:
    def text(key: str, **values: object) -> str:
        return t(f"console.{key}", lang, **values)

    return text
