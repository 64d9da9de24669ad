"""Log lines that can be followed across processes: plain text by default, one JSON object a
line with SETTLE_LOG_FORMAT=json, each carrying the request id and the conversation id of the
work it belongs to (context variables, so concurrent requests never mix them up).

Any process (gateway, action server, jobs) calls `configure_logging` once at start; the
gateway sets the request id per HTTP request, the debtor turn sets the conversation id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]

request_id: ContextVar[str | None] = ContextVar("settle_request_id", default=None)
conversation_id: ContextVar[str | None] = ContextVar("settle_conversation_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
# uvicorn's copy of its message with terminal colours
NOT_LOGGED = [*RESERVED_ATTRS, "color_message"]
# uvicorn configures these itself, before the app exists; they get our handler too
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class ContextFilter(logging.Filter):
    """Puts the current request and conversation id on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.conversation_id = conversation_id.get()
        return True


def make_handler(log_format: LogFormat) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if log_format == "json":
        handler.setFormatter(
            # "time": ISO 8601 in UTC with microseconds, what log pipelines parse
            JsonFormatter(
                JSON_FIELDS,
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
                reserved_attrs=NOT_LOGGED,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(log_format: LogFormat = "text", level: int = logging.INFO) -> None:
    """One handler on the root logger (and on uvicorn's), in the chosen format. Calling it
    again replaces the handler, so an app factory can call it on every start."""
    handler = make_handler(log_format)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "settle", False)]:
        root.removeHandler(old)
    handler.settle = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        if server_logger.handlers:
            server_logger.handlers = [handler]


@contextmanager
def conversation_context(value: str) -> Iterator[None]:
    """Log lines inside carry this conversation id."""
    token = conversation_id.set(value)
    try:
        yield
    finally:
        conversation_id.reset(token)
