"""Opt-in: `pulumi preview` of the dev stack with the real CLI and AWS, showing the budget the plan
promises is one the cloud accepts. Runs only with MLFLEET_TEST_CLOUD=1, AWS credentials and the
`pulumi` CLI on PATH; a local file backend keeps it off any Pulumi Cloud account."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUDGET = "aws:budgets/budget:Budget"


def _missing() -> str | None:
    if os.environ.get("MLFLEET_TEST_CLOUD") != "1":
        return "set MLFLEET_TEST_CLOUD=1 to preview against a real cloud"
    if not (os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE")):
        return "no AWS credentials (AWS_ACCESS_KEY_ID or AWS_PROFILE)"
    if shutil.which("pulumi") is None:
        return "the pulumi CLI is not on PATH (no registry here ships it)"
    return None


pytestmark = [pytest.mark.cloud, pytest.mark.skipif(_missing() is not None, reason=str(_missing()))]


def test_real_preview_creates_the_dev_budget(tmp_path: Path) -> None:
    from pulumi import automation as auto

    env = {
        "PULUMI_BACKEND_URL": f"file://{tmp_path}",
        "PULUMI_CONFIG_PASSPHRASE": "mlfleet-cloud-test",
    }
    stack = auto.create_or_select_stack(
        "dev", work_dir=str(REPO), opts=auto.LocalWorkspaceOptions(env_vars=env)
    )
    planned: list[str] = []

    def on_event(event: auto.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            planned.append(event.resource_pre_event.metadata.type)

    result = stack.preview(on_event=on_event)
    assert BUDGET in planned, result.stdout[-2000:]
