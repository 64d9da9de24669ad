"""People: the collectors' accounts (`settle collectors ...`) and the debtors' privacy rights
(`settle privacy ...`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from receivables.collectors.service import CONSOLE_LANGUAGES, MIN_PASSWORD_LENGTH, ROLES
from settle.context import fail, pass_settings, policy_of, sessions_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from receivables.settings import Settings

T = TypeVar("T")
# who did it, in the audit log
OPERATOR = "operator"


def _in_session(settings: Settings, work: Callable[[Session], T]) -> T:
    """`work(session)` in one unit of work; a domain error (unknown user, too short a
    password, ...) is said in one line, exit status 1, and nothing changes."""
    from receivables.db import session_scope
    from receivables.errors import DomainError

    try:
        with session_scope(sessions_of(settings)) as session:
            return work(session)
    except DomainError as exc:
        fail(f"error: {exc}")


# --- collectors ---------------------------------------------------------------------------
@click.group()
def collectors() -> None:
    """Collector accounts for the console.

    Create, list, set a password, deactivate and activate again.
    """


USERNAME = click.option("--username", required=True, help="the account's user name")
PASSWORD = click.option(
    "--password",
    prompt=f"Password (at least {MIN_PASSWORD_LENGTH} characters)",
    hide_input=True,
    confirmation_prompt=True,
    help="asked for (twice, not shown) when left out; on the command line every local "
    "user sees it in `ps`",
)


@collectors.command()
@USERNAME
@click.option("--name", required=True, help="the name colleagues know them by")
@click.option("--role", type=click.Choice(ROLES), default="junior", show_default=True)
@PASSWORD
@click.option(
    "--language",
    type=click.Choice(CONSOLE_LANGUAGES),
    help="the console's language (the browser's until set)",
)
@pass_settings
def create(
    settings: Settings, username: str, name: str, role: str, password: str, language: str | None
) -> None:
    """Add a collector account."""
    from receivables.collectors.service import create_collector, set_language

    def work(session: Session) -> str:
        collector = create_collector(
            session=session, username=username, name=name, password=password, role=role
        )
        if language:
            set_language(session=session, username=collector.username, language=language)
        return f"created {collector.role} collector {collector.username}"

    click.echo(_in_session(settings, work))


@collectors.command("set-password")
@USERNAME
@PASSWORD
@pass_settings
def set_password(settings: Settings, username: str, password: str) -> None:
    """Give a collector a new password."""
    from receivables.collectors.service import set_password as store

    _in_session(settings, lambda s: store(session=s, username=username, password=password))
    click.echo(f"new password set for {username}")


@collectors.command()
@USERNAME
@pass_settings
def deactivate(settings: Settings, username: str) -> None:
    """Stop an account signing in (its history stays)."""
    from receivables.collectors.service import set_active

    _in_session(settings, lambda s: set_active(session=s, username=username, active=False))
    click.echo(f"{username} deactivated")


@collectors.command()
@USERNAME
@pass_settings
def activate(settings: Settings, username: str) -> None:
    """Let a deactivated account sign in again."""
    from receivables.collectors.service import set_active

    _in_session(settings, lambda s: set_active(session=s, username=username, active=True))
    click.echo(f"{username} activated")


@collectors.command("list")
@pass_settings
def list_accounts(settings: Settings) -> None:
    """Every account: user name, role, whether active, name."""
    from receivables.collectors.service import list_collectors

    def work(session: Session) -> list[str]:
        return [
            f"{c.username:<20} {c.role:<7} {'active' if c.active else 'inactive':<9} {c.name}"
            for c in list_collectors(session=session)
        ]

    for line in _in_session(settings, work):
        click.echo(line)


# --- privacy ------------------------------------------------------------------------------
@click.group()
def privacy() -> None:
    """A debtor's export and erasure; transcript retention."""


DEBTOR_ID = click.argument("debtor_id", metavar="ID", type=click.IntRange(min=1))


@privacy.command()
@DEBTOR_ID
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="write the JSON to this file (default: standard output)",
)
@pass_settings
def export(settings: Settings, debtor_id: int, output: Path | None) -> None:
    """Everything stored about debtor ID, as JSON.

    The right of access; the audit log records the export.

    ID: the debtor's id, as in the admin API (GET /api/v1/debtors/{id}).
    """
    from receivables.privacy.service import export_debtor

    data = _in_session(
        settings, lambda s: export_debtor(session=s, debtor_id=debtor_id, actor=OPERATOR)
    )
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"debtor {debtor_id} exported to {output}", err=True)


@privacy.command()
@DEBTOR_ID
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@pass_settings
def erase(settings: Settings, debtor_id: int, yes: bool) -> None:
    """Remove debtor ID as a person (cannot be undone).

    The right to erasure. Name, birth date, contact data, credit information, transcripts and channel addresses
    go; invoices, payments, plans and promises stay (the books must be kept) under a
    pseudonym that points to nobody. Idempotent.
    """
    from receivables.privacy.service import erase_debtor

    if not yes:
        click.confirm(f"Erase debtor {debtor_id}? This cannot be undone", abort=True)
    result = _in_session(
        settings, lambda s: erase_debtor(session=s, debtor_id=debtor_id, actor=OPERATOR)
    )
    counts = ", ".join(f"{k} {v}" for k, v in result.items() if k != "pseudonym")
    click.echo(f"debtor {debtor_id} erased; the books now say {result['pseudonym']} ({counts})")


@privacy.command()
@pass_settings
def retention(settings: Settings) -> None:
    """Delete transcripts past the retention period.

    Run it daily. Messages older than the policy's retention.transcript_days go; ended rate-limit windows go too; the audit log records how many messages went.
    """
    from receivables.privacy.retention import run_once

    deleted = run_once(sessions_of(settings), policy_of(settings))
    click.echo(f"retention: {deleted} messages past the retention period deleted")
