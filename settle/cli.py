"""`settle`: every operator task as one command with subcommands (`settle --help`).

Settings come from the SETTLE_* environment, read once per command (settle/context.py);
every subcommand says what it does with --help. A new operator task becomes a subcommand
here, its work stays in the topic's own module.

Exit status: 0 done, 1 the work failed (a bad row, an unreachable database, ...), 2 the
command or the configuration is wrong (a usage error, a bad policy, a missing setting).
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from settle.books import bank, books_out, credit_import, import_books
from settle.context import fail, pass_settings, settings_of
from settle.database import demo, migrate, wait_for_schema
from settle.jobs import followup, reminders, workers
from settle.people import collectors, privacy

if TYPE_CHECKING:
    from receivables.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="settle")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Settle, the conversational payment assistant: start it, migrate, import, run the jobs.

    Settings come from SETTLE_* environment variables (SETTLE_DATABASE_URL,
    SETTLE_POLICY_FILE, ...). `settle COMMAND --help` says what a command does.
    """
    from receivables.db import dispose_engines

    ctx.call_on_close(dispose_engines)


for command in (
    migrate,
    wait_for_schema,
    demo,
    import_books,
    bank,
    credit_import,
    books_out,
    workers,
    followup,
    reminders,
    collectors,
    privacy,
):
    main.add_command(command)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Start everything here, in the foreground (make run).

    Migrates the database (SQLite in var/ unless SETTLE_DATABASE_URL says otherwise), loads
    the demo debtors, starts the action server, Rasa, the gateway, the workers and the
    follow-up job, and prints where everything is. Ctrl-C or SIGTERM stops every process it
    started. Development defaults (SETTLE_ENV=development, an admin token made up when none
    is set). Needs a source checkout with .venv-rasa and a trained model (`make run` makes
    them).
    """
    from receivables.settings import use_development_defaults
    from settle.run import run as start

    use_development_defaults()  # before the settings are read
    settings = settings_of(ctx)
    # the banner says what matters; a line per health poll or migration step does not
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    raise SystemExit(start(settings))


@main.command("telegram-webhook")
@click.option("--url", help="the webhook URL (default: SETTLE_PUBLIC_URL + /channels/telegram)")
@pass_settings
def telegram_webhook(settings: Settings, url: str | None) -> None:
    """Point Telegram's webhook at the gateway.

    With the secret token Telegram sends back in every update. Needs SETTLE_TELEGRAM_TOKEN, SETTLE_TELEGRAM_SECRET and SETTLE_PUBLIC_URL (or --url);
    Telegram only calls https:// addresses.
    """
    import asyncio

    from channels.telegram_setup import PATH, register

    token, secret = settings.telegram_token, settings.telegram_secret
    url = url or settings.public_url.rstrip("/") + PATH
    missing = [
        n
        for n, v in (("SETTLE_TELEGRAM_TOKEN", token), ("SETTLE_TELEGRAM_SECRET", secret))
        if not v
    ]
    if missing:
        fail(f"missing: {', '.join(missing)}", 2)
    assert token and secret
    if not url.startswith("https://"):
        click.echo(f"warning: Telegram only calls https:// webhooks, not {url}", err=True)
    try:
        asyncio.run(
            register(token=token, secret=secret, url=url, api_url=settings.telegram_api_url)
        )
    except Exception as exc:  # a command line: say what went wrong, no traceback
        fail(f"setWebhook failed: {exc}")
    click.echo(f"Telegram webhook set to {url}")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def bench(arguments: tuple[str, ...]) -> None:
    """Benchmark a running Settle (turns/s, latency).

    Start it with `settle run` or `make run` first. Scripted debtors hold conversations through the gateway and straight to Rasa; prints
    turns per second, latency percentiles, action-server calls per turn, CPU and memory per
    process, and writes them to var/bench/. Its own options (--seconds, --rates, ...):
    `settle bench -- --help`. Needs a source checkout (the benchmark lives in tests/bench/).
    """
    if not (ROOT / "tests" / "bench" / "bench_turns.py").exists():
        fail("settle bench needs a source checkout (tests/bench/bench_turns.py)", 2)
    command = [sys.executable, "-m", "tests.bench.bench_turns", *arguments]
    raise SystemExit(subprocess.call(command, cwd=ROOT))
