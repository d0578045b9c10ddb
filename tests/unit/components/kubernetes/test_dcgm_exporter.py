"""The DCGM exporter runs on the GPU pools of EKS and AKS with a ServiceMonitor, after monitoring."""

from __future__ import annotations

import pytest

from components.addons.dcgm_exporter import CHART_VERSION
from mlfleet.engine.harness import preview_stack
from tests.unit.components.plans import typed

RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize("stack", ["dev", "azure-dev"])
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


@pytest.mark.parametrize("stack", ["gcp-dev", "local"])
def test_no_exporter_where_not_installed(stack: str) -> None:
    assert not [r for r in preview_stack(stack).of_type(RELEASE) if r["name"].endswith("-dcgm")]
