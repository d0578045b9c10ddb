"""Every command an alert or a runbook names exists, with the options it is given.

Sources: every annotation of every alert rule, every docs/*.md line that mentions a runbook, and the
"The closed loop" section of docs/delivery.md; a command is a backticked `<tool> ...` or, in alert
text, a parenthesized `(kubectl ...)`. Each is run with `--help` appended (the tool parses the whole
line first: an unknown subcommand or option fails) and its usage must name the subcommand.
`mlfleet` commands are parsed by the real CLI in-process (test_runbook_commands.py does the same for
the runbooks; here also for the loop's section). kubectl is the real binary where installed (no
cluster needed for --help); without it those cases skip, naming the package.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from components.kubernetes.monitoring.rules import alerts
from mlfleet.cli import app
from tests.support import REPO_ROOT

TOOLS = ("mlfleet", "mlfleet-trainer", "kubectl", "python")
BACKTICKED = re.compile(r"`((?:{tools}) [^`]+|(?:{tools}))`".format(tools="|".join(map(re.escape, TOOLS))))
PARENTHESIZED = re.compile(r"\((kubectl [^)]+)\)")
# The Debian package and the Google Cloud SDK's copy.
KUBECTL = shutil.which("kubectl") or next(
    (str(p) for p in [Path("/usr/lib/google-cloud-sdk/bin/kubectl")] if p.exists()), None
)


def named_commands() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for rule in alerts():
        for key, text in rule.get("annotations", {}).items():
            where = f"{rule['alert']}.{key}"
            found += [(where, c) for c in BACKTICKED.findall(str(text)) + PARENTHESIZED.findall(str(text))]
    for path in sorted((REPO_ROOT / "docs").glob("*.md")):
        text = path.read_text()
        loop = (
            text.split("## The closed loop", 1)[1].split("\n## ", 1)[0]
            if "## The closed loop" in text
            else ""
        )
        for number, line in enumerate(text.splitlines(), start=1):
            if "runbook" in line.lower() or (loop and line in loop):
                found += [(f"{path.name}:{number}", c) for c in BACKTICKED.findall(line)]
    return sorted(set(found))


def _subcommand(words: list[str]) -> list[str]:
    """The leading words that name the (sub)command: not options, their values, placeholders or paths."""
    path: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in ("-n", "--namespace", "-m")
            if word == "-m":
                skip = False
                path.append(word)
            continue
        if word.isupper() or "/" in word or "=" in word or "<" in word:
            break
        path.append(word)
    return path


def test_the_alerts_and_the_loop_name_commands() -> None:
    """The parametrized check below must not pass vacuously."""
    tools = {command.split()[0] for _, command in named_commands()}
    assert {"mlfleet", "kubectl", "python"} <= tools, tools


@pytest.mark.parametrize(("where", "command"), named_commands())
def test_a_named_command_exists(where: str, command: str) -> None:
    words = shlex.split(command)
    tool, args = words[0], words[1:]
    if tool == "mlfleet":
        result = CliRunner().invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, f"{where}: `{command}`:\n{result.output}"
        return
    if tool == "kubectl":
        if KUBECTL is None:
            pytest.skip("kubectl is not installed (apt-get install kubectl or kubernetes-client)")
        argv = [KUBECTL, *args]
    elif tool == "python":
        argv = [sys.executable, *args]
    else:
        argv = [str(Path(sys.executable).parent / tool), *args]
    result = subprocess.run(
        [*argv, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KUBECONFIG": os.devnull},
    )
    assert result.returncode == 0, f"{where}: `{command}` fails:\n{result.stderr[-1500:]}"
    usage = " ".join(result.stdout.split())
    # The help is the subcommand's own: it names the first word (`get`, `create job`, ...); later
    # words may be arguments (`get hpa`), which the parser already accepted.
    path = _subcommand(args)
    named = " ".join(path[:2]) if " ".join(path[:2]) in usage else " ".join(path[:1])
    assert named in usage, f"{where}: `{command}`: its help does not name `{named}`"


def test_an_unknown_subcommand_or_option_is_caught() -> None:
    if KUBECTL is None:
        pytest.skip("kubectl is not installed (apt-get install kubectl or kubernetes-client)")
    bad = subprocess.run(
        [KUBECTL, "create", "job", "--fromm=cronjob/x", "j", "--help"], capture_output=True, timeout=60
    )
    assert bad.returncode != 0
    assert (
        subprocess.run(
            [sys.executable, "-m", "mlfleet_trainer.no_such_module", "--help"], capture_output=True
        ).returncode
        != 0
    )
