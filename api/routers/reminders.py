"""Reminders: the debtor's unsubscribe page (public, from the link in every e-mail) and the
console's preview and control (what goes out today and tomorrow, a dry run, pauses)."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.console.auth import ConsoleUser, Principal
from api.console.csrf import check_csrf
from api.console.i18n import page_texts
from api.console.pages import page_language
from api.deps import RowId, SessionDep
from api.flows.reminders import Scheduler, make_mailer, parse_templates
from api.routers.console import PAGES
from receivables.accounts.debtors import debtor_labels, get_debtor_language
from receivables.common.language import resolve_language
from receivables.db import session_scope
from receivables.reminders import opt_outs, outcomes, pauses
from receivables.reminders.planner import DayPlan
from texts import text

router = APIRouter(include_in_schema=False)
PAGE = "/console/reminders"


def _scheduler(request: Request) -> Scheduler:
    state = request.app.state
    return Scheduler(
        sessions=state.sessions,
        policy=state.policy,
        settings=state.settings,
        senders=state.channel_senders,
        mailer=make_mailer(state.settings, state.policy),
        templates=parse_templates(state.settings.twilio_reminder_templates),
    )


def _may_pause(user: Principal) -> None:
    """Credit managers (seniors and admins) pause and resume; juniors only look."""
    if user.role == "junior":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a senior or an admin may pause")


def _summary(plan: DayPlan) -> list[tuple[str, str, int]]:
    counts = Counter((d.step, d.channel) for d in plan.due)
    return [(step, channel, n) for (step, channel), n in sorted(counts.items())]


@router.get(PAGE)
async def reminders_page(
    request: Request, session: SessionDep, user: ConsoleUser, now: bool = False
) -> Response:
    """In the collector's language, as every console page (their stored choice, else the
    browser's)."""
    language = page_language(request, user)
    scheduler = _scheduler(request)
    moment = dt.datetime.now(dt.UTC)
    today = await scheduler.plan(moment, whole_day=True)
    tomorrow = await scheduler.plan(moment + dt.timedelta(days=1), whole_day=True, after=today)
    days: list[tuple[str, DayPlan]] = [("today", today), ("tomorrow", tomorrow)]
    if now:
        days.insert(0, ("now", await scheduler.plan(moment)))
    ids = {d.due.debtor_id for _, p in days for d in p.held} | {
        d.debtor_id for _, p in days for d in p.due
    }
    steps = sorted({(p.name, s.name) for p in scheduler.policy.reminders.plans for s in p.steps})
    return PAGES.render(
        request,
        "reminders.html",
        user,
        labels=page_texts("reminders", language),
        days=[(key, plan, _summary(plan)) for key, plan in days],
        names=debtor_labels(session=session, debtor_ids=ids),
        pauses=pauses.list_pauses(session=session),
        steps=steps,
        outcomes=outcomes.outcome_summary(session=session),
        may_pause=user.role != "junior",
    )


def _back() -> RedirectResponse:
    return RedirectResponse(PAGE, status_code=status.HTTP_303_SEE_OTHER)


@router.post(f"{PAGE}/pause", dependencies=[Depends(check_csrf)])
def pause(
    session: SessionDep,
    user: ConsoleUser,
    debtor_id: Annotated[int | None, Form()] = None,
    step: Annotated[str | None, Form(max_length=81)] = None,
) -> Response:
    _may_pause(user)
    by = f"collector:{user.username or 'admin'}"
    if debtor_id is not None:
        pauses.pause(session=session, by=by, debtor_id=debtor_id)
    elif step and "/" in step:
        plan_name, step_name = step.split("/", 1)
        pauses.pause(session=session, by=by, plan=plan_name, step=step_name)
    else:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "a debtor or a step")
    return _back()


@router.post(f"{PAGE}/pauses/{{pause_id}}/lift", dependencies=[Depends(check_csrf)])
def lift(
    pause_id: RowId,
    session: SessionDep,
    user: ConsoleUser,
) -> Response:
    _may_pause(user)
    pauses.lift_pause(session=session, pause_id=pause_id, by=f"collector:{user.username}")
    return _back()


# --- the debtor's unsubscribe page ----------------------------------------------------------
def _stop_page(language: str, body: str) -> HTMLResponse:
    title = html.escape(text("reminders.stop_page_title", language))
    return HTMLResponse(
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><link rel="stylesheet" href="/static/pay.css"></head>'
        f'<body><main class="pay"><h1>{title}</h1>{body}</main></body></html>'
    )


def _stop_language(request: Request, token: str) -> tuple[Any, str]:
    with session_scope(request.app.state.sessions) as session:
        send = opt_outs.send_by_stop_token(session=session, token=token)
        if send is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "unknown link")
        on_file = get_debtor_language(session=session, debtor_id=send.debtor_id)
        default = request.app.state.policy.creditor.language
        return send.debtor_id, resolve_language(on_file, default=default)


@router.get("/reminders/stop/{token}")
def stop_page(request: Request, token: str) -> HTMLResponse:
    """Opening the link changes nothing (mail scanners open links); the button does."""
    _, language = _stop_language(request, token)
    creditor = request.app.state.policy.creditor.name
    question = html.escape(text("reminders.stop_page_question", language, creditor=creditor))
    button = html.escape(text("reminders.stop_page_button", language))
    return _stop_page(
        language,
        f'<p>{question}</p><form method="post"><button type="submit">{button}</button></form>',
    )


@router.post("/reminders/stop/{token}")
def stop(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    """The button, or a mail client's one-click List-Unsubscribe POST."""
    debtor_id, language = _stop_language(request, token)
    opt_outs.opt_out(session=session, debtor_id=debtor_id, channel="email")
    return _stop_page(language, f"<p>{html.escape(text('reminders.stop_confirmed', language))}</p>")
