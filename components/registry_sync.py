"""RegistrySync: the primary cell's model registry copied into another cell's registry on another
cloud, by a scheduled workload whose identity is federated across clouds (no static key).

Two halves, same shape on every cloud:
- `sync_writer` (on the DESTINATION cell's cloud, `mlfleet:<cloud>:RegistrySyncWriter`): an identity
  that trusts exactly one Kubernetes service account (`system:serviceaccount:<ns>:registry-sync`) of
  the primary cell's cluster, through that cluster's OIDC issuer, and may read and write only the
  destination registry's prefix. It tells the pod how to use it (`SyncCredentials`: the projected
  token's audience, environment variables, files).
- the CronJob (components/kubernetes/registry_sync.py) in the primary cell's cluster, one per
  destination, running `mlfleet-registry sync <destination>` with those credentials; the source is
  read with the primary's own `registry-sync` workload identity.
A destination that admits listed addresses only (an Azure storage account: default Deny, private
endpoint for its own VNet) also admits the primary's egress addresses (the NAT gateway's Elastic IP of
an EKS primary; components/topology/registry_sync.py `sync_source_addresses`).

Inside one cloud native replication stays (S3 replication, dual-region GCS, Azure object replication;
mlfleet:modelBucket); this block is for registries on another cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import pulumi

from components.cloud_dispatch import require_cloud, require_same_cloud
from components.context import Cloud, PlatformContext
from components.errors import ComponentArgumentError
from components.model_bucket import ModelBucket
from components.serving_service import check_pinned_image
from components.target import CloudTarget
from components.training_job import _CRON  # one cron syntax check for both scheduled workloads

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

COMPONENT = "RegistrySyncWriter"
# The service account the sync pods run as in the primary cell (its workload identity reads the source).
SERVICE_ACCOUNT = "registry-sync"
# Where each destination's projected service-account token is mounted in the sync pod.
TOKEN_DIR = "/var/run/secrets/mlfleet/registry-sync"
TOKEN_FILE = "token"
# Where a destination's client configuration files (no secret in them) are mounted.
CONFIG_DIR = "/etc/mlfleet/registry-sync"


def subject(namespace: str) -> str:
    """The OIDC `sub` a Kubernetes API server puts in the sync pods' projected tokens."""
    return f"system:serviceaccount:{namespace}:{SERVICE_ACCOUNT}"


@dataclass(frozen=True)
class SyncCredentials:
    """How a sync pod obtains the destination cloud's credentials from its projected token."""

    # The `aud` of the projected service-account token the destination trusts; None when the pod's
    # own workload identity writes there (a destination on the primary's cloud).
    audience: pulumi.Input[str] | None
    # Environment for the destination cloud's client library (no secret in it).
    env: Mapping[str, pulumi.Input[str]]
    # Files under CONFIG_DIR (name -> content), e.g. GCP's external_account credential configuration.
    files: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistrySyncWriterArgs:
    # The primary cell's cluster OIDC issuer URL (https://...): must exist before this trust does.
    source_issuer: pulumi.Input[str]
    source_cloud: Cloud
    namespace: str = "mlfleet"
    # AWS destination: an IAM OIDC provider for the issuer, if the account already has one
    # (IAM allows one provider per issuer URL per account); None creates it.
    aws_oidc_provider_arn: pulumi.Input[str] | None = None
    # The primary's own `registry-sync` identity (AWS role ARN / GCP service account email): on the
    # source's cloud, the destination grants it write instead of trusting a federated token.
    source_principal: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        if self.source_cloud not in ("aws", "gcp", "azure"):
            raise ComponentArgumentError(
                COMPONENT,
                "source_cloud",
                f"is {self.source_cloud!r}; the sync pod runs in a managed cluster with a public OIDC issuer",
                "make an aws, gcp or azure cell the primary",
            )


class RegistrySyncWriter(Protocol):
    """What every cloud's destination identity provides."""

    # AWS role ARN / GCP service account email / Azure managed identity client id.
    principal: pulumi.Output[str]
    credentials: SyncCredentials


def token_path() -> str:
    return f"{TOKEN_DIR}/{TOKEN_FILE}"


def sync_writer(
    name: str,
    args: RegistrySyncWriterArgs,
    target: CloudTarget,
    context: PlatformContext,
    bucket: ModelBucket,
    opts: pulumi.ResourceOptions | None = None,
) -> RegistrySyncWriter:
    """The destination identity on `target`'s cloud, writing only `bucket`'s registry prefix."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if target.cloud == args.source_cloud:
        return _same_cloud_grant(name, args, target, bucket, opts)
    if target.cloud == "aws":
        from components.aws.federation import AwsRegistrySyncWriter
        from components.aws.model_bucket import AwsModelBucket

        return AwsRegistrySyncWriter(
            name,
            args,
            target,
            context,
            require_same_cloud(COMPONENT, "bucket", bucket, AwsModelBucket, "aws"),
            opts,
        )
    if target.cloud == "gcp":
        from components.gcp.federation import GcpRegistrySyncWriter
        from components.gcp.model_bucket import GcpModelBucket

        return GcpRegistrySyncWriter(
            name,
            args,
            target,
            context,
            require_same_cloud(COMPONENT, "bucket", bucket, GcpModelBucket, "gcp"),
            opts,
        )
    from components.azure.federation import AzureRegistrySyncWriter
    from components.azure.model_bucket import AzureModelBucket

    return AzureRegistrySyncWriter(
        name,
        args,
        target,
        context,
        require_same_cloud(COMPONENT, "bucket", bucket, AzureModelBucket, "azure"),
        opts,
    )


# --- the workload: one CronJob per destination in the primary cell's cluster -------------------------


@dataclass(frozen=True)
class SyncDestination:
    """One registry to copy into: its URL and how the sync pod gets write credentials for it."""

    registry_url: pulumi.Input[str]
    credentials: SyncCredentials


@dataclass(frozen=True)
class RegistrySyncArgs:
    # An image carrying the registry library and its `mlfleet-registry` command (the trainer image).
    image: pulumi.Input[str]
    # The primary cell's registry (read with the primary's own `registry-sync` workload identity).
    source_url: pulumi.Input[str]
    # Destination cell name -> where to copy.
    destinations: Mapping[str, SyncDestination]
    namespace: str = "mlfleet"
    # Every 5 minutes: the recovery point for models is at most this plus one sync's duration.
    schedule: str = "*/5 * * * *"
    # The source's client environment (Azure: the storage account) and MLFLEET_VERIFY_KEYS: a version
    # whose signature does not verify with the primary's key is not copied.
    source_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # The primary's registry-sync identity binding (IRSA / GKE / Azure Workload Identity).
    service_account_annotations: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    deadline_seconds: int = 3600
    cpu: str = "500m"
    memory: str = "1Gi"

    def __post_init__(self) -> None:
        name = "RegistrySync"
        if isinstance(self.image, str):
            check_pinned_image(name, "image", self.image)
        problems = {
            "destinations": (not self.destinations, "is empty", "pass at least one destination cell"),
            "schedule": (
                not _CRON.match(self.schedule.strip()),
                f"is {self.schedule!r}, not a cron expression",
                "use five fields like '*/5 * * * *' or a macro like @hourly",
            ),
            "deadline_seconds": (self.deadline_seconds < 60, "is under a minute", "allow 60 seconds or more"),
        }
        for argument, (bad, problem, fix) in problems.items():
            if bad:
                raise ComponentArgumentError(name, argument, problem, fix)


def _same_cloud_grant(
    name: str,
    args: RegistrySyncWriterArgs,
    target: CloudTarget,
    bucket: ModelBucket,
    opts: pulumi.ResourceOptions | None,
) -> RegistrySyncWriter:
    """A destination on the primary's cloud: the sync pod's own identity gets write there (one pod cannot
    hold two identities of one cloud: the SDK would pick one for both registries)."""
    if args.source_principal is None or target.cloud == "azure":
        raise ComponentArgumentError(
            COMPONENT,
            "target",
            f"is on {target.cloud}, the source's cloud"
            + (
                ": the registry library reads one storage account per process"
                if target.cloud == "azure"
                else ""
            ),
            "pass source_principal (the primary's registry-sync identity)"
            if target.cloud != "azure"
            else "replicate between Azure registries with object replication (mlfleet:modelBucket)",
        )
    if target.cloud == "aws":
        from components.aws.federation import AwsRegistrySyncGrant
        from components.aws.model_bucket import AwsModelBucket

        aws_bucket = require_same_cloud(COMPONENT, "bucket", bucket, AwsModelBucket, "aws")
        return AwsRegistrySyncGrant(name, args.source_principal, target, aws_bucket, opts)
    from components.gcp.federation import GcpRegistrySyncGrant
    from components.gcp.model_bucket import GcpModelBucket

    gcp_bucket = require_same_cloud(COMPONENT, "bucket", bucket, GcpModelBucket, "gcp")
    return GcpRegistrySyncGrant(name, args.source_principal, target, gcp_bucket, opts)


class RegistrySync(Protocol):
    # Destination cell name -> CronJob name.
    job_names: dict[str, pulumi.Output[str]]


def registry_sync(
    name: str,
    args: RegistrySyncArgs,
    provider: k8s.Provider,
    labels: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
) -> RegistrySync:
    """The sync CronJobs in the primary cell's cluster (same Kubernetes shape on every cloud)."""
    from components.kubernetes.registry_sync import KubernetesRegistrySync

    return KubernetesRegistrySync(name, args, provider, labels, opts)
