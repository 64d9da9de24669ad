"""The background processes: `settle workers`, `settle followup`, `settle reminders`. Each
runs until SIGTERM or Ctrl-C, or does one round with --once (for cron). Run as many
instances as you like: the database lets one of them take each piece of work."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

import click

from settle.context import fail, pass_settings, policy_of, sessions_of

if TYPE_CHECKING:
    from receivables.settings import Settings

POSITIVE = click.FloatRange(min=0, min_open=True)


@click.command()
@click.option("--once", is_flag=True, help="one sweep of inbox and outbox, then exit")
@click.option(
    "--interval",
    type=POSITIVE,
    default=1.0,
    show_default=True,
    help="seconds between sweeps when nothing wakes the workers",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="turns at a time in this process",
)
@pass_settings
def workers(settings: Settings, once: bool, interval: float, concurrency: int) -> None:
    """Answer channel messages and send the replies.

    The durable inbox (stored channel messages made bot turns) and outbox (replies sent,
    retried, failed visibly). A message or reply is claimed by one worker at a time, a conversation's messages in
    order; what a crashed process held is taken over when its claim runs out. The change
    bus (Redis or PostgreSQL NOTIFY) wakes the workers at once.
    """
    from api.workers import serve

    for chatty in ("httpx", "twilio"):  # a line per request is noise here
        logging.getLogger(chatty).setLevel(logging.WARNING)
    code = asyncio.run(serve(settings, once=once, interval=interval, concurrency=concurrency))
    raise SystemExit(code)


@click.command()
@click.option("--once", is_flag=True, help="one round, then exit (cron)")
@click.option(
    "--interval", type=POSITIVE, default=900.0, show_default=True, help="seconds between rounds"
)
@pass_settings
def followup(settings: Settings, once: bool, interval: float) -> None:
    """Mark overdue promises and installments broken.

    Promises and installments whose date passed unpaid. "Today" is the creditor's (the policy's time zone), after the policy's
    followup.grace_days. Exit status 1 when the one round (--once) failed on the database.
    """
    from receivables.arrangements.followup import run_rounds

    policy = policy_of(settings)
    raise SystemExit(run_rounds(sessions_of(settings), policy, once=once, interval=interval))


def _moment(
    _ctx: click.Context, _param: click.Parameter, value: dt.datetime | None
) -> dt.datetime | None:
    """--now without a zone is UTC."""
    return value.replace(tzinfo=dt.UTC) if value and value.tzinfo is None else value


@click.command()
@click.option("--once", is_flag=True, help="one round, then exit")
@click.option(
    "--interval", type=POSITIVE, default=900.0, show_default=True, help="seconds between rounds"
)
@click.option(
    "--now",
    type=dt.datetime.fromisoformat,
    callback=_moment,
    metavar="ISO",
    help="the moment to plan for, e.g. 2026-03-02T09:00 (UTC unless it says)",
)
@click.option("--dry-run", is_flag=True, help="say what would go out, send nothing")
@pass_settings
def reminders(
    settings: Settings, once: bool, interval: float, now: dt.datetime | None, dry_run: bool
) -> None:
    """Send the reminders that are due.

    What the policy's reminder plans say is due now: e-mail, SMS, WhatsApp, Telegram, or
    a call task in the collectors' console. Each step goes out at most once, however many instances run; answers land in the
    debtor's conversation. Exit status 2 when the policy names unknown reminder texts.
    """
    from api.flows.reminders import Rounds, serve, unknown_texts

    policy = policy_of(settings)
    if unknown := unknown_texts(policy):
        fail(f"reminder steps name unknown texts: {', '.join(unknown)}", 2)
    rounds = Rounds(once=once, interval=interval, now=now, dry_run=dry_run)
    raise SystemExit(asyncio.run(serve(rounds, settings, policy)))
