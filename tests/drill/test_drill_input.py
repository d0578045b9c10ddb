"""`mlfleet drill` refuses what it cannot drill with one actionable line naming the stack file and
key, and configures haproxy from the stack's front door (checked by haproxy itself)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlfleet.cli import app
from mlfleet.drill.door import render_config
from mlfleet.drill.stack import read_stack
from mlfleet.drill.timing import Timing
from mlfleet.rehearse.tools import find_tool
from tests.support import REPO_ROOT, require_tool


def project_with(tmp_path: Path, name: str, config: dict[str, object]) -> Path:
    """A copy of this Pulumi project whose stacks/ holds one stack file."""
    (tmp_path / "stacks").mkdir()
    shutil.copy(REPO_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "__main__.py").symlink_to(REPO_ROOT / "__main__.py")
    (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def staging_global() -> dict[str, object]:
    return dict(yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.staging-global.yaml").read_text())["config"])


def drill_error(*args: str) -> str:
    result = CliRunner().invoke(app, ["drill", *args])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output  # one line, no traceback
    return lines[0]


def test_unknown_stack() -> None:
    assert "stacks/Pulumi.nope.yaml does not exist" in drill_error("--stack", "nope")


def test_one_cell_stack() -> None:
    line = drill_error("--stack", "dev")
    assert "stacks/Pulumi.dev.yaml" in line and "multi-cell stack" in line


def test_stack_without_front_door(tmp_path: Path) -> None:
    config = staging_global()
    del config["mlfleet:frontDoor"]
    line = drill_error("--stack", "nodoor", "--cwd", str(project_with(tmp_path, "nodoor", config)))
    assert "stacks/Pulumi.nodoor.yaml" in line and "'mlfleet:frontDoor' is not set" in line


def test_invalid_front_door_is_the_programs_own_error(tmp_path: Path) -> None:
    config = staging_global()
    config["mlfleet:frontDoor"] = {**config["mlfleet:frontDoor"], "interval": 15}  # type: ignore[dict-item]
    line = drill_error("--stack", "bad", "--cwd", str(project_with(tmp_path, "bad", config)))
    assert "mlfleet:frontDoor.interval" in line


@pytest.mark.parametrize("mode", ["active-active", "active-passive"])
def test_haproxy_accepts_the_door_config(tmp_path: Path, mode: str) -> None:
    haproxy = find_tool("haproxy") or require_tool("haproxy")  # Debian puts it in /usr/sbin
    config = staging_global()
    if mode == "active-passive":
        cells = [dict(c) for c in config["mlfleet:cells"]]  # type: ignore[attr-defined]
        cells[1]["role"] = "standby"
        config["mlfleet:cells"] = cells
        config["mlfleet:frontDoor"] = {
            "provider": "route53",
            "mode": mode,
            "interval": 10,
            "failureThreshold": 2,
        }
    stack = read_stack("door", project_with(tmp_path, "door", config))
    text = render_config(stack.door, Timing(1.0), 1, 2, {"use1": 3, "euw4": 4}, standby="euw4")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(text)
    subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], check=True)
    assert f"option httpchk GET {stack.door.health_path}" in text
    interval = int(stack.door.interval * 1000)
    threshold = stack.door.failure_threshold
    assert f"inter {interval}ms fall {threshold} rise {threshold}" in text
    assert ("server euw4 127.0.0.1:4 check backup" in text) == (mode == "active-passive")


def test_docs_expected_figures_follow_the_config() -> None:
    """docs/multi-cloud.md's drill table states staging-global's expectations from its config."""
    from mlfleet.drill.timing import ALIAS_MAX_AGE_SECONDS, SERVING_POLL_SECONDS, SYNC_PERIOD_SECONDS

    door = read_stack("staging-global", REPO_ROOT).door
    docs = (REPO_ROOT / "docs" / "multi-cloud.md").read_text()
    drill = docs[docs.index("## Failover drill") :]
    checks = f"{door.interval:g} s x {door.failure_threshold}, TTL {door.ttl}"
    head = f"Route 53 {door.mode}, {checks} (staging-global,"
    assert head in drill
    section = drill[drill.index(head) :].split("\n| Route 53 ", 1)[0]  # staging-global's rows only
    detection = door.interval * door.failure_threshold
    assert f"| 1 kill server | {detection:g} s | " in section
    assert f" | {detection + door.ttl:g} s | " in section
    cut = ALIAS_MAX_AGE_SECONDS + detection
    assert f"| 2 registry unreachable | {cut:g} s | " in section and f" | {cut + door.ttl:g} s | " in section
    assert f"| RPO | at most {SYNC_PERIOD_SECONDS + SERVING_POLL_SECONDS:g} s |" in section


def test_cells_on_one_cloud_are_refused(tmp_path: Path) -> None:
    config = staging_global()
    cells = [dict(c) for c in config["mlfleet:cells"]]  # type: ignore[attr-defined]
    cells[1].update(cloud="aws", region="us-west-2")
    config["mlfleet:cells"] = cells
    line = drill_error("--stack", "onecloud", "--cwd", str(project_with(tmp_path, "onecloud", config)))
    assert "both run on aws" in line


def test_azure_standby_is_drillable() -> None:
    dr = read_stack("dr", REPO_ROOT)
    assert (dr.primary.cloud, dr.secondary.cloud, dr.secondary.role) == ("aws", "azure", "standby")
    assert dr.door.mode == "active-passive"
