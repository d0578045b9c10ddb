"""Explicit providers, one per cloud region of the stack (never the ambient default provider)."""

from __future__ import annotations

import pulumi

from components.context import PlatformContext
from components.target import CloudTarget
from components.topology.config import PlatformConfig


def cloud_target(config: PlatformConfig, context: PlatformContext, region: str | None = None) -> CloudTarget:
    """Create the provider (and for Azure the resource group) for one region of the stack's cloud."""
    region = region or config.region or ""
    name = context.name(config.cloud, region) if region else context.name(config.cloud)
    if config.cloud == "aws":
        import pulumi_aws as aws

        # default_tags puts the standard tags on every taggable AWS resource of this provider.
        provider = aws.Provider(name, region=region, default_tags={"tags": context.tags()})
        return CloudTarget(cloud="aws", region=region, provider=provider)
    if config.cloud == "gcp":
        import pulumi_gcp as gcp

        gcp_provider = gcp.Provider(
            name, project=config.gcp_project, region=region, default_labels=context.labels()
        )
        return CloudTarget(cloud="gcp", region=region, provider=gcp_provider, project=config.gcp_project)
    if config.cloud == "azure":
        import pulumi_azure_native as azure_native

        azure_provider = azure_native.Provider(name, location=region)
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
    k8s_provider = k8s.Provider(name)
    return CloudTarget(cloud="kubernetes", region=region or "local", provider=k8s_provider)
