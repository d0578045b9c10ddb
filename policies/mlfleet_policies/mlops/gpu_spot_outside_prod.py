"""Outside prod, GPU node pools use spot/preemptible capacity (environment from the pool's tags/labels
or config)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.mlops.gpu_pools import POOL_TYPES, is_gpu_pool, is_spot, pool_tags
from mlfleet_policies.props import environment_of, is_production
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    tags = pool_tags(r.type, r.props)
    if not is_gpu_pool(r.type, r.props) or is_production(tags, r.config) or is_spot(r.type, r.props):
        return
    env = environment_of(tags, r.config) or "unknown"
    yield f"GPU pool uses on-demand capacity in environment {env!r}; use spot/preemptible outside prod"


RULE = resource_rule(
    RuleMeta(
        id="mlops-gpu-pool-spot-outside-prod",
        description="GPU node pools outside prod must use spot/preemptible capacity.",
        severity=Severity.MEDIUM,
        remediation=(
            "EKS: capacityType='SPOT' (Karpenter: karpenter.sh/capacity-type In [spot]); GKE: "
            "node_config.spot=True; AKS: scale_set_priority='Spot'."
        ),
        topics=("mlops", "gpu", "cost"),
    ),
    POOL_TYPES,
    check,
)
