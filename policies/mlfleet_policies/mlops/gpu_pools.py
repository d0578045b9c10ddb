"""Recognising GPU node pools on EKS (managed node groups or Karpenter NodePools), GKE and AKS and
reading their minimum size and spot setting."""

from __future__ import annotations

from typing import Any

from mlfleet_policies.props import get, items, merged_tags, strings

EKS = "aws:eks/nodeGroup:NodeGroup"
GKE = "gcp:container/nodePool:NodePool"
AKS = "azure-native:containerservice:AgentPool"
# Karpenter (karpenter.sh/v1): nodes exist only for pending pods; the pool's capacity type, instance
# types and taints are requirements of its node template.
KARPENTER = "kubernetes:karpenter.sh/v1:NodePool"
POOL_TYPES = (EKS, GKE, AKS, KARPENTER)
_GPU_RESOURCE = "nvidia.com/gpu"
GPU_INSTANCE_PREFIXES = ("p2", "p3", "p4", "p5", "g3", "g4", "g5", "g6", "gr6")
GPU_MACHINE_PREFIXES = ("a2-", "a3-", "g2-")


def _requirement(props: Any, key: str) -> list[str]:
    for requirement in items(get(props, "spec.template.spec.requirements")):
        if get(requirement, "key") == key and get(requirement, "operator") == "In":
            return strings(get(requirement, "values"))
    return []


def is_gpu_pool(resource_type: str, props: Any) -> bool:
    if resource_type == KARPENTER:
        families = [t.split(".")[0] for t in _requirement(props, "node.kubernetes.io/instance-type")]
        families += _requirement(props, "karpenter.k8s.aws/instance-family")
        taints = [get(t, "key") for t in items(get(props, "spec.template.spec.taints"))]
        return (
            any(f.startswith(GPU_INSTANCE_PREFIXES) for f in families)
            or _GPU_RESOURCE in taints
            or _GPU_RESOURCE in (get(props, "spec.limits") or {})
        )
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
    if resource_type == KARPENTER:
        # No minimum: empty nodes go unless disruption is switched off (consolidateAfter: Never).
        return (
            "never removed (consolidateAfter: Never)"
            if get(props, "spec.disruption.consolidateAfter") == "Never"
            else 0
        )
    if resource_type == EKS:
        return get(props, "scalingConfig.minSize")
    if resource_type == GKE:
        return get(props, "autoscaling.minNodeCount", get(props, "autoscaling.totalMinNodeCount"))
    return get(props, "minCount") if get(props, "enableAutoScaling") else get(props, "count", 1)


def is_spot(resource_type: str, props: Any) -> bool:
    if resource_type == KARPENTER:
        return "spot" in _requirement(props, "karpenter.sh/capacity-type")
    if resource_type == EKS:
        return get(props, "capacityType") == "SPOT"
    if resource_type == GKE:
        return get(props, "nodeConfig.spot") is True or get(props, "nodeConfig.preemptible") is True
    return get(props, "scaleSetPriority") == "Spot"


def pool_tags(resource_type: str, props: Any) -> dict[str, str]:
    if resource_type == KARPENTER:
        return merged_tags(get(props, "metadata.labels"), get(props, "spec.template.metadata.labels"))
    if resource_type == GKE:
        return merged_tags(get(props, "nodeConfig.resourceLabels"), get(props, "nodeConfig.labels"))
    return merged_tags(get(props, "tags"), get(props, "tagsAll"))
