"""`settle` run in the test's own process (Click's runner), with the settings the test gives:
what an operator's command line does, without a process per call."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from receivables.settings import Settings
from settle.cli import main

# the installed command (uv sync puts it next to the environment's python)
SETTLE = Path(sys.executable).with_name("settle")


def settle(
    arguments: Sequence[str], settings: Settings | None = None, input: str | None = None
) -> Result:
    """`settle ARGUMENTS`; `settings`: the process's (default: read from the environment)."""
    return CliRunner().invoke(main, list(arguments), obj=settings, input=input, prog_name="settle")
