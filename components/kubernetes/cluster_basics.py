"""What every managed cluster gets once it is up: the mlfleet namespaces and, where the cloud does not
install it, the NVIDIA device plugin on the GPU pools."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.context import PlatformContext
from components.kubernetes.namespaces import DEFAULT_NAMESPACES, WorkloadNamespaces
from components.kubernetes.node_pools import GPU_TAINT_EFFECT, GPU_TAINT_KEY, POOL_LABEL

DEVICE_PLUGIN_CHART = "nvidia-device-plugin"
DEVICE_PLUGIN_VERSION = "0.17.1"
DEVICE_PLUGIN_REPO = "https://nvidia.github.io/k8s-device-plugin"


def cluster_basics(
    name: str,
    provider: k8s.Provider,
    context: PlatformContext,
    parent: pulumi.Resource,
    device_plugin: bool,
) -> WorkloadNamespaces:
    namespaces = WorkloadNamespaces(
        f"{name}-ns", DEFAULT_NAMESPACES, provider, context.tags(), pulumi.ResourceOptions(parent=parent)
    )
    if device_plugin:
        # Runs only on GPU nodes (they are tainted; the plugin tolerates the taint).
        k8s.helm.v3.Release(
            f"{name}-nvidia-device-plugin",
            name=DEVICE_PLUGIN_CHART,
            chart=DEVICE_PLUGIN_CHART,
            version=DEVICE_PLUGIN_VERSION,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=DEVICE_PLUGIN_REPO),
            namespace="kube-system",
            values={
                "nodeSelector": {POOL_LABEL: "gpu"},
                "tolerations": [{"key": GPU_TAINT_KEY, "operator": "Exists", "effect": GPU_TAINT_EFFECT}],
            },
            opts=pulumi.ResourceOptions(parent=parent, provider=provider),
        )
    return namespaces
