"""Counts Rasa's calls to the action server, by action name, for the benchmark: GET
/settle/action-calls on Rasa's HTTP API (loopback only, like the rest of Rasa's API here).
Form validation and custom slot mappings call the action server too without leaving an
`action` event in the tracker, so counting at the call is the only exact figure."""

from __future__ import annotations

from collections import Counter
from typing import Any

ROUTE = "/settle/action-calls"
calls: Counter[str] = Counter()


def install() -> None:
    """Count every RemoteAction.run and serve the counts on Rasa's API app. Idempotent."""
    import rasa.server
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction.run, "settle_counting", False):
        return
    run = RemoteAction.run

    async def counted_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        calls[self.name()] += 1
        return await run(self, *args, **kwargs)

    counted_run.settle_counting = True  # type: ignore[attr-defined]
    RemoteAction.run = counted_run  # type: ignore[method-assign]

    create_app = rasa.server.create_app

    def create_app_with_counts(*args: Any, **kwargs: Any) -> Any:
        from sanic import response

        app = create_app(*args, **kwargs)

        @app.get(ROUTE, name="settle_action_calls")
        async def action_calls(_request: Any) -> Any:
            return response.json({"total": sum(calls.values()), "calls": dict(calls)})

        return app

    rasa.server.create_app = create_app_with_counts
