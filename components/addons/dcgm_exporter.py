"""NVIDIA DCGM exporter: GPU metrics (DCGM_FI_*) for the in-cluster Prometheus, so the GPU dashboard
and MlfleetGpuNodesIdle have data on clusters whose cloud does not feed that Prometheus itself.

Chart `dcgm-exporter` from https://nvidia.github.io/dcgm-exporter/helm-charts pinned to
CHART_VERSION (values.yaml of NVIDIA/dcgm-exporter `deployment/` at that version): a DaemonSet on
the GPU pool only (node selector + toleration of the GPU taint), its Service, and the chart's
ServiceMonitor, which kube-prometheus-stack selects (its selectors take every ServiceMonitor).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.node_pools import GPU_TAINT_EFFECT, GPU_TAINT_KEY, POOL_LABEL

CHART = "dcgm-exporter"
CHART_VERSION = "4.1.3"
REPOSITORY = "https://nvidia.github.io/dcgm-exporter/helm-charts"
NAMESPACE = "monitoring"


def chart_values() -> dict[str, Any]:
    return {
        "nodeSelector": {POOL_LABEL: "gpu"},
        "tolerations": [{"key": GPU_TAINT_KEY, "operator": "Exists", "effect": GPU_TAINT_EFFECT}],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "512Mi"},
        },
        "serviceMonitor": {
            "enabled": True,
            "interval": "15s",
            "additionalLabels": {"release": "kube-prometheus-stack"},
        },
    }


def dcgm_exporter(
    name: str, provider: k8s.Provider, opts: pulumi.ResourceOptions | None = None
) -> k8s.helm.v3.Release:
    """The release; pass `depends_on` the monitoring release (the ServiceMonitor CRD)."""
    return k8s.helm.v3.Release(
        name,
        name=CHART,
        chart=CHART,
        version=CHART_VERSION,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=REPOSITORY),
        namespace=NAMESPACE,
        atomic=True,
        cleanup_on_fail=True,
        values=chart_values(),
        opts=pulumi.ResourceOptions.merge(pulumi.ResourceOptions(provider=provider), opts),
    )
