"""Where a block is deployed: one cloud region and the explicit provider for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

from components.context import Cloud

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class CloudTarget:
    """One region of one cloud. Blocks create children with `provider=target.provider` (explicit
    providers per region are what make multi-region and multi-cloud stacks possible)."""

    cloud: Cloud
    region: str
    provider: pulumi.ProviderResource | None = None
    # GCP: the project id resources are created in.
    project: str | None = None
    # Azure: the resource group every resource of the region lives in.
    resource_group_name: pulumi.Input[str] | None = None

    def opts(self, parent: pulumi.Resource, **kwargs: object) -> pulumi.ResourceOptions:
        """Options for a block's child: parented to the block, on this target's provider."""
        return pulumi.ResourceOptions(parent=parent, provider=self.provider, **kwargs)  # type: ignore[arg-type]

    def cluster_provider(
        self, name: str, kubeconfig: pulumi.Input[str], parent: pulumi.Resource
    ) -> k8s.Provider:
        """The Kubernetes provider for a cluster a block just created, from the topology's provider
        factory (blocks never construct providers themselves)."""
        from components.topology.providers import cluster_provider

        return cluster_provider(name, kubeconfig, parent)
