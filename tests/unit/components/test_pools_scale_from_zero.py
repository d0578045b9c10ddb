"""On GKE and AKS the native cluster autoscaler scales every CPU and GPU pool from zero (issue 11);
only the system pool keeps nodes for system pods. EKS: tests/unit/components/aws/test_eks_cluster.py."""

from __future__ import annotations

from mlfleet.engine.harness import preview_stack


def test_gke_pools_autoscale_from_zero() -> None:
    pools = {
        r["inputs"]["name"]: r["inputs"]
        for r in preview_stack("gcp-dev").of_type("gcp:container/nodePool:NodePool")
    }
    assert set(pools) == {"system", "cpu", "gpu-gpu"}
    assert pools["system"]["autoscaling"]["totalMinNodeCount"] == 1
    for name in ("cpu", "gpu-gpu"):
        assert pools[name]["autoscaling"]["totalMinNodeCount"] == 0, name
        assert pools[name]["autoscaling"]["totalMaxNodeCount"] >= 1, name


def test_aks_pools_autoscale_from_zero() -> None:
    pools = preview_stack("azure-dev").of_type("azure-native:containerservice:AgentPool")
    assert len(pools) == 2
    for pool in pools:
        inputs = pool["inputs"]
        assert inputs["enableAutoScaling"] is True, pool["name"]
        assert inputs["minCount"] == 0 and inputs["count"] == 0, pool["name"]
        assert inputs["maxCount"] >= 1, pool["name"]
