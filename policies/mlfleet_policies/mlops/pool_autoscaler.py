"""Node pools that start at (or may shrink to) zero nodes have something that scales them up:
otherwise pending pods (training Jobs) wait forever.

EKS managed node groups with minSize or desiredSize 0 need Karpenter or the cluster-autoscaler in
the stack (a Helm release of either chart, a Deployment running either image, Karpenter NodePools,
or EKS Auto Mode); GKE node pools at 0 nodes need `autoscaling`; AKS agent pools at count 0 need
enableAutoScaling. Pools declared inline (a GKE cluster's nodePools, an AKS cluster's
agentPoolProfiles) are read the same way.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.gpu_pools import AKS, EKS, GKE, KARPENTER, min_size
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

AUTOSCALERS = ("karpenter", "cluster-autoscaler")
HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
# Karpenter's NodePool before v1 (karpenter.sh/v1beta1) counts too.
KARPENTER_POOLS = (KARPENTER, "kubernetes:karpenter.sh/v1beta1:NodePool")
EKS_CLUSTER = "aws:eks/cluster:Cluster"
# cluster type -> (the pool type its inline pools are shaped like, the field holding them)
INLINE_POOLS = {
    "gcp:container/cluster:Cluster": (GKE, "nodePools"),
    "azure-native:containerservice:ManagedCluster": (AKS, "agentPoolProfiles"),
}


def has_node_autoscaler(index: StackIndex) -> bool:
    """Karpenter or the cluster-autoscaler runs in the stack (for EKS managed node groups)."""
    if index.of_type(*KARPENTER_POOLS):
        return True
    # EKS Auto Mode scales nodes itself (pulumi-aws 7.x eks Cluster computeConfig.enabled).
    if any(get(c.props, "computeConfig.enabled") is True for c in index.of_type(EKS_CLUSTER)):
        return True
    for release in index.of_type(*HELM):
        chart = f"{get(release.props, 'chart', '')} {get(release.props, 'name', '')}".lower()
        if any(name in chart for name in AUTOSCALERS):
            return True
    for deployment in index.of_type(DEPLOYMENT):
        containers = items(get(deployment.props, "spec.template.spec.containers"))
        if any(name in str(get(c, "image", "")) for c in containers for name in AUTOSCALERS):
            return True
    return False


def stuck_at_zero(kind: str, props: Any, autoscaled_eks: bool) -> str | None:
    """Why the pool (of resource type `kind`) may sit at zero nodes with nothing to add one, or None."""
    if kind == EKS:
        sizes = {k: get(props, f"scalingConfig.{k}") for k in ("minSize", "desiredSize")}
        zero = [k for k, v in sizes.items() if v == 0]
        if zero and not autoscaled_eks:
            return f"{' and '.join(zero)} 0 with no Karpenter or cluster-autoscaler in the stack"
    elif kind == GKE:
        count = get(props, "nodeCount", get(props, "initialNodeCount"))
        if count == 0 and get(props, "autoscaling") is None:
            return "0 nodes and no autoscaling block"
    elif kind == AKS and not get(props, "enableAutoScaling"):
        if min_size(AKS, props) == 0:
            return "count 0 with enableAutoScaling off"
    return None


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    autoscaled_eks = has_node_autoscaler(index)
    for pool in index.of_type(EKS, GKE, AKS):
        why = stuck_at_zero(pool.resource_type, pool.props, autoscaled_eks)
        if why is not None:
            yield f"node pool {pool.name} has {why}: pending pods never get a node", pool.urn
    # Pools declared inside the cluster resource (GKE nodePools, AKS agentPoolProfiles).
    for cluster in index.of_type(*INLINE_POOLS):
        kind, field = INLINE_POOLS[cluster.resource_type]
        for pool in items(get(cluster.props, field)):
            why = stuck_at_zero(kind, pool, autoscaled_eks)
            if why is not None:
                name = f"{cluster.name}/{get(pool, 'name', '?')}"
                yield f"node pool {name} has {why}: pending pods never get a node", cluster.urn


RULE = stack_rule(
    RuleMeta(
        id="mlops-pool-zero-needs-autoscaler",
        description="Node pools that can be at zero nodes must have an autoscaler that scales them up.",
        severity=Severity.HIGH,
        remediation=(
            "EKS: deploy Karpenter (NodePools) or the cluster-autoscaler chart, or give the node group "
            "minSize/desiredSize >= 1; GKE: add autoscaling {min_node_count: 0, max_node_count: N}; AKS: "
            "enable_auto_scaling with min_count 0 and max_count N."
        ),
        topics=("mlops", "kubernetes", "cost"),
        assumes="outputs",
    ),
    check,
)
