"""What the deployment files may say after `settle`: a subcommand the CLI has."""

from __future__ import annotations

from click.testing import CliRunner

from settle.cli import main


def assert_settle_command(command: list[str]) -> None:
    """`command` ("settle", subcommand..., options...) names a real subcommand and only
    options it has: Click parses it (an unknown command or option exits 2) up to --help."""
    assert command[0] == "settle", command
    result = CliRunner().invoke(main, [*command[1:], "--help"], prog_name="settle")
    assert result.exit_code == 0, f"{command}: {result.output}"
    assert result.output.startswith(f"Usage: settle {command[1]}"), command
