"""Every command documents itself, and the README names every command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import ROOT

from report.cli import cli

COMMANDS = sorted(cli.commands)


def test_the_contract_commands_exist() -> None:
    assert {"init", "check", "build", "send", "history"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_text(name: str) -> None:
    command = cli.commands[name]
    assert command.help, f"'report {name}' has no help text"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert command.help.splitlines()[0] in result.output
    for param in command.params:
        if param.param_type_name == "option":
            assert getattr(param, "help", None), f"'report {name} {param.opts[0]}' has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_the_readme_mentions_every_command(name: str) -> None:
    assert f"report {name}" in (ROOT / "README.md").read_text()
