"""The DCGM exporter runs on the GPU pools of EKS, AKS and GKE with a ServiceMonitor, after
monitoring; on GKE with the driver GKE installs on the node."""

from __future__ import annotations

import pytest

from components.addons.dcgm_exporter import CHART_VERSION, GKE_DRIVER_DIR
from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import typed

RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize("stack", ["dev", "azure-dev", "gcp-dev"])
def test_exporter_on_gpu_nodes_scraped_by_prometheus(stack: str) -> None:
    plan = preview_stack(stack)
    release = typed(plan, RELEASE, f"mlfleet-{stack}-dcgm")
    inputs = release["inputs"]
    assert inputs["chart"] == "dcgm-exporter" and inputs["version"] == CHART_VERSION
    values = inputs["values"]
    assert values["nodeSelector"] == {"mlfleet.io/pool": "gpu"}
    assert values["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert values["serviceMonitor"]["enabled"] is True
    monitoring = typed(plan, RELEASE, f"mlfleet-{stack}-monitoring")
    assert monitoring["urn"] in release["dependencies"]


def test_gke_exporter_mounts_the_gke_driver() -> None:
    values = typed(preview_stack("gcp-dev"), RELEASE, "mlfleet-gcp-dev-dcgm")["inputs"]["values"]
    (host,) = values["extraHostVolumes"]
    assert host["hostPath"] == GKE_DRIVER_DIR == "/home/kubernetes/bin/nvidia"
    mounts = {m["name"]: m for m in values["extraVolumeMounts"]}
    assert mounts[host["name"]]["mountPath"] == "/usr/local/nvidia"
    # The chart's own metrics list mount is kept (a list value replaces the chart's default list).
    assert mounts["exporter-metrics-volume"]["mountPath"] == "/etc/dcgm-exporter/default-counters.csv"
    env = {e["name"]: e["value"] for e in values["extraEnv"]}
    assert env == {
        "LD_LIBRARY_PATH": "/usr/local/nvidia/lib64",
        "DCGM_EXPORTER_KUBERNETES_GPU_ID_TYPE": "device-name",
    }


@pytest.mark.parametrize("stack", ["dev", "azure-dev"])
def test_driver_mounts_only_on_gke(stack: str) -> None:
    values = typed(preview_stack(stack), RELEASE, f"mlfleet-{stack}-dcgm")["inputs"]["values"]
    assert "extraHostVolumes" not in values and "extraEnv" not in values


def test_no_exporter_on_a_cluster_of_your_own() -> None:
    assert not [r for r in preview_stack("local").of_type(RELEASE) if r["name"].endswith("-dcgm")]
