"""AKS node pools: inline in a ManagedCluster's agentPoolProfiles, or a separate AgentPool resource."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mlfleet_policies.props import get, items

POOL_TYPES = ("azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool")


def node_pools(r: Any) -> Iterator[tuple[str, Any]]:
    """(pool name, pool properties) for every node pool a ManagedCluster or an AgentPool declares."""
    if r.type.endswith(":ManagedCluster"):
        for pool in items(get(r.props, "agentPoolProfiles")):
            yield str(get(pool, "name", r.name)), pool
    else:
        yield str(get(r.props, "agentPoolName", r.name)), r.props
