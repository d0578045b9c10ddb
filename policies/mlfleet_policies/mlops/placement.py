"""Which cloud a resource runs on: its cluster via its Kubernetes provider, else its component chain."""

from __future__ import annotations

from pulumi_policy import PolicyResource

from mlfleet_policies.stack_index import StackIndex

CLUSTER_CLOUDS = {
    "aws:eks/cluster:Cluster": "aws",
    "gcp:container/cluster:Cluster": "gcp",
    "azure-native:containerservice:ManagedCluster": "azure",
}
URI_CLOUDS = (
    ("s3://", "aws"),
    ("gs://", "gcp"),
    ("az://", "azure"),
    ("abfs://", "azure"),
    ("abfss://", "azure"),
)


def cluster_cloud(index: StackIndex, resource: PolicyResource) -> str | None:
    provider = resource.provider
    provider_resource = index.by_urn.get(provider.urn) if provider is not None else None
    if provider_resource is not None:
        for dep in provider_resource.dependencies:
            if dep.resource_type in CLUSTER_CLOUDS:
                return CLUSTER_CLOUDS[dep.resource_type]
    for ancestor in index.ancestors(resource):
        vendor = ancestor.resource_type.split(":")[1] if ancestor.resource_type.count(":") >= 2 else ""
        if ancestor.resource_type.startswith("mlfleet:") and vendor in ("aws", "gcp", "azure"):
            return vendor
    return None


def uri_cloud(value: str) -> str | None:
    if ".blob.core.windows.net" in value:
        return "azure"
    for prefix, cloud in URI_CLOUDS:
        if value.startswith(prefix):
            return cloud
    return None
