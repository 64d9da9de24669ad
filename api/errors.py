"""Every error is JSON {"detail": ...} with a 4xx status; domain errors map to HTTP here."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from receivables.errors import Conflict, InvalidInput, NotFound

DOMAIN_STATUS = {NotFound: 404, Conflict: 409, InvalidInput: 422}


class ValidationProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error: a sentence, or for a request that does not fit its schema the list of
    what is wrong where."""

    detail: str | list[ValidationProblem]


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorBody, "description": description}


# documented on every route of the API (FastAPI's own 422 schema is replaced by ours)
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: _error("a valid bearer token (or console session) is required"),
    404: _error("no such resource, or not yours to see"),
    409: _error("clashes with what is stored"),
    422: _error("the request is not valid"),
    429: _error("too many requests; the Retry-After header says when to try again"),
}


def install_error_handlers(app: FastAPI) -> None:
    for error, status_code in DOMAIN_STATUS.items():

        async def handler(
            _: Request, exc: Exception, status_code: int = status_code
        ) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status_code)

        app.add_exception_handler(error, handler)

    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
