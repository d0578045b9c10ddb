"""The stack's provider factory: the only place in components/ that constructs a `pulumi_*.Provider`.

Providers are created once per (cloud, region) and passed down to the blocks inside a `CloudTarget`
(the way terraform-aws-modules' s3-replication example passes `providers = { aws = aws.replica }`);
no block creates one. A cluster's Kubernetes provider is made from the cluster's kubeconfig, so the
cluster block asks this factory for it (`CloudTarget.cluster_provider`) rather than constructing it.
tests/unit/components/topology/test_providers.py fails on any other `Provider(...)` under components/.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pulumi

from components.context import Cloud, PlatformContext
from components.target import CloudTarget
from components.topology.config import PlatformConfig

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s


class Providers:
    """One explicit provider (and on Azure one resource group) per (cloud, region) of the stack."""

    def __init__(self, context: PlatformContext) -> None:
        self.context = context
        self._targets: dict[tuple[str, str], CloudTarget] = {}

    def target(
        self,
        cloud: Cloud,
        region: str,
        project: str | None = None,
        aliases: Sequence[str] = (),
    ) -> CloudTarget:
        """The target for `region` of `cloud`, creating its provider the first time it is asked for.

        `aliases` (URNs) name where the provider lived before (see `replica_provider_alias`); they
        only apply when this call creates it.
        """
        key = (cloud, region)
        if key not in self._targets:
            self._targets[key] = self._create(cloud, region, project, list(aliases))
        return self._targets[key]

    @property
    def targets(self) -> list[CloudTarget]:
        return list(self._targets.values())

    def _create(self, cloud: Cloud, region: str, project: str | None, aliases: list[str]) -> CloudTarget:
        context = self.context
        name = context.name(cloud, region) if region else context.name(cloud)
        opts = pulumi.ResourceOptions(aliases=aliases) if aliases else None  # type: ignore[arg-type]
        if cloud == "aws":
            import pulumi_aws as aws

            # default_tags puts the standard tags on every taggable AWS resource of this provider.
            provider = aws.Provider(name, region=region, default_tags={"tags": context.tags()}, opts=opts)
            return CloudTarget(cloud="aws", region=region, provider=provider)
        if cloud == "gcp":
            import pulumi_gcp as gcp

            gcp_provider = gcp.Provider(
                name, project=project, region=region, default_labels=context.labels(), opts=opts
            )
            return CloudTarget(cloud="gcp", region=region, provider=gcp_provider, project=project)
        if cloud == "azure":
            import pulumi_azure_native as azure_native

            azure_provider = azure_native.Provider(name, location=region, opts=opts)
            group = azure_native.resources.ResourceGroup(
                context.name("rg", region),
                resource_group_name=context.name("rg", region),
                location=region,
                tags=context.tags(),
                opts=pulumi.ResourceOptions(provider=azure_provider),
            )
            return CloudTarget(
                cloud="azure", region=region, provider=azure_provider, resource_group_name=group.name
            )
        import pulumi_kubernetes as k8s

        # Bring your own cluster: whatever the kubeconfig (or `kubernetes:kubeconfig`) points at.
        k8s_provider = k8s.Provider(name, opts=opts)
        return CloudTarget(cloud="kubernetes", region=region or "local", provider=k8s_provider)


def cluster_provider(name: str, kubeconfig: pulumi.Input[str], parent: pulumi.Resource) -> k8s.Provider:
    """The Kubernetes provider of a cluster a block created, parented to the cluster's component
    (its URN is what it was when the cluster blocks constructed it themselves)."""
    import pulumi_kubernetes

    return pulumi_kubernetes.Provider(name, kubeconfig=kubeconfig, opts=pulumi.ResourceOptions(parent=parent))


def replica_provider_alias(context: PlatformContext, bucket_name: str, region: str) -> str:
    """The URN the AWS replica-region provider had when the model bucket created it itself
    (`<bucket>-<region>`, a child of the ModelBucket component): an alias, so that moving it into
    the topology neither replaces it nor the replica's resources (Pulumi treats resources whose
    provider reference moved along an alias as unchanged)."""
    return (
        f"urn:pulumi:{context.stack}::{context.project}::mlfleet:aws:ModelBucket"
        f"$pulumi:providers:aws::{bucket_name}-{region}"
    )


def cloud_target(config: PlatformConfig, context: PlatformContext, region: str | None = None) -> CloudTarget:
    """The target of one region of the stack's cloud, from a factory of its own (tests, one-offs)."""
    return Providers(context).target(config.cloud, region or config.region or "", config.gcp_project)
