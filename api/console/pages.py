"""Rendering the console's pages: one Jinja2 environment and the filters the templates use
(amounts, local times, waiting times, labels)."""

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
from receivables.common.money import format_money
from receivables.handoffs.service import OUTCOMES
from receivables.models import utcnow

REASONS = {
    "cannot_pay": "Cannot pay",
    "dispute": "Dispute",
    "requested_human": "Asked for a person",
    "verification_failed": "Verification failed",
    "outside_limits": "Outside the limits",
    "other": "Other",
}
FLAGS = {
    "illness": "Illness",
    "bereavement": "Bereavement",
    "debt_help": "Debt counselling",
    "job_loss": "Job loss",
    "mental_health": "Mental health",
}
OUTCOME_LABELS = {
    "plan_agreed": "Payment plan agreed",
    "promise": "Promise to pay",
    "dispute_accepted": "Dispute accepted",
    "dispute_rejected": "Dispute rejected",
    "debt_help": "Referred to debt help",
    "other": "Other",
    "released": "Back to the assistant",
}


def money(amount: Decimal | None) -> str:
    return "–" if amount is None else format_money(amount, "en")


def waited(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "4 min", "2 h 05", "3 d". Pure given `now`."""
    if since is None:
        return ""
    minutes = max(0, int(((now or utcnow()) - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} d"


def label(value: str | None, labels: dict[str, str]) -> str:
    return labels.get(value or "", (value or "").replace("_", " ").capitalize())


@pass_context
def local_time(context: Context, moment: dt.datetime | None, form: str = "%d-%m %H:%M") -> str:
    """A stored (UTC) time in the policy's timezone."""
    zone = ZoneInfo(context.get("timezone") or "Europe/Amsterdam")
    return moment.astimezone(zone).strftime(form) if moment else ""


class ConsolePages:
    def __init__(self) -> None:
        self.templates = Jinja2Templates(directory=TEMPLATES_DIR)
        env = self.templates.env
        env.filters["money"] = money
        env.filters["waited"] = waited
        env.filters["local"] = local_time
        env.filters["reason"] = lambda r: label(r, REASONS)
        env.filters["flag"] = lambda f: label(f, FLAGS)
        env.filters["outcome"] = lambda o: label(o, OUTCOME_LABELS)
        env.globals["OUTCOMES"] = [(o, OUTCOME_LABELS[o]) for o in OUTCOMES]

    def render(
        self,
        request: Request,
        name: str,
        user: Principal | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> Response:
        context = {
            "user": user,
            "timezone": _timezone(request),
            "csrf_token": csrf_token(request),
            **context,
        }
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code)
        remember_csrf(request, response)
        return response

    def fragment(self, request: Request, name: str, **context: Any) -> str:
        """A piece of a page as HTML text (for the live updates)."""
        template = self.templates.get_template(name)
        return template.render(timezone=_timezone(request), **context)


def _timezone(request: Request) -> str:
    return str(request.app.state.policy.handoff.timezone)
