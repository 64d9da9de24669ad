"""The gateway's Prometheus metrics (GET /metrics) and the hooks that feed them.

Two kinds of figures:
- this process's own: turn latency per channel, Rasa call latency, failed deliveries; kept in
  memory by prometheus-client, so a scrape shows what this process saw since it started.
  One gateway process per container or pod: Prometheus scrapes every replica (pod
  annotations) and sums them (`sum by (channel) (rate(...))`). With several worker
  processes in one container (`uvicorn --workers N`), set PROMETHEUS_MULTIPROC_DIR to an
  empty directory, the same for all of them: every process then writes its figures there
  and any one of them answers the scrape with the total of all (prometheus-client's
  multiprocess mode);
- the installation's: handoffs waiting, inbox and outbox depth, read from the database at
  scrape time through `receivables.monitoring`; every replica reports the same value, so
  aggregate them with max().
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from functools import wraps
from typing import ParamSpec, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from receivables.db import session_scope
from receivables.logs import conversation_context
from receivables.monitoring import (
    count_inbox_pending,
    count_outbox_pending,
    count_waiting_handoffs,
)
from receivables.settings import get_settings

__all__ = ["CONTENT_TYPE_LATEST", "render_metrics", "observed_turn"]

# no *_created series: they double the output and say little
disable_created_metrics()  # type: ignore[no-untyped-call]

# a turn is mostly Rasa: p50 about 1.8 s, p95 about 3.5 s on 2 cores (README "Benchmark")
SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0)

TURN_SECONDS = Histogram(
    "settle_turn_seconds",
    "One debtor turn in the gateway, from the stored message to the stored replies",
    ["channel"],
    buckets=SECONDS,
)
RASA_SECONDS = Histogram(
    "settle_rasa_request_seconds",
    "One call to Rasa's REST webhook; outcome ok or error (down, timeout, bad answer)",
    ["outcome"],
    buckets=SECONDS,
)
DELIVERIES_FAILED = Counter(
    "settle_deliveries_failed",
    "Replies a channel did not accept after every retry (also in the audit log)",
    ["channel"],
)

P = ParamSpec("P")
T = TypeVar("T")


def observed_turn(handle: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Wraps the debtor-turn flow: times it per channel, and puts the conversation id on
    every log line written meanwhile. Takes the flow's keyword arguments as they are."""

    @wraps(handle)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        channel = str(kwargs.get("channel") or "webchat")
        started = time.perf_counter()
        with conversation_context(str(kwargs.get("conversation_id", ""))):
            try:
                return await handle(*args, **kwargs)
            finally:
                TURN_SECONDS.labels(channel=channel).observe(time.perf_counter() - started)

    return wrapper


class DatabaseGauges(Collector):
    """Figures of the whole installation, read when Prometheus scrapes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "settle_metrics_database_up", "1 when the scrape could read the database"
        )
        waiting = GaugeMetricFamily(
            "settle_handoffs_waiting", "Handoffs no collector claimed yet", labels=["level"]
        )
        inbox = GaugeMetricFamily(
            "settle_inbox_depth", "Channel messages stored and not yet answered by a turn"
        )
        outbox = GaugeMetricFamily("settle_outbox_depth", "Replies waiting to be sent")
        try:
            with session_scope(self._sessions) as session:
                counts = count_waiting_handoffs(session=session)
                depths = (
                    count_inbox_pending(session=session),
                    count_outbox_pending(session=session),
                )
        except SQLAlchemyError:
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        for level, count in sorted(counts.items()):
            waiting.add_metric([level], count)
        for family, depth in zip((inbox, outbox), depths, strict=True):
            if depth is not None:
                family.add_metric([], depth)
        return [up, waiting, inbox, outbox]


def _process_registry() -> CollectorRegistry:
    if get_settings().prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY  # this process's metrics, with its memory and CPU (process_*)


def render_metrics(sessions: sessionmaker[Session]) -> bytes:
    """The exposition text: this process's metrics, then the database's. Blocking (it reads
    the database): call it in a thread."""
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseGauges(sessions))
    return generate_latest(_process_registry()) + generate_latest(database)
