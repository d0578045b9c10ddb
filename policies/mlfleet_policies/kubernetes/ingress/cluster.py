"""Which cluster a Kubernetes object lands on, and what that cluster provides by itself.

Objects on the same cluster share a Kubernetes provider. A provider created from a managed cluster's
kubeconfig depends on that cluster, which tells what the cloud runs in it without a Helm release:
GKE's `gce`/`gce-internal` Ingress controller (unless the HTTP load balancing add-on is disabled) and
the AKS application routing add-on's NGINX (class `webapprouting.kubernetes.azure.com`).
"""

from __future__ import annotations

from pulumi_policy import PolicyResource

from mlfleet_policies.props import get
from mlfleet_policies.stack_index import StackIndex

INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
AKS_CLUSTER = "azure-native:containerservice:ManagedCluster"
GKE_CLASSES = frozenset({"gce", "gce-internal"})
AKS_APP_ROUTING_CLASS = "webapprouting.kubernetes.azure.com"


def cluster_key(r: PolicyResource) -> str:
    return r.provider.urn if r.provider is not None else "(default provider)"


def managed_clusters(index: StackIndex, r: PolicyResource) -> list[PolicyResource]:
    """The GKE/AKS clusters whose kubeconfig `r`'s provider was made from."""
    provider = index.by_urn.get(r.provider.urn) if r.provider is not None else None
    if provider is None:
        return []
    return [d for d in provider.dependencies if d.resource_type in (GKE_CLUSTER, AKS_CLUSTER)]


def built_in_classes(index: StackIndex, r: PolicyResource) -> set[str]:
    """Ingress classes the cloud's own controller serves on `r`'s cluster."""
    classes: set[str] = set()
    for cluster in managed_clusters(index, r):
        if cluster.resource_type == GKE_CLUSTER:
            if get(cluster.props, "addonsConfig.httpLoadBalancing.disabled") is not True:
                classes |= GKE_CLASSES
        elif get(cluster.props, "ingressProfile.webAppRouting.enabled") is True:
            classes.add(AKS_APP_ROUTING_CLASS)
    return classes


def name_of(r: PolicyResource) -> str:
    return str(get(r.props, "metadata.name", r.name))


def namespace_of(r: PolicyResource) -> str:
    return str(get(r.props, "metadata.namespace", "default"))
