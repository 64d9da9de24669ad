"""The creditor's books in and out (admin API): bulk imports, bank statements, the credits
waiting for a collector, and the events export. Routes only translate HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from api.console.auth import ApiPrincipal
from api.deps import AdminDep, RowId, SessionDep
from api.errors import ERROR_RESPONSES
from api.flows.payment_news import book_bank_statement, confirm_payments
from receivables.books.bank_statements import (
    assign_transaction,
    list_bank_transactions,
    parse_statement,
)
from receivables.books.columns import KINDS, ColumnError, Kind
from receivables.books.events import ExportRange, export_csv
from receivables.books.imports import import_rows, rows_of
from receivables.db import run_in_session
from receivables.errors import InvalidInput

router = APIRouter(prefix="/api/v1", tags=["books"], responses=ERROR_RESPONSES)
MAX_BODY = 50 * 1024 * 1024  # an import or statement of at most 50 MB in one request


class BankTransactionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    account: str | None
    amount: Decimal
    currency: str
    booked_on: dt.date
    counterparty: str | None
    counterparty_account: str | None
    remittance: str
    status: str
    matched_by: str | None
    reason: str | None = None
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    structured_reference: str | None = None
    structured_reference_type: str | None = None
    reverses_id: int | None = None
    debtor_id: int | None
    payment_id: int | None


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    debtor_id: int = Field(ge=1, le=2**62)


async def _body(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the body is larger than {MAX_BODY // (1024 * 1024)} MB")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the body is not UTF-8 text") from exc


@router.post("/imports/{kind}", dependencies=[AdminDep])
async def import_file(
    kind: Kind, request: Request, dry_run: Annotated[bool, Query()] = False
) -> dict[str, Any]:
    """CSV (text/csv; comma or semicolon, Dutch or English headers mapped by
    config/import-columns.yml) or JSON (application/json: a list of objects with our field
    names). Every row lands or is reported with its line; the rest are not blocked."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    text = await _body(request)
    json_input = request.headers.get("content-type", "").startswith("application/json")
    try:
        rows, decimal = rows_of(text, kind, json_input=json_input)
    except ColumnError as exc:
        raise InvalidInput(str(exc)) from exc

    def work(*, session: Any) -> dict[str, Any]:
        report = import_rows(
            session=session,
            kind=kind,
            rows=rows,
            decimal=decimal,
            default_language=request.app.state.policy.creditor.language,
        )
        if dry_run:
            session.rollback()
        return {**report.as_dict(), "dry_run": dry_run}

    return await run_in_session(request.app.state.sessions, work)


@router.post("/bank-statements", dependencies=[AdminDep])
async def import_bank_statement(request: Request) -> dict[str, Any]:
    """A CAMT.053 (XML) or MT940 file as the bank sent it (any of its encodings): every
    transaction detail is its own credit, matched and booked once; debits are not payments;
    a reversal takes back the credit it reverses; the rest wait for a collector. Each debtor
    whose payment was booked hears of it in their conversation. A file that cannot be read
    is refused whole (422) with one line saying what is wrong."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the body is larger than {MAX_BODY // (1024 * 1024)} MB")
    # CPU work off the event loop; a StatementError is an InvalidInput: 422 with its line
    statement = await asyncio.to_thread(parse_statement, body)
    report = await book_bank_statement(
        sessions=request.app.state.sessions,
        outbound=request.app.state.outbound,
        lines=statement.lines,
    )
    return {
        "format": statement.format,
        "encoding": statement.encoding,
        "statements": len(statement.statements),
        "credits": report.credits,
        "booked": report.booked,
        "partly_matched": report.partly_matched,
        "unmatched": report.unmatched,
        "other_currency": report.other_currency,
        "already_imported": report.already_imported,
        "reversals": report.reversals,
        "reversed_bookings": report.reversed_bookings,
        "not_payments": report.not_payments,
        "warnings": statement.all_warnings(),
    }


@router.get("/bank-transactions", response_model=list[BankTransactionRead])
def bank_transactions(
    session: SessionDep,
    principal: ApiPrincipal,
    status_: Annotated[
        str | None,
        Query(
            alias="status",
            pattern="^(matched|partly_matched|unmatched|assigned|reversed|reversal)$",
        ),
    ] = None,
) -> list[Any]:
    """The credits on the bank statements; `status=unmatched`: those waiting for a collector."""
    return list_bank_transactions(session=session, status=status_)


@router.post("/bank-transactions/{transaction_id}/assign", status_code=status.HTTP_200_OK)
async def assign(
    transaction_id: RowId,
    body: Assignment,
    request: Request,
    principal: ApiPrincipal,
) -> dict[str, Any]:
    """A collector books an unmatched credit to the debtor it came from."""
    payment = await run_in_session(
        request.app.state.sessions,
        assign_transaction,
        transaction_id=transaction_id,
        debtor_id=body.debtor_id,
        collector=principal.username or "admin",
    )
    await confirm_payments(
        sessions=request.app.state.sessions,
        outbound=request.app.state.outbound,
        payment_ids=[payment.id],
    )
    return {"payment_id": payment.id, "debtor_id": payment.debtor_id, "amount": str(payment.amount)}


@router.get(
    "/exports/events.csv",
    dependencies=[AdminDep],
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_events(
    session: SessionDep,
    start: Annotated[dt.date, Query(alias="from")],
    end: Annotated[dt.date, Query(alias="to")],
) -> Response:
    """Every agreement and event the books need in a date range (inclusive), as CSV."""
    if end < start:
        raise InvalidInput("to is before from")
    body = export_csv(session=session, period=ExportRange(start, end))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="settle-events-{start}-{end}.csv"'},
    )
