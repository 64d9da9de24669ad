"""The database: `settle migrate`, `settle wait-for-schema`, `settle demo`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import click

from settle.context import pass_settings, sessions_of

if TYPE_CHECKING:
    from receivables.settings import Settings

log = logging.getLogger("settle.database")


@click.command()
@click.argument("url", required=False)
@pass_settings
def migrate(settings: Settings, url: str | None) -> None:
    """Bring the database to the newest schema (idempotent).

    URL: an SQLAlchemy database URL; SETTLE_DATABASE_URL when left out. Run it once before
    the other processes start (docker compose and Kubernetes run it as its own job).
    """
    from receivables.migrate import upgrade

    # each migration it runs is worth a line; alembic's plugin set-up is not
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    upgrade(url or settings.database_url)
    click.echo("the database has the newest schema")


@click.command("wait-for-schema")
@click.argument("url", required=False)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="seconds to wait at most",
)
@pass_settings
def wait_for_schema(settings: Settings, url: str | None, timeout: float) -> None:
    """Wait until the database has the newest schema.

    Exit status 1 when it does not within --timeout seconds. For Kubernetes init containers: only the migration job migrates, and a process started
    on an old schema would fail on its first query. An unreachable database counts as not
    ready yet. URL: SETTLE_DATABASE_URL when left out.
    """
    from receivables.schema_ready import wait_for_schema as wait

    if wait(url=url or settings.database_url, timeout=timeout):
        log.info("schema is current")
        return
    log.error("schema not current after %.0f s: has the migration run?", timeout)
    raise SystemExit(1)


@click.command()
@click.option("--quiet", is_flag=True, help="do not print the table of demo debtors")
@pass_settings
def demo(settings: Settings, quiet: bool) -> None:
    """Load the demo debtors that are missing.

    A dozen, Dutch and English. `make run` does this itself. Prints each debtor's customer number, date of birth,
    postcode and balance: what to answer the bot with.
    """
    from receivables.demo import load_demo

    created, table = load_demo(sessions_of(settings))
    if not quiet:
        click.echo(f"Demo debtors ({created} new):\n{table}")
