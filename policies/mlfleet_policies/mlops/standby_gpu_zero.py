"""A standby cell's GPU pools have no nodes: minimum 0 and nothing started at deploy (EKS desiredSize,
GKE initialNodeCount/nodeCount, AKS count). The standby waits for a failover; training runs in the
primary, so a GPU node there is pure idle cost until a pod asks for one."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.cells import cell_cluster, standby_clusters
from mlfleet_policies.mlops.gpu_pools import AKS, EKS, GKE, POOL_TYPES, is_gpu_pool, min_size
from mlfleet_policies.network import port_text
from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def started(resource_type: str, props: Any) -> Any:
    """Nodes the pool starts with (Karpenter NodePools start none)."""
    if resource_type == EKS:
        return get(props, "scalingConfig.desiredSize", 0)
    if resource_type == GKE:
        return get(props, "initialNodeCount") or get(props, "nodeCount") or 0
    if resource_type == AKS:
        return get(props, "count", 0)
    return 0


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    standby = standby_clusters(index)
    if not standby:
        return
    for pool in index.of_type(*POOL_TYPES):
        cluster = cell_cluster(index, pool)
        if cluster is None or cluster.urn not in standby or not is_gpu_pool(pool.resource_type, pool.props):
            continue
        minimum, initial = min_size(pool.resource_type, pool.props), started(pool.resource_type, pool.props)
        if minimum != 0 or initial != 0:
            yield (
                f"GPU pool {pool.name} of standby cluster {cluster.name} keeps nodes (minimum "
                f"{port_text(minimum)}, at deploy {port_text(initial)}); a standby's GPU pools scale to zero",
                pool.urn,
            )


RULE = stack_rule(
    RuleMeta(
        id="mlops-standby-gpu-scale-to-zero",
        description="A standby cell's GPU pools must have no nodes until a failover asks for them.",
        severity=Severity.HIGH,
        remediation=(
            "In the cell the front door fails over to: EKS scalingConfig minSize=0 and desiredSize=0 "
            "(Karpenter NodePools start empty), GKE autoscaling min 0 without initialNodeCount, AKS "
            "enableAutoScaling with minCount=0 and count=0."
        ),
        topics=("mlops", "gpu", "cost", "topology"),
        assumes="outputs",
    ),
    check,
)
