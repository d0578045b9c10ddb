"""NVIDIA DCGM exporter: GPU metrics (DCGM_FI_*) for the in-cluster Prometheus, so the GPU dashboard
and MlfleetGpuNodesIdle have data on clusters whose cloud does not feed that Prometheus itself.

Chart `dcgm-exporter` from https://nvidia.github.io/dcgm-exporter/helm-charts pinned to
CHART_VERSION (values.yaml of NVIDIA/dcgm-exporter `deployment/` at that version): a DaemonSet on
the GPU pool only (node selector + toleration of the GPU taint), its Service, and the chart's
ServiceMonitor, which kube-prometheus-stack selects (its selectors take every ServiceMonitor).

On GKE the NVIDIA driver is GKE's, installed under /home/kubernetes/bin/nvidia on the node, not
where the exporter's image looks: GKE_VALUES mount it at /usr/local/nvidia with LD_LIBRARY_PATH
pointing into it, name GPUs as GKE's device plugin does (DCGM_EXPORTER_KUBERNETES_GPU_ID_TYPE=
device-name, so pod attribution works) and run the container privileged, as Google's exporter
manifest does (GoogleCloudPlatform/prometheus-engine examples/nvidia-dcgm/exporter.yaml, commit
03303ccc7e3f; the same values in NVIDIA's GKE install notes for the dcgm-exporter chart). GKE's own
managed DCGM package feeds Cloud Monitoring, not the in-cluster Prometheus the GPU dashboard and
MlfleetGpuNodesIdle query, so GKE gets the exporter too.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.addons.helm_release import PinnedChart
from components.kubernetes.node_pools import GPU_TAINT_EFFECT, GPU_TAINT_KEY, POOL_LABEL

CHART = "dcgm-exporter"
CHART_VERSION = "4.1.3"
REPOSITORY = "https://nvidia.github.io/dcgm-exporter/helm-charts"
NAMESPACE = "monitoring"
GKE_DRIVER_DIR = "/home/kubernetes/bin/nvidia"
# The chart's default metrics list (extraConfigMapVolumes/extraVolumeMounts of values.yaml at 4.1.3):
# a list value replaces the chart's, so GKE's mounts repeat it.
_METRICS_MOUNT = {
    "name": "exporter-metrics-volume",
    "mountPath": "/etc/dcgm-exporter/default-counters.csv",
    "subPath": "default-counters.csv",
}
GKE_VALUES: dict[str, Any] = {
    "securityContext": {"privileged": True},
    "extraHostVolumes": [{"name": "nvidia-install-dir-host", "hostPath": GKE_DRIVER_DIR}],
    "extraVolumeMounts": [
        _METRICS_MOUNT,
        {"name": "nvidia-install-dir-host", "mountPath": "/usr/local/nvidia", "readOnly": True},
    ],
    "extraEnv": [
        {"name": "LD_LIBRARY_PATH", "value": "/usr/local/nvidia/lib64"},
        {"name": "DCGM_EXPORTER_KUBERNETES_GPU_ID_TYPE", "value": "device-name"},
    ],
}


def chart_values(gke: bool = False) -> dict[str, Any]:
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
        **(GKE_VALUES if gke else {}),
    }


def dcgm_exporter(
    name: str, provider: k8s.Provider, opts: pulumi.ResourceOptions | None = None, gke: bool = False
) -> k8s.helm.v3.Release:
    """The release; pass `depends_on` the monitoring release (the ServiceMonitor CRD)."""
    return PinnedChart(CHART, CHART_VERSION, REPOSITORY, NAMESPACE).release(
        name, chart_values(gke), provider, opts
    )
