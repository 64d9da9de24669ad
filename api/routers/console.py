"""The collector console: sign-in, the live queue, the conversation view and its forms.
Pages render from the database; every change goes through the handoff desk (api.flows.collector_action),
just like the handoff API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from api.console.auth import (
    ConsoleUser,
    ConsoleUserOr401,
    Principal,
    StreamUser,
    cookie_secret,
    signed_in,
)
from api.console.csrf import check_csrf, secure_cookies
from api.console.dashboard import as_csv, summary, tables
from api.console.i18n import page_texts, t
from api.console.live import change_events
from api.console.pages import ConsolePages, page_language
from api.console.panel import button_titles, debtor_names, handoff_collectors, load_case
from api.console.session import COOKIE, MAX_AGE, make_cookie
from api.deps import RowId, SessionDep
from api.flows.collector_action import HandoffDesk
from api.flows.payment_news import confirm_payments
from api.ratelimit import sign_in_allowed, sign_in_failed, sign_in_succeeded
from api.routers.reports import ChosenPeriod
from receivables.books.bank_statements import assign_by_reference, list_bank_transactions
from receivables.collectors.service import CONSOLE_LANGUAGES, authenticate, set_language
from receivables.conversations import outbox
from receivables.conversations.service import list_messages
from receivables.db import run_in_session
from receivables.errors import DomainError
from receivables.handoffs.service import list_queue, list_recently_resolved
from receivables.reports.figures import Period
from receivables.reports.service import FIGURES, report
from receivables.verification.lockout import unlock_debtor

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(check_csrf)])
Desk = Annotated[HandoffDesk, Depends(HandoffDesk.of)]
PAGES = ConsolePages()
HOME = "/console"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def _local_next(target: str | None) -> str:
    return target if target and target.startswith("/console") and "//" not in target else HOME


def _case_url(handoff_id: int, notice: str | None = None) -> str:
    return f"/console/handoffs/{handoff_id}" + (f"?notice={quote(notice)}" if notice else "")


# --- signing in and out ----------------------------------------------------------------
@router.get("/login")
def login_page(request: Request, session: SessionDep, next: str | None = None) -> Response:
    if signed_in(request, session):
        return _redirect(_local_next(next))
    return PAGES.render(request, "login.html", next=_local_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    verdict = sign_in_allowed(request, username)
    if not verdict.allowed:
        response = PAGES.render(
            request,
            "login.html",
            status_code=429,
            next=_local_next(next),
            username=username,
            error="too_many_sign_ins",
            error_values={"wait": _wait_text(verdict.retry_after, page_language(request, None))},
        )
        response.headers["Retry-After"] = str(verdict.retry_after)
        return response
    collector = authenticate(session=session, username=username, password=password)
    if collector is None:
        sign_in_failed(request, username)
        return PAGES.render(
            request,
            "login.html",
            status_code=401,
            next=_local_next(next),
            username=username,
            error="login_failed",
        )
    sign_in_succeeded(request, username)
    response = _redirect(_local_next(next))
    response.set_cookie(
        COOKIE,
        make_cookie(collector.username, collector.password_hash, cookie_secret(request)),
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        path="/",
        secure=secure_cookies(request),
    )
    return response


def _wait_text(seconds: int, language: str) -> str:
    if seconds < 60:
        return t("console.wait_seconds", language, n=seconds)
    return t("console.wait_minutes", language, n=-(-seconds // 60))


@router.post("/logout")
def logout() -> Response:
    response = _redirect("/console/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/language")
def set_console_language(
    session: SessionDep,
    user: ConsoleUser,
    language: Annotated[str, Form(max_length=2)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """The collector's console language, stored on their account."""
    if user.username is not None and language in CONSOLE_LANGUAGES:
        set_language(session=session, username=user.username, language=language)
    return _redirect(_local_next(next))


# --- the queue ------------------------------------------------------------------------
FAILED_SENDS_FOR = dt.timedelta(days=7)  # how far back the queue lists sends that failed


def _queue(session: SessionDep, user: Principal, desk: HandoffDesk) -> dict[str, Any]:
    handoffs = list_queue(
        session=session, role=user.role, username=user.username, junior_wait=desk.junior_wait
    )
    handoffs = [h for h in handoffs if h.status != "resolved"]
    return {
        "handoffs": handoffs,
        "names": debtor_names(session=session, handoffs=handoffs),
        "collectors": handoff_collectors(session=session, handoffs=handoffs),
    }


@router.get("")
def queue_page(request: Request, session: SessionDep, user: ConsoleUser, desk: Desk) -> Response:
    since = dt.datetime.now(dt.UTC) - FAILED_SENDS_FOR
    failed = outbox.list_failed(session=session, since=since)
    return PAGES.render(request, "queue.html", user, failed=failed, **_queue(session, user, desk))


@router.get("/queue/rows")
def queue_rows(
    request: Request, session: SessionDep, user: ConsoleUserOr401, desk: Desk
) -> Response:
    return PAGES.render(request, "_queue_rows.html", user, **_queue(session, user, desk))


@router.get("/resolved")
def resolved_page(request: Request, session: SessionDep, user: ConsoleUser) -> Response:
    handoffs = list_recently_resolved(session=session)
    names = debtor_names(session=session, handoffs=handoffs)
    collectors = handoff_collectors(session=session, handoffs=handoffs)
    return PAGES.render(
        request, "resolved.html", user, handoffs=handoffs, names=names, collectors=collectors
    )


@router.get("/events")
def events(request: Request, user: StreamUser) -> StreamingResponse:
    stream = change_events(request.app.state.sessions, request.app.state.outbound)
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


# --- one case -------------------------------------------------------------------------
@router.get("/handoffs/{handoff_id}")
def case_page(
    request: Request,
    handoff_id: RowId,
    session: SessionDep,
    user: ConsoleUser,
    desk: Desk,
    notice: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    handoff = desk.load(session, handoff_id, user)
    case = load_case(session=session, handoff=handoff, policy=request.app.state.policy)
    return PAGES.render(
        request,
        "case.html",
        user,
        case=case,
        notice=notice,
        today=dt.date.today(),
        mine=handoff.status == "claimed" and handoff.collector == user.username,
    )


@router.get("/handoffs/{handoff_id}/live")
def case_live(
    request: Request,
    handoff_id: RowId,
    session: SessionDep,
    user: ConsoleUserOr401,
    desk: Desk,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> JSONResponse:
    """New transcript lines (as HTML) and the case's state, for the open page."""
    handoff = desk.load(session, handoff_id, user)
    everything = list_messages(session=session, conversation_id=handoff.conversation_id)
    messages = [m for m in everything if m.id > after]
    delivery = outbox.statuses(session=session, conversation_id=handoff.conversation_id)
    html = PAGES.fragment(
        request,
        "_messages.html",
        user,
        messages=messages,
        titles=button_titles(everything),
        delivery=delivery,
    )
    return JSONResponse(
        {
            "status": handoff.status,
            "collector": handoff.collector,
            "last_id": messages[-1].id if messages else after,
            "html": html,
        }
    )


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.post("/handoffs/{handoff_id}/claim")
async def claim(handoff_id: RowId, user: ConsoleUser, desk: Desk) -> Response:
    try:
        await desk.claim(user, handoff_id, None)
    except DomainError as exc:
        return _redirect(_case_url(handoff_id, str(exc)))
    return _redirect(_case_url(handoff_id))


@router.post("/handoffs/{handoff_id}/reply")
async def reply(
    request: Request,
    handoff_id: RowId,
    user: ConsoleUser,
    desk: Desk,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        message = await desk.reply(user, handoff_id, text)
    except DomainError as exc:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        return _redirect(_case_url(handoff_id, str(exc)))
    if _wants_json(request):
        return JSONResponse({"id": message.id})
    return _redirect(_case_url(handoff_id))


@router.post("/handoffs/{handoff_id}/release")
async def release(handoff_id: RowId, user: ConsoleUser, desk: Desk) -> Response:
    try:
        await desk.release(user, handoff_id)
    except DomainError as exc:
        return _redirect(_case_url(handoff_id, str(exc)))
    return _redirect(HOME)


@router.post("/handoffs/{handoff_id}/resolve")
async def resolve(
    handoff_id: RowId,
    user: ConsoleUser,
    desk: Desk,
    outcome: Annotated[str, Form(max_length=32)] = "other",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        await desk.resolve(user, handoff_id, note, outcome)
    except DomainError as exc:
        return _redirect(_case_url(handoff_id, str(exc)))
    return _redirect(HOME)


@router.post("/handoffs/{handoff_id}/unlock")
def unlock_verification(
    request: Request, handoff_id: RowId, session: SessionDep, user: ConsoleUser, desk: Desk
) -> Response:
    """The debtor's verification, locked after too many wrong tries, opens again (audited)."""
    lang = page_language(request, user)
    handoff = desk.load(session, handoff_id, user)
    if handoff.debtor_id is None:
        return _redirect(_case_url(handoff_id, t("console.no_debtor_known", lang)))
    unlock_debtor(session=session, debtor_id=handoff.debtor_id, actor=user.actor)
    return _redirect(_case_url(handoff_id, t("console.unlock_done", lang)))


# HOOK: a senior agrees a plan outside the bot's limits (stored as outside_policy=True,
# agreed_by="collector:<username>", equal monthly terms); juniors get 403.
@router.post("/handoffs/{handoff_id}/plan")
async def agree_plan(
    request: Request,
    handoff_id: RowId,
    user: ConsoleUser,
    desk: Desk,
    total: Annotated[Decimal, Form(gt=0, max_digits=12, decimal_places=2)],
    installments: Annotated[int, Form(ge=1, le=120)],
    first_due: Annotated[dt.date, Form()],
) -> Response:
    try:
        plan = await desk.agree_plan(
            user, handoff_id, total=total, installments=installments, first_due=first_due
        )
    except DomainError as exc:
        return _redirect(_case_url(handoff_id, str(exc)))
    notice = t("console.plan_recorded", page_language(request, user), id=plan.id)
    return _redirect(_case_url(handoff_id, notice))


# --- bank credits nobody could match ------------------------------------------------------
@router.get("/bank")
def bank_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    notice: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    waiting = list_bank_transactions(session=session, status="unmatched")
    return PAGES.render(request, "bank.html", user=user, transactions=waiting, notice=notice)


@router.post("/bank/{transaction_id}/assign")
async def bank_assign(
    request: Request,
    transaction_id: RowId,
    user: ConsoleUser,
    reference: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    sessions = request.app.state.sessions
    try:
        payment = await run_in_session(
            sessions,
            assign_by_reference,
            transaction_id=transaction_id,
            reference=reference,
            collector=user.username or "admin",
        )
    except DomainError as exc:
        return _redirect(f"/console/bank?notice={quote(str(exc))}")
    await confirm_payments(
        sessions=sessions, outbound=request.app.state.outbound, payment_ids=[payment.id]
    )
    return _redirect(f"/console/bank?notice={quote('Booked: ' + str(payment.amount))}")


# --- the credit manager's dashboard ----------------------------------------------------------
def _figures(session: Any, period: Period) -> dict[str, Any]:
    today = dt.date.today()
    return {
        name: report(session=session, name=name, period=period, today=today) for name in FIGURES
    }


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    period: ChosenPeriod,
    lang: Annotated[str | None, Query(pattern="^(nl|en)$")] = None,
) -> Response:
    lang = lang or page_language(request, user)
    if user.role not in ("senior", "admin"):
        return PAGES.render(
            request,
            "dashboard.html",
            user=user,
            status_code=403,
            forbidden=True,
            labels=page_texts("dashboard", lang),
            lang=lang,
        )
    figures = _figures(session, period)
    return PAGES.render(
        request,
        "dashboard.html",
        user=user,
        forbidden=False,
        labels=page_texts("dashboard", lang),
        lang=lang,
        period=period,
        summary=summary(figures, lang),
        tables=tables(figures, lang),
    )


@router.get("/dashboard/{name}.csv")
def dashboard_csv(
    request: Request,
    name: str,
    session: SessionDep,
    user: ConsoleUser,
    period: ChosenPeriod,
    lang: Annotated[str | None, Query(pattern="^(nl|en)$")] = None,
) -> Response:
    lang = lang or page_language(request, user)
    if user.role not in ("senior", "admin"):
        return Response("the dashboard is for seniors", status_code=403)
    found = [t for t in tables(_figures(session, period), lang) if t.name == name]
    if not found:
        return Response("no such table", status_code=404)
    filename = f"settle-{name}-{period.start}-{period.end}.csv"
    return Response(
        as_csv(found[0]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
