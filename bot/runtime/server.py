"""`rasa` with Settle's fix and the action-call counter installed first:
`python -m bot.runtime.server run ...` takes the same arguments as the `rasa` command
(settle/stack.py, docker-compose.yml and deploy/ start Rasa this way).

`run --enable-api` takes its API token from SETTLE_RASA_TOKEN, never from the command line:
a command line is readable by every local user (`ps`), and a token that begins with "-" (one
in 64 of `secrets.token_urlsafe`'s) would be read by Rasa's parser as an option. The token
is handed to Rasa's parser inside this process as one `--auth-token=VALUE` argument."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from bot.runtime import counting, validation

TOKEN_VARIABLE = "SETTLE_RASA_TOKEN"


class MissingToken(SystemExit):
    """`run --enable-api` without a token would open Rasa's HTTP API to anyone."""


def rasa_arguments(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    """The arguments for Rasa's parser: `argv` with the API token from the environment.
    Pure."""
    arguments = list(argv)
    if arguments[:1] != ["run"] or "--enable-api" not in arguments:
        return arguments
    given = any(a in ("-t", "--auth-token") or a.startswith("--auth-token=") for a in arguments)
    if given:
        return arguments
    token = environ.get(TOKEN_VARIABLE)
    if not token:
        raise MissingToken(f"{TOKEN_VARIABLE} is not set: Rasa's HTTP API would be open")
    return [*arguments, f"--auth-token={token}"]


def main() -> None:
    validation.install()
    counting.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[1:] = rasa_arguments(sys.argv[1:], os.environ)
    rasa_main()


if __name__ == "__main__":
    main()
