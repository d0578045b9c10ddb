"""Pods scheduled onto GPU nodes (GPU toleration or node selector) limit nvidia.com/gpu."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_spec
from mlfleet_policies.props import get, items, mapping
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

GPU = "nvidia.com/gpu"


def wants_gpu_nodes(spec: Mapping[str, Any]) -> bool:
    tolerations = [get(t, "key") for t in items(spec.get("tolerations"))]
    selectors = [str(k) for k in mapping(spec.get("nodeSelector"))]
    return GPU in tolerations or any("gpu" in k.lower() or "accelerator" in k.lower() for k in selectors)


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    if not wants_gpu_nodes(spec):
        return
    if not any(get(c, "resources.limits", {}).get(GPU) for c in containers(spec, include_init=False)):
        yield f"targets GPU nodes but no container limits {GPU}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-gpu-limits",
        description="Training pods that target GPU nodes must set nvidia.com/gpu limits.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set resources.limits['nvidia.com/gpu'] on the training container (GPUs are only "
            "allocated through limits)."
        ),
        frameworks=(),
        topics=("kubernetes", "pod-security", "gpu", "mlops"),
    ),
    WORKLOAD_TYPES,
    check,
)
