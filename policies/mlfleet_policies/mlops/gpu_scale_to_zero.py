"""GPU node pools autoscale down to zero nodes: idle GPUs are the largest avoidable cost."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.mlops.gpu_pools import POOL_TYPES, is_gpu_pool, min_size
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not is_gpu_pool(r.type, r.props):
        return
    minimum = min_size(r.type, r.props)
    if minimum != 0:
        yield f"GPU pool minimum size is {minimum!r}; it must scale to 0 when no training runs"


RULE = resource_rule(
    RuleMeta(
        id="mlops-gpu-pool-scale-to-zero",
        description="GPU node pools must autoscale to zero.",
        severity=Severity.MEDIUM,
        remediation=(
            "EKS: scalingConfig.minSize=0 (Karpenter: keep disruption on, consolidateAfter not Never); "
            "GKE: autoscaling.min_node_count=0; AKS: enable_auto_scaling with min_count=0."
        ),
        topics=("mlops", "gpu", "cost"),
    ),
    POOL_TYPES,
    check,
)
