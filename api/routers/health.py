from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import RasaDep
from receivables.db import check_database, run_in_session

router = APIRouter()


async def _database_status(request: Request) -> str:
    try:
        await run_in_session(request.app.state.sessions, check_database)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means the database is down
        return f"down: {type(exc).__name__}"


@router.get("/healthz")
async def healthz(request: Request, rasa: RasaDep) -> JSONResponse:
    database, rasa_status, actions = await asyncio.gather(
        _database_status(request), rasa.rasa_status(), rasa.actions_status()
    )
    parts = {"database": database, "rasa": rasa_status, "actions": actions}
    healthy = all(v == "ok" for v in parts.values())
    body = {"status": "ok" if healthy else "unavailable", **parts}
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/livez")
async def livez() -> dict[str, str]:
    """Liveness: this process answers. Unlike /healthz it does not depend on the database,
    Rasa or the actions, so an orchestrator restarts only a stuck gateway, never all of them
    because Rasa is slow."""
    return {"status": "ok"}
