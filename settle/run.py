"""`settle run` (what `make run` calls): migrate, load the demo debtors, start everything,
stay in the foreground.

Ctrl-C or SIGTERM stops every process it started (exit 0); a process that dies stops the
rest (exit 1).
"""

from __future__ import annotations

import secrets
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from api.flows.channel_delivery import channels_on
from receivables.db import dispose_engines, engine_for, make_session_factory
from receivables.demo import load_demo
from receivables.settings import Settings
from settle.stack import Stack, StackError, default_rasa_workers

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 300


class Signals:
    """Remembers SIGINT/SIGTERM instead of dying, so the processes are always stopped."""

    def __init__(self) -> None:
        self.received: str | None = None
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signal.Signals(signum).name

    def __call__(self) -> bool:
        return self.received is not None


def banner(
    stack: Stack, channels: list[str], admin_token: str, generated: bool, table: str, seconds: float
) -> str:
    base = stack.api_url
    note = "   (generated for this run; set SETTLE_ADMIN_TOKEN to choose one)" if generated else ""
    logs = ", ".join(str(stack.log_path(name)) for name in stack.processes)
    return f"""
Settle is up after {seconds:.0f} s.

  Web chat      {base}/
  Health        {base}/healthz
  API           {base}/api/v1/...   (OpenAPI: {base}/docs)
  Admin token   {admin_token}{note}
  Try           curl -H "Authorization: Bearer {admin_token}" {base}/api/v1/policy
  Rasa          {", ".join(stack.rasa_urls)}   action server {stack.actions_url}
  Database      {stack.database_url}
  Logs          {logs}
  Channels      {", ".join(channels)} (the others are off until configured; README)

Demo debtors (ask "hoeveel moet ik nog betalen?" or "how much do I owe?", then give the
customer number and the date of birth or the postcode):
{table}

Press Ctrl-C to stop.
"""


def run(settings: Settings) -> int:
    """Start Settle with `settings` (read after use_development_defaults()); the exit
    status: 0 stopped by Ctrl-C or SIGTERM, 1 a process died or the start failed."""
    started = time.monotonic()
    port, host = settings.port, settings.host
    given_token = settings.admin_token
    admin_token = given_token or secrets.token_urlsafe(24)
    stack = Stack(
        root=ROOT,
        database_url=settings.database_url,
        rasa_port=settings.rasa_port,
        actions_port=settings.actions_port,
        api_port=port,
        api_host=host,
        admin_token=admin_token,
        rasa_token=settings.rasa_token or secrets.token_urlsafe(24),
        log_dir=ROOT / "var" / "log",
        public_url=(
            settings.public_url
            if "public_url" in settings.model_fields_set
            else f"http://127.0.0.1:{port}"
        ),
        tracker_store=settings.tracker_store_url,
        redis_url=settings.redis_url,
        rasa_workers=settings.rasa_workers or default_rasa_workers(),
    )
    signals = Signals()
    print("Settle is starting (Rasa needs about half a minute to load its model)...", flush=True)
    try:
        stack.migrate()
        _, table = load_demo(make_session_factory(engine_for(stack.database_url)))
        dispose_engines()  # this process only watches from here on
        stack.start(migrate=False)
        stack.wait_healthy(timeout=START_TIMEOUT, should_stop=signals)
    except StackError as exc:
        stack.stop()
        if signals():
            print("Stopped before Settle was up.", flush=True)
            return 0
        print(f"Settle did not start: {exc}", file=sys.stderr, flush=True)
        return 1
    except BaseException:
        stack.stop()
        raise
    seconds = time.monotonic() - started
    channels = channels_on(settings)
    print(banner(stack, channels, admin_token, not given_token, table, seconds), flush=True)

    code = 0
    while not signals():
        if dead := stack.dead():
            for name in dead:
                returncode = stack.processes[name].returncode
                print(
                    f"\n{name} stopped unexpectedly (exit {returncode}); last lines of "
                    f"{stack.log_path(name)}:\n{stack.log_tail(name)}",
                    file=sys.stderr,
                )
            print("Stopping the other processes.", file=sys.stderr, flush=True)
            code = 1
            break
        time.sleep(0.5)
    else:
        print(f"\n{signals.received}: stopping Settle...", flush=True)
    # a second Ctrl-C must not leave processes behind half-way through stopping
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stack.stop()
    print("Settle stopped.", flush=True)
    return code
