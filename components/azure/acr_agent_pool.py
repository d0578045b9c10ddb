"""The ACR Tasks agent pool in the cell's VNet: `mlfleet images push` runs `az acr build
--agent-pool` on it, because the registry has public network access disabled and a CI runner outside
the VNet cannot push (Microsoft Learn, "Run an ACR task on a dedicated agent pool",
learn.microsoft.com/azure/container-registry/tasks-agent-pools: Premium registries only, Linux
agents, in preview; billed per allocated pool instance).

azure-native 3.29 `containerregistry.AgentPool` (API 2019-06-01-preview): `virtual_network_subnet_
resource_id` puts the agents in the cell's `acr-tasks` subnet (components/azure/aks_cluster.py).
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from components.azure.container_registry import AzureContainerRegistry
from components.context import PlatformContext, compact_name
from components.target import CloudTarget

# S1 is the smallest tier (2 vCPU); one instance builds the two app images in turn.
TIER = "S1"
COUNT = 1


def acr_agent_pool(
    name: str,
    registry: AzureContainerRegistry,
    subnet_id: pulumi.Input[str],
    target: CloudTarget,
    context: PlatformContext,
) -> azure_native.containerregistry.AgentPool:
    """Create the pool, parented to the registry, and hand its name to the registry's image pushes."""
    pool = azure_native.containerregistry.AgentPool(
        name,
        agent_pool_name=compact_name(name, 20, alphanumeric=True),
        registry_name=registry.registry_name,
        resource_group_name=target.resource_group_name,
        location=target.region,
        os=azure_native.containerregistry.OS.LINUX,
        tier=TIER,
        count=COUNT,
        virtual_network_subnet_resource_id=subnet_id,
        tags=context.tags(),
        opts=target.opts(registry),
    )
    registry.push_agent_pool = pool.name
    return pool
