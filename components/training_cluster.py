"""TrainingCluster: a managed Kubernetes cluster (EKS, GKE, AKS) with a system pool, a CPU pool and
GPU pools, or, on `kubernetes`, the cluster your kubeconfig points at (namespaces, quotas, limits only).

Every cloud exposes the same outputs: a Kubernetes provider for the cluster, its kubeconfig and the
OIDC issuer that workload identities trust.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pulumi

from components.errors import ComponentArgumentError

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from components.context import PlatformContext
    from components.identities import WorkloadIdentity
    from components.target import CloudTarget

# The cluster network (VPC / VNet / subnet ranges) when the stack gives none.
DEFAULT_NETWORK_CIDR = "10.0.0.0/16"


@dataclass(frozen=True)
class GpuPoolArgs:
    # None: the cloud's default GPU machine (see each cloud's cluster module).
    instance_type: str | None = None
    # GCP only: the accelerator attached to the machine (e.g. nvidia-l4).
    accelerator: str | None = None
    gpus_per_node: int = 1
    max_nodes: int = 4


@dataclass(frozen=True)
class ClusterOperators:
    """The stack's CI identities (role ARN on AWS, service account email on GCP): `admin` (the
    deployer) manages every Kubernetes object of the cluster, `reader` (drift detection) reads them,
    Secrets included. EKS: access entries; GKE: project IAM roles; AKS: the identities' custom roles
    already carry the cluster data actions."""

    admin: pulumi.Input[str]
    reader: pulumi.Input[str]


@dataclass(frozen=True)
class TrainingClusterArgs:
    kubernetes_version: str = "1.31"
    system_instance_type: str | None = None
    cpu_instance_type: str | None = None
    cpu_max_nodes: int = 10
    gpu_pools: Mapping[str, GpuPoolArgs] = field(default_factory=lambda: {"gpu": GpuPoolArgs()})
    # Spot/preemptible CPU and GPU pools; None means "yes outside production".
    spot: bool | None = None
    # The API server is reachable only privately, or only from these CIDRs.
    private_endpoint: bool = False
    authorized_cidrs: Sequence[str] = ()
    # Customer-managed key for Kubernetes secrets: KMS key ARN / Cloud KMS key id / Key Vault key URL.
    encryption_key: pulumi.Input[str] | None = None
    # Address space of the cluster network (AWS VPC, GCP subnet, Azure VNet).
    network_cidr: str = DEFAULT_NETWORK_CIDR
    # Azure: the Key Vault (resource id) holding encryption_key; the cluster identity may use its keys.
    key_vault_id: pulumi.Input[str] | None = None
    # Workload identities (by workload) whose service accounts the cluster binds once it exists:
    # AWS EKS Pod Identity associations, Azure federated credentials on the cluster's OIDC issuer
    # (GKE binds through the project's workload pool, in the identities block).
    workload_identities: Mapping[str, WorkloadIdentity] = field(default_factory=dict)
    # The CI deployer and drift reader get in-cluster access (None: no mlfleet:github, no CI).
    operators: ClusterOperators | None = None

    def __post_init__(self) -> None:
        name = "TrainingCluster"
        if not self.private_endpoint and not self.authorized_cidrs:
            raise ComponentArgumentError(
                name,
                "authorized_cidrs",
                "is empty while private_endpoint is false (the API server would be open to the internet)",
                "set mlfleet:cluster.authorizedCidrs to your office/VPN CIDRs, "
                "or mlfleet:cluster.privateEndpoint to true",
            )
        for cidr in [*self.authorized_cidrs, self.network_cidr]:
            try:
                network = ipaddress.ip_network(cidr)
            except ValueError:
                raise ComponentArgumentError(
                    name, "authorized_cidrs", f"contains {cidr!r}, not a CIDR", "use e.g. 203.0.113.0/24"
                ) from None
            if network.prefixlen == 0:
                raise ComponentArgumentError(
                    name, "authorized_cidrs", f"contains {cidr} (the whole internet)", "list specific CIDRs"
                )
        if not self.gpu_pools:
            raise ComponentArgumentError(name, "gpu_pools", "is empty", "define at least one GPU pool")
        for pool_name, pool in self.gpu_pools.items():
            if pool.max_nodes < 1 or pool.gpus_per_node < 1:
                raise ComponentArgumentError(
                    name,
                    f"gpu_pools.{pool_name}",
                    "needs max_nodes >= 1 and gpus_per_node >= 1",
                    "raise them",
                )
        if self.cpu_max_nodes < 1:
            raise ComponentArgumentError(name, "cpu_max_nodes", f"is {self.cpu_max_nodes}", "use 1 or more")

    def use_spot(self, context: PlatformContext) -> bool:
        return (not context.is_production) if self.spot is None else self.spot

    def require_key(self, cloud: str) -> pulumi.Input[str]:
        if self.encryption_key is None:
            raise ComponentArgumentError(
                f"TrainingCluster ({cloud})",
                "encryption_key",
                "is missing: Kubernetes secrets must be encrypted with a customer-managed key",
                "pass the EncryptionKey block's key id (the topology does this when the key block exists)",
            )
        return self.encryption_key


def kubeconfig_after(kubeconfig: pulumi.Output[str], grants: Sequence[pulumi.Resource]) -> pulumi.Output[str]:
    """The kubeconfig, depending on `grants` (the CI identities' cluster access): the cluster's
    Kubernetes provider built from it, and so every Kubernetes object, is created after them and
    destroyed before them (the deployer's `pulumi destroy` removes its own access last)."""
    return pulumi.Output.all(kubeconfig, *[grant.urn for grant in grants]).apply(lambda parts: parts[0])


class TrainingCluster(Protocol):
    """What every cloud's training cluster provides."""

    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    # Issuer URL workload identities trust (None on bring-your-own clusters).
    oidc_issuer: pulumi.Output[str] | None
    k8s_provider: k8s.Provider


def training_cluster(
    name: str,
    args: TrainingClusterArgs,
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions | None = None,
) -> TrainingCluster:
    if target.cloud == "aws":
        from components.aws.eks_cluster import EksTrainingCluster

        return EksTrainingCluster(name, args, target, context, opts)
    if target.cloud == "gcp":
        from components.gcp.gke_cluster import GkeTrainingCluster

        return GkeTrainingCluster(name, args, target, context, opts)
    if target.cloud == "azure":
        from components.azure.aks_cluster import AksTrainingCluster

        return AksTrainingCluster(name, args, target, context, opts)
    from components.kubernetes.existing_cluster import ExistingCluster

    return ExistingCluster(name, target, context, opts)
