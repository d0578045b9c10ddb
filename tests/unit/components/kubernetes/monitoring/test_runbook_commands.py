"""Every `mlfleet ...` command a runbook names (alert annotations, runbook text in docs/) is a real
command of the CLI with real options: the on-call engineer pastes it at 3 a.m."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from components.kubernetes.monitoring.rules import alerts
from mlfleet.cli import app
from tests.support import REPO_ROOT

COMMAND = re.compile(r"`(mlfleet [^`]+)`")


def rule_commands() -> list[tuple[str, str]]:
    found = []
    for rule in alerts():
        for key, text in rule.get("annotations", {}).items():
            found += [(f"{rule['alert']}.{key}", c) for c in COMMAND.findall(str(text))]
    return found


def doc_runbook_commands() -> list[tuple[str, str]]:
    found = []
    for path in sorted((REPO_ROOT / "docs").glob("*.md")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "runbook" in line.lower():
                found += [(f"{path.name}:{number}", c) for c in COMMAND.findall(line)]
    return found


def test_the_rules_name_commands() -> None:
    # the check below must not pass vacuously
    assert any(where.startswith("MlfleetHighErrorRate.") for where, _ in rule_commands())


@pytest.mark.parametrize(("where", "command"), rule_commands() + doc_runbook_commands())
def test_runbook_command_parses_with_the_real_cli(where: str, command: str) -> None:
    words = shlex.split(command)[1:]
    # --help is eager, but click parses the whole line first: an unknown command or option fails.
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, f"{where}: `{command}` is not a valid mlfleet command:\n{result.output}"
    assert "Usage:" in result.output


def test_an_unknown_command_is_caught() -> None:
    assert CliRunner().invoke(app, ["models", "alias", "--help"]).exit_code != 0
    assert CliRunner().invoke(app, ["models", "rollback", "m", "--no-such-flag", "--help"]).exit_code != 0
