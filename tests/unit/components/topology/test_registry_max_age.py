"""Behind a front door, a cell's serving replicas report unready once they cannot read the serving
alias for mlfleet:frontDoor.registryMaxAge seconds, so the door moves users to a cell that sees its
registry (the failover drill's scenario 2); one-cell stacks keep serving through a registry outage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlfleet_serving.settings import ServingSettings

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import preview_with, stack_config

VARIABLE = "MLFLEET_ALIAS_MAX_AGE_SECONDS"


def _serving_env(plan: Any) -> list[dict[str, str]]:
    """The serving container's env of every cell's serving Deployment."""
    found = []
    for deployment in plan.of_type("kubernetes:apps/v1:Deployment"):
        for container in deployment["inputs"]["spec"]["template"]["spec"]["containers"]:
            if container["name"] == "serving":
                found.append({e["name"]: e.get("value") for e in container.get("env", [])})
    return found


def test_cells_behind_a_front_door_bound_the_alias_age_and_the_server_accepts_it() -> None:
    envs = _serving_env(preview_stack("staging-global"))
    assert len(envs) == 2 and all(env[VARIABLE] == "300" for env in envs)
    # The value parses as the server's own setting (what the pod does at start).
    settings = ServingSettings(registry="s3://b/p", model="m", alias_max_age_seconds=envs[0][VARIABLE])
    assert settings.alias_max_age_seconds == 300


def test_a_one_cell_stack_keeps_serving_through_a_registry_outage() -> None:
    (env,) = _serving_env(preview_stack("dev"))
    assert VARIABLE not in env


def test_the_bound_comes_from_the_front_door_config(tmp_path: Path) -> None:
    door = stack_config("staging-global")["mlfleet:frontDoor"]
    plan = preview_with(tmp_path, "staging-global", {"mlfleet:frontDoor": {**door, "registryMaxAge": 0}})
    assert all(VARIABLE not in env for env in _serving_env(plan))


def test_a_bound_below_the_alias_poll_is_a_config_error(tmp_path: Path) -> None:
    door = stack_config("staging-global")["mlfleet:frontDoor"]
    with pytest.raises(PreviewError) as info:
        preview_with(tmp_path, "staging-global", {"mlfleet:frontDoor": {**door, "registryMaxAge": 5}})
    message = str(info.value)
    assert "Pulumi.staging-global.yaml" in message and "mlfleet:frontDoor" in message
    assert "registryMaxAge is 5" in message and "poll interval" in message
