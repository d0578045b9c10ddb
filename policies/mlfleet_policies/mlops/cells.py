"""Cells as the plan shows them: a cell is a cloud cluster (EKS, GKE, AKS) and what runs on it or
beside it. A Kubernetes resource belongs to the cluster behind its provider; a node pool or the
cluster's own provider to the cluster it depends on or shares its component with. Nothing is
inferred from a resource's name."""

from __future__ import annotations

from pulumi_policy import PolicyResource

from mlfleet_policies.mlops.placement import CLUSTER_CLOUDS
from mlfleet_policies.props import get, items
from mlfleet_policies.stack_index import StackIndex

ROUTE53_RECORD = "aws:route53/record:Record"
TRAFFIC_MANAGER = "azure-native:trafficmanager:Profile"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"


def clusters(index: StackIndex) -> list[PolicyResource]:
    return index.of_type(*CLUSTER_CLOUDS)


def _owners(index: StackIndex) -> dict[str, PolicyResource]:
    """Component URN -> the one cluster below it (components holding several clusters own none)."""
    below: dict[str, list[PolicyResource]] = {}
    for cluster in clusters(index):
        for ancestor in index.ancestors(cluster):
            if ancestor.resource_type != "pulumi:pulumi:Stack":
                below.setdefault(ancestor.urn, []).append(cluster)
    return {urn: found[0] for urn, found in below.items() if len(found) == 1}


def cell_cluster(index: StackIndex, resource: PolicyResource) -> PolicyResource | None:
    """The cluster `resource` belongs to, or None when the plan does not say."""
    anchor: PolicyResource | None = resource
    if resource.resource_type.startswith("kubernetes:"):
        # A default provider (no resource of the stack) names no cluster.
        anchor = index.by_urn.get(resource.provider.urn) if resource.provider is not None else None
    if anchor is None:
        return None
    if anchor.resource_type in CLUSTER_CLOUDS:
        return anchor
    direct = [d for d in anchor.dependencies if d.resource_type in CLUSTER_CLOUDS]
    if len({d.urn for d in direct}) == 1:
        return index.by_urn.get(direct[0].urn, direct[0])
    owners = _owners(index)
    for ancestor in index.ancestors(anchor):
        if ancestor.urn in owners:
            return owners[ancestor.urn]
    return None


def failover_hosts(index: StackIndex) -> set[str]:
    """The serving hosts the front door routes to only on failover: targets of Route 53 SECONDARY
    failover records, and Traffic Manager Priority endpoints after the first priority."""
    hosts = {
        str(target).rstrip(".")
        for record in index.of_type(ROUTE53_RECORD)
        if any(get(p, "type") == "SECONDARY" for p in items(get(record.props, "failoverRoutingPolicies")))
        for target in items(get(record.props, "records"))
    }
    for profile in index.of_type(TRAFFIC_MANAGER):
        if get(profile.props, "trafficRoutingMethod") != "Priority":
            continue
        endpoints = items(get(profile.props, "endpoints"))
        priorities = [int(get(e, "priority", 1) or 1) for e in endpoints]
        first = min(priorities, default=1)
        hosts |= {str(get(e, "target", "")) for e, p in zip(endpoints, priorities, strict=True) if p > first}
    return hosts - {""}


def standby_clusters(index: StackIndex) -> dict[str, PolicyResource]:
    """Cluster URN -> cluster of every standby cell: the cells whose Ingress serves a failover host."""
    standby = failover_hosts(index)
    found: dict[str, PolicyResource] = {}
    for ingress in index.of_type(INGRESS):
        hosts = {str(get(rule, "host", "")) for rule in items(get(ingress.props, "spec.rules"))}
        cluster = cell_cluster(index, ingress) if hosts & standby else None
        if cluster is not None:
            found[cluster.urn] = cluster
    return found


def cross_cell_sync(index: StackIndex) -> bool:
    """Whether the stack runs the cross-cell registry sync (a `*:RegistrySync` block): each cell's
    registry then has a copy in another cell, another cloud and region. Which cells it covers is the
    sync rule's to check (mlops-multi-cell-registry-sync)."""
    return any(
        r.resource_type.endswith(":RegistrySync") or index.has_ancestor_type(r, ":RegistrySync")
        for r in index.resources
    )
