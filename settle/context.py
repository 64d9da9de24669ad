"""What the `settle` commands share: the process's one Settings, its database and its policy.

The settings are the process's one (receivables.settings.get_settings()), read from the
SETTLE_* environment when the first command that needs them runs (so `settle ... --help`
works whatever the environment holds), and passed to the command; a test hands in its own
as the context object. Engines come from
receivables.db.engine_for and are closed when the command ends (cli.main sees to that).

The domain modules are imported inside the functions and commands: importing FastAPI,
Twilio and Telegram's clients takes seconds, and `settle --help` or `settle migrate` need
none of them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, NoReturn, ParamSpec, TypeVar

import click

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from receivables.policy.model import Policy
    from receivables.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")


def settings_of(ctx: click.Context) -> Settings:
    """The process's settings: the root context's object, built on first use."""
    from receivables.logs import configure_logging
    from receivables.settings import Settings, get_settings

    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = get_settings()
    if not root.meta.get("settle.logging"):
        configure_logging(root.obj.log_format)
        root.meta["settle.logging"] = True
    return root.obj


def pass_settings(command: Callable[Concatenate[Settings, P], R]) -> Callable[P, R]:
    """Call the command with the process's settings as its first argument."""

    @functools.wraps(command)
    def with_settings(*args: P.args, **kwargs: P.kwargs) -> R:
        return command(settings_of(click.get_current_context()), *args, **kwargs)

    return with_settings


def fail(message: str, code: int = 1) -> NoReturn:
    """Say what went wrong on stderr (never a traceback) and stop with `code`: 1 the work
    failed, 2 the command or its configuration is wrong."""
    click.echo(message, err=True)
    raise SystemExit(code)


def policy_of(settings: Settings) -> Policy:
    """The creditor's policy (SETTLE_POLICY_FILE); a bad one stops the command (status 2)."""
    from receivables.policy.model import PolicyError, load_policy

    try:
        return load_policy(settings.policy_file)
    except PolicyError as exc:
        fail(str(exc), 2)


def sessions_of(settings: Settings) -> sessionmaker[Session]:
    """Sessions on this process's engine for SETTLE_DATABASE_URL."""
    from receivables.db import engine_for, make_session_factory

    return make_session_factory(engine_for(settings.database_url))
