"""`settle`: one command for every operator task, each subcommand with a --help that says
what it does, and no other command-line entry point left in the app's packages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click

from settle.cli import main
from tests.cli import SETTLE, settle

ROOT = Path(__file__).resolve().parents[2]
# the team's contract (the brief): what an operator runs
OPERATOR_TASKS = {
    "run",
    "migrate",
    "wait-for-schema",
    "demo",
    "import",
    "bank",
    "credit-import",
    "reminders",
    "followup",
    "workers",
    "books-out",
    "collectors",
    "privacy",
    "telegram-webhook",
    "bench",
}
SUBCOMMANDS = {
    "collectors": {"create", "set-password", "deactivate", "activate", "list"},
    "privacy": {"export", "erase", "retention"},
}


def every_command(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*path, name))
        if isinstance(command, click.Group):
            found += every_command(command, (*path, name))
    return found


def listed(help_text: str) -> set[str]:
    """The command names in a --help's "Commands:" section."""
    section = help_text.split("Commands:", 1)[1]
    return {m.group(1) for m in re.finditer(r"^  (\S+)\s", section, re.MULTILINE)}


def test_the_installed_command_lists_every_operator_task() -> None:
    result = subprocess.run(
        [str(SETTLE), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert listed(result.stdout) == OPERATOR_TASKS
    for group, names in SUBCOMMANDS.items():
        assert listed(settle([group, "--help"]).output) == names, group


def test_every_subcommand_says_what_it_does() -> None:
    commands = every_command()
    assert len(commands) == len(OPERATOR_TASKS) + sum(map(len, SUBCOMMANDS.values()))
    for path in commands:
        result = settle([*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        usage, _, rest = result.output.partition("\n\n")
        assert usage.startswith(f"Usage: settle {' '.join(path)}"), path
        summary = rest.strip().splitlines()[0]
        assert len(summary) > 15 and summary.endswith("."), (path, summary)


def test_no_other_command_line_entry_point_is_left() -> None:
    """Operator tasks are `settle` subcommands, not `python -m some.module`. Rasa's wrapper
    stays: it runs inside Rasa's own environment, where `settle` is not installed."""
    allowed = {ROOT / "bot" / "runtime" / "server.py"}
    mains = [
        path.relative_to(ROOT)
        for folder in ("api", "bot", "channels", "payment_providers", "receivables", "texts")
        for path in (ROOT / folder).rglob("*.py")
        if path not in allowed and '__name__ == "__main__"' in path.read_text(encoding="utf-8")
    ]
    assert mains == []
    assert not (ROOT / "scripts").exists()
