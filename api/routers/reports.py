"""The credit manager's figures as JSON (for the console's dashboard and for BI tools): the
admin bearer token, or a console session of a senior or admin collector."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api.console.auth import ApiPrincipal, Principal
from api.deps import SessionDep
from api.errors import ERROR_RESPONSES
from receivables.reports.figures import Period
from receivables.reports.service import FIGURES, report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=ERROR_RESPONSES)
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
# figures that had another name before (the reminders were called "treatment" until P20)
RENAMED = {"treatment": "reminders"}


def manager(principal: ApiPrincipal) -> Principal:
    """The dashboard is for the credit manager (admin) and senior collectors."""
    if principal.role not in ("senior", "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="the reports are for seniors")
    return principal


def period_of(
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
) -> Period:
    """From/to (both included); by default the last 30 days up to today."""
    end = end or dt.date.today()
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise HTTPException(422, detail="to is before from")
    if (end - start).days > MAX_DAYS:
        raise HTTPException(422, detail=f"a period is at most {MAX_DAYS} days")
    return Period(start, end)


Manager = Annotated[Principal, Depends(manager)]
ChosenPeriod = Annotated[Period, Depends(period_of)]


@router.get("")
def all_figures(session: SessionDep, _: Manager, period: ChosenPeriod) -> dict[str, Any]:
    """Every figure at once: what the dashboard draws."""
    today = dt.date.today()
    return {
        "period": {"from": period.start, "to": period.end},
        "previous": {"from": period.previous().start, "to": period.previous().end},
        **{
            name: report(session=session, name=name, period=period, today=today) for name in FIGURES
        },
    }


@router.get("/{name}")
def one_figure(name: str, session: SessionDep, _: Manager, period: ChosenPeriod) -> dict[str, Any]:
    """One figure: dso, ageing, payments, assistant, arrangements, reminders or portfolio."""
    name = RENAMED.get(name, name)
    if name not in FIGURES:
        raise HTTPException(404, detail=f"no report {name!r}; one of {', '.join(FIGURES)}")
    return {
        "period": {"from": period.start, "to": period.end},
        name: report(session=session, name=name, period=period, today=dt.date.today()),
    }
