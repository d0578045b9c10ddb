"""The workflow previews each side once: `mlfleet policy check --plan DIR` checks a directory of plans
(what `mlfleet preview --all --json DIR` writes) without previewing again."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mlfleet.cli import app
from mlfleet.engine.plan import dumps
from tests.diff.plans import QUEUE, plan, resource


def test_policy_check_reads_a_directory_of_plans(tmp_path: Path) -> None:
    plans = tmp_path / "plans"
    plans.mkdir()
    for stack in ("one", "two"):
        (plans / f"{stack}.json").write_text(dumps(plan(stack, [resource(stack, QUEUE, "q", {"name": "q"})])))
    out = tmp_path / "policy.json"
    result = CliRunner().invoke(
        app, ["policy", "check", "--plan", str(plans), "--format", "json", "-o", str(out)]
    )
    assert result.exit_code in (0, 1), result.output
    report = json.loads(out.read_text())
    assert sorted(s["stack"] for s in report["stacks"]) == ["one", "two"]


def test_policy_check_on_an_empty_directory_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "check", "--plan", str(tmp_path)])
    assert result.exit_code == 2 and "no plans (*.json)" in result.output and "Traceback" not in result.output
