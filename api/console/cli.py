"""Collector accounts from the command line, against SETTLE_DATABASE_URL:

    python -m api.console.cli create-collector --username anna --name "Anna de Boer" --role senior
    python -m api.console.cli set-password --username anna
    python -m api.console.cli deactivate --username anna
    python -m api.console.cli list-collectors

Without --password the password is asked for (twice, not echoed).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from receivables.collectors.service import (
    CONSOLE_LANGUAGES,
    MIN_PASSWORD_LENGTH,
    ROLES,
    create_collector,
    list_collectors,
    set_active,
    set_language,
    set_password,
)
from receivables.db import make_engine, make_session_factory, session_scope
from receivables.errors import DomainError
from receivables.settings import Settings


def _password(given: str | None) -> str:
    if given is not None:
        return given
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    if getpass.getpass("Once more: ") != first:
        raise SystemExit("the passwords differ; nothing changed")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m api.console.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-collector", help="add a collector account")
    create.add_argument("--username", required=True)
    create.add_argument("--name", required=True, help="the name colleagues know them by")
    create.add_argument("--role", choices=ROLES, default="junior")
    create.add_argument("--password", help="asked for when left out")
    create.add_argument(
        "--language",
        choices=CONSOLE_LANGUAGES,
        help="the console's language (the browser's until set)",
    )
    password = commands.add_parser("set-password", help="give a collector a new password")
    password.add_argument("--username", required=True)
    password.add_argument("--password", help="asked for when left out")
    for name, text in (("deactivate", "stop an account signing in"), ("activate", "allow again")):
        commands.add_parser(name, help=text).add_argument("--username", required=True)
    commands.add_parser("list-collectors", help="every account, its role and whether active")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    engine = make_engine(Settings().database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            if args.command == "create-collector":
                collector = create_collector(
                    session=session,
                    username=args.username,
                    name=args.name,
                    password=_password(args.password),
                    role=args.role,
                )
                if args.language:
                    set_language(
                        session=session, username=collector.username, language=args.language
                    )
                print(f"created {collector.role} collector {collector.username}")
            elif args.command == "set-password":
                set_password(
                    session=session, username=args.username, password=_password(args.password)
                )
                print(f"new password set for {args.username}")
            elif args.command in ("deactivate", "activate"):
                set_active(
                    session=session, username=args.username, active=args.command == "activate"
                )
                print(f"{args.username} {args.command}d")
            else:
                for c in list_collectors(session=session):
                    state = "active" if c.active else "inactive"
                    print(f"{c.username:<20} {c.role:<7} {state:<9} {c.name}")
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
