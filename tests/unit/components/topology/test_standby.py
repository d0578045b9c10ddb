"""Standby cells (issue 13 item 5) on the real dr stack (AWS use1 primary, Azure weu standby behind
Route 53 failover): the standby serves at its minimum and its GPU pools have no nodes; the primary is
untouched; mlops-standby-gpu-scale-to-zero recognises the standby in the real plan's shapes."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlfleet.engine.harness import preview_stack
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

REPO = Path(__file__).resolve().parents[4]
BASE = yaml.safe_load((REPO / "stacks" / "Pulumi.dr.yaml").read_text())["config"]
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
AGENT_POOL = "azure-native:containerservice:AgentPool"


def one(plan: dict[str, Any], type_: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in plan["resources"] if r["type"] == type_ and r["name"] == name]
    return found


def serving_floor(plan: dict[str, Any], stack: str, cell: str) -> tuple[int, int, int]:
    """(Deployment replicas, HPA minReplicas, HPA maxReplicas) of a cell's serving."""
    hpa = one(plan, HPA, f"mlfleet-{stack}-{cell}-serving-hpa")["inputs"]["spec"]
    replicas = one(plan, DEPLOYMENT, f"mlfleet-{stack}-{cell}-serving")["inputs"]["spec"]["replicas"]
    return int(replicas), int(hpa["minReplicas"]), int(hpa["maxReplicas"])


@pytest.fixture(scope="module")
def dr() -> dict[str, Any]:
    return preview_stack("dr").data


def test_prod_standby_serves_at_the_prod_floor_and_keeps_its_ceiling(dr) -> None:
    # Prod keeps 2 in every cell (k8s-serving-replicas-in-prod, k8s-serving-pdb-in-prod).
    assert serving_floor(dr, "dr", "weu") == (2, 2, 10)
    assert serving_floor(dr, "dr", "use1") == (2, 2, 10)


def test_standby_outside_prod_serves_one_replica(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.drstaging.yaml").write_text(
        yaml.safe_dump(
            {"config": {**BASE, "mlfleet:environment": "staging", "mlfleet:deletionProtection": False}}
        )
    )
    project = dataclasses.replace(load_project(REPO), stack_config_dir=tmp_path)
    plan = run_preview(REPO, "drstaging", project)
    assert serving_floor(plan, "drstaging", "weu") == (1, 1, 10)
    assert serving_floor(plan, "drstaging", "use1") == (2, 2, 10)


def test_standby_gpu_pools_start_and_stay_at_zero(dr) -> None:
    pools = [
        r
        for r in dr["resources"]
        if r["type"] == AGENT_POOL and r["name"].startswith("mlfleet-dr-weu-gpu-gpu")
    ]
    assert pools
    for pool in pools:
        inputs = pool["inputs"]
        assert (inputs["count"], inputs["minCount"], inputs["enableAutoScaling"]) == (0, 0, True)


def test_cell_rules_on_the_real_plan(dr) -> None:
    """mlops-standby-gpu-scale-to-zero finds the real standby (a warm GPU pool there is a violation);
    mlops-monitoring-per-cell finds each cell's monitoring by its provider (dropping weu's is one)."""
    from mlfleet.policycheck import check_plans

    warm = copy.deepcopy(dr)
    (pool,) = [
        r for r in warm["resources"] if r["type"] == AGENT_POOL and r["name"] == "mlfleet-dr-weu-gpu-gpugpu"
    ]
    for side in ("inputs", "outputs"):  # stack rules read outputs; the mock echoes the inputs there
        pool[side]["count"] = 1
    unmonitored = copy.deepcopy(dr)
    unmonitored["resources"] = [
        r
        for r in unmonitored["resources"]
        if "MonitoringStack" not in r["urn"] and "-weu-dcgm" not in r["name"]
    ]
    results = check_plans({"dr": dr, "dr-warm": warm, "dr-unmonitored": unmonitored})

    def found(index: int, rule: str) -> list[str]:
        return [v.message for v in results[index].violations if v.rule == rule]

    standby, monitoring = "mlops-standby-gpu-scale-to-zero", "mlops-monitoring-per-cell"
    assert found(0, standby) == found(0, monitoring) == []
    assert found(1, standby) == [
        "GPU pool mlfleet-dr-weu-gpu-gpugpu of standby cluster mlfleet-dr-weu-gpu keeps nodes (minimum 0, "
        "at deploy 1); a standby's GPU pools scale to zero"
    ]
    assert found(2, monitoring) == [
        f"cluster mlfleet-dr-{cell}-gpu runs no monitoring stack (Prometheus on its own provider)"
        for cell in ("use1", "weu")
    ]
