"""model-release.yml: linters clean, the same pinned actions and concurrency groups as deploy.yml,
each stack's job under the GitHub environment its deployer trusts, production behind approval."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
BIN = Path(sys.executable).parent


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads `on:` as True
    return data


RELEASE = load("model-release.yml")
DEPLOY = load("deploy.yml")
STACKS = RELEASE["on"]["workflow_dispatch"]["inputs"]["stack"]["options"]


@pytest.mark.parametrize(
    "command",
    [
        ["actionlint", str(WORKFLOWS / "model-release.yml")],
        ["zizmor", "--offline", "--no-progress", str(WORKFLOWS / "model-release.yml")],
    ],
    ids=["actionlint", "zizmor"],
)
def test_linters_pass(command: list[str]) -> None:
    proc = subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _uses(workflow: dict[str, Any]) -> set[str]:
    return {s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s}


def test_actions_are_the_deploy_workflows_pinned_shas() -> None:
    uses = _uses(RELEASE)
    assert uses <= _uses(DEPLOY)
    assert all(re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", u) or u.startswith("./") for u in uses)


def _environment_for(stack: str) -> str:
    """The canary job's `environment:` expression evaluated for `stack`."""
    expression = RELEASE["jobs"]["canary"]["environment"]
    match = re.fullmatch(r"\$\{\{ inputs\.stack == '(\w+)' && '(\w+)' \|\| '(\w+)' \}\}", expression)
    assert match, expression
    return match[2] if stack == match[1] else match[3]


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_runs_as_its_deploy_job_does(stack: str) -> None:
    (deploy_job,) = [j for j in DEPLOY["jobs"].values() if j["env"]["STACK"] == stack]
    # One concurrency group per stack, shared with its deploy: their `pulumi up`s never interleave.
    assert (
        RELEASE["concurrency"]["group"].replace("${{ inputs.stack }}", stack)
        == deploy_job["concurrency"]["group"]
    )
    assert RELEASE["concurrency"]["cancel-in-progress"] is False
    # The OIDC subject: the environment the stack's deployer trusts.
    config = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert _environment_for(stack) == config["mlfleet:github"]["environment"] == deploy_job["environment"]


def test_production_moves_only_in_the_approved_job() -> None:
    canary, promote = RELEASE["jobs"]["canary"], RELEASE["jobs"]["promote"]
    assert promote["environment"] == "production" and promote["needs"] == "canary"
    assert "verdict == 'pass'" in promote["if"]
    (run,) = [s["run"] for s in canary["steps"] if s.get("id") == "release"]
    assert "mlfleet release run" in run and "--apply" in run and "--stack" in run
    assert any(
        "mlfleet release promote" in s.get("run", "") and "--expected" in s["run"] for s in promote["steps"]
    )
    for job in (canary, promote):
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert RELEASE["permissions"] == {}
