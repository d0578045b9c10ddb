"""Recognising GPU node pools on EKS, GKE and AKS and reading their minimum size and spot setting."""

from __future__ import annotations

from typing import Any

from mlfleet_policies.props import get, items, merged_tags, strings

EKS = "aws:eks/nodeGroup:NodeGroup"
GKE = "gcp:container/nodePool:NodePool"
AKS = "azure-native:containerservice:AgentPool"
POOL_TYPES = (EKS, GKE, AKS)
GPU_INSTANCE_PREFIXES = ("p2", "p3", "p4", "p5", "g3", "g4", "g5", "g6", "gr6")
GPU_MACHINE_PREFIXES = ("a2-", "a3-", "g2-")


def is_gpu_pool(resource_type: str, props: Any) -> bool:
    if resource_type == EKS:
        ami = str(get(props, "amiType", "")).upper()
        families = [t.split(".")[0] for t in strings(get(props, "instanceTypes"))]
        return "GPU" in ami or "NVIDIA" in ami or any(f.startswith(GPU_INSTANCE_PREFIXES) for f in families)
    if resource_type == GKE:
        machine = str(get(props, "nodeConfig.machineType", ""))
        return bool(items(get(props, "nodeConfig.guestAccelerators"))) or machine.startswith(
            GPU_MACHINE_PREFIXES
        )
    if resource_type == AKS:
        return str(get(props, "vmSize", "")).upper().startswith(("STANDARD_N", "STANDARD_ND", "STANDARD_NC"))
    return False


def min_size(resource_type: str, props: Any) -> Any:
    if resource_type == EKS:
        return get(props, "scalingConfig.minSize")
    if resource_type == GKE:
        return get(props, "autoscaling.minNodeCount", get(props, "autoscaling.totalMinNodeCount"))
    return get(props, "minCount") if get(props, "enableAutoScaling") else get(props, "count", 1)


def is_spot(resource_type: str, props: Any) -> bool:
    if resource_type == EKS:
        return get(props, "capacityType") == "SPOT"
    if resource_type == GKE:
        return get(props, "nodeConfig.spot") is True or get(props, "nodeConfig.preemptible") is True
    return get(props, "scaleSetPriority") == "Spot"


def pool_tags(resource_type: str, props: Any) -> dict[str, str]:
    if resource_type == GKE:
        return merged_tags(get(props, "nodeConfig.resourceLabels"), get(props, "nodeConfig.labels"))
    return merged_tags(get(props, "tags"), get(props, "tagsAll"))
