"""GET /metrics: Prometheus text format (what is measured: api/metrics.py)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from api.metrics import CONTENT_TYPE_LATEST, render_metrics

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    body = await asyncio.to_thread(render_metrics, request.app.state.sessions)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
