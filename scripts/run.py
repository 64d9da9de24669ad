"""`make run`: migrate, load the demo debtors, start everything, stay in the foreground."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from pathlib import Path

from receivables.db import DEFAULT_DATABASE_URL, make_engine, make_session_factory, session_scope
from receivables.demo import demo_table, load_demo_data
from scripts.stack import Stack, StackError

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SETTLE_{name}") or default


def _demo(url: str) -> str:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        load_demo_data(session=session)
    with session_scope(factory) as session:
        table = demo_table(session=session)
    engine.dispose()
    return table


def main() -> int:
    started = time.monotonic()
    port = int(_env("PORT", "8000"))
    admin_token = os.environ.get("SETTLE_ADMIN_TOKEN")
    generated = admin_token is None
    admin_token = admin_token or secrets.token_urlsafe(24)
    stack = Stack(
        root=ROOT,
        database_url=_env("DATABASE_URL", DEFAULT_DATABASE_URL),
        rasa_port=int(_env("RASA_PORT", "5005")),
        actions_port=int(_env("ACTIONS_PORT", "5055")),
        api_port=port,
        admin_token=admin_token,
        rasa_token=_env("RASA_TOKEN", secrets.token_urlsafe(24)),
        log_dir=ROOT / "var" / "log",
        public_url=_env("PUBLIC_URL", f"http://127.0.0.1:{port}"),
    )
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("Settle is starting (Rasa takes about half a minute to load its model)...", flush=True)
    try:
        stack.start()
        table = _demo(stack.database_url)
        stack.wait_healthy(timeout=300)
    except StackError as exc:
        print(f"Settle did not start: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    base = stack.api_url
    print(f"""
Settle is up after {time.monotonic() - started:.0f} s.

  Web chat        {base}/
  Health          {base}/healthz
  API docs        {base}/docs
  Admin token     {admin_token}{"   (generated; set SETTLE_ADMIN_TOKEN to choose one)" if generated else ""}
  Try             curl -H "Authorization: Bearer {admin_token}" {base}/api/v1/handoffs
  Rasa            {stack.rasa_url}   actions {stack.actions_url}
  Database        {stack.database_url}
  Logs            {stack.log_dir}/{{api,rasa,actions}}.log
  Channels        web chat on; WhatsApp, voice and Telegram are not configured

Demo debtors (verify with the customer number, then the date of birth or postcode):
{table}

Press Ctrl-C to stop.""", flush=True)  # fmt: skip
    code = 0
    while not stopping:
        if dead := stack.dead():
            print(f"{', '.join(dead)} stopped unexpectedly:", file=sys.stderr)
            for name in dead:
                print(stack.log_tail(name), file=sys.stderr)
            code = 1
            break
        time.sleep(0.5)
    print("Stopping Settle...", flush=True)
    stack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
