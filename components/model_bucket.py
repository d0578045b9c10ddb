"""ModelBucket: the private, encrypted, versioned object store that holds the model registry.

S3 bucket / GCS bucket / Azure storage account + blob container, each with a customer-managed key,
versioning, lifecycle, access logging, TLS-only access and (in prod) deletion protection.

Optional same-cloud replication to a second region (`replication_region`), hardened like the primary:
- AWS: a replica bucket with its own KMS key and access-log bucket in the second region, and S3
  replication (versions, delete markers, SSE-KMS objects) through a dedicated role.
- GCP: a configurable dual-region bucket (primary + replica region) with turbo replication
  (`rpo: ASYNC_TURBO`, 15-minute RPO), encrypted with a key in the enclosing Cloud KMS multi-region
  (`europe`, `us`, `asia`), because GCS requires a dual-region bucket's CMEK key there. Chosen over a second
  bucket + Storage Transfer Service job: Google replicates every write and delete (all versions) with
  a replication SLA, the registry URL stays one `gs://` URL that survives a regional outage, and
  there is no transfer job, schedule or extra service agent grant to get wrong.
- Azure: a second storage account in the replica location (its own Key Vault key there, the same
  firewall, TLS, versioning, lifecycle and diagnostics) with an `ObjectReplicationPolicy` on both
  accounts (versioning on both, change feed on the source). The replica container is read-only
  while the policy exists; deletes are not replicated (the replica's lifecycle expires versions).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Protocol

import pulumi

from components.cloud_dispatch import require_cloud, require_positive, require_same_cloud
from components.context import Cloud, PlatformContext
from components.encryption_key import EncryptionKey
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "ModelBucket"
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
# GCS configurable dual-regions: both regions inside one multi-region (by region name prefix) ->
# (the bucket's location, the Cloud KMS location its CMEK key must be in).
GCS_DUAL_REGION_MULTI_REGIONS = {"us-": ("US", "us"), "europe-": ("EU", "europe"), "asia-": ("ASIA", "asia")}


def gcs_dual_region(primary: str, replica: str) -> tuple[str, str]:
    """(GCS location, KMS location) of the dual-region of two regions, e.g. ('EU', 'europe'), or an error."""
    for region_prefix, locations in GCS_DUAL_REGION_MULTI_REGIONS.items():
        if primary.startswith(region_prefix) and replica.startswith(region_prefix):
            return locations
    raise ComponentArgumentError(
        COMPONENT,
        "replication_region",
        f"'{replica}' and the primary region '{primary}' do not form a GCS dual-region "
        "(both regions must be in the same multi-region: us-*, europe-* or asia-*)",
        "set mlfleet:modelBucket.replicationRegion to a region on the primary's continent "
        "(e.g. europe-west1 for europe-west4)",
    )


def _require_prefix(component: str, argument: str, prefix: str) -> None:
    if not _PREFIX.match(prefix):
        raise ComponentArgumentError(
            component,
            argument,
            f"must be lowercase path segments without leading/trailing '/' (got {prefix!r})",
            "pass e.g. prefix='models'",
        )


@dataclass(frozen=True)
class RegistryLocation:
    """Another model registry on the same cloud (e.g. the replica bucket, or one named in config).

    `bucket`: S3 / GCS bucket name; on Azure the blob container's resource id
    (`/subscriptions/.../storageAccounts/<account>/blobServices/default/containers/<container>`).
    `key_id`: AWS only, the KMS key ARN the bucket encrypts with (writing SSE-KMS objects needs it).
    """

    cloud: Cloud
    bucket: pulumi.Input[str]
    prefix: str = "models"
    key_id: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        _require_prefix(COMPONENT, "prefix", self.prefix)
        if isinstance(self.bucket, str) and not self.bucket:
            raise ComponentArgumentError(
                COMPONENT, "bucket", "is empty", "name the destination bucket (Azure: container resource id)"
            )
        if self.cloud == "aws" and self.key_id is None:
            raise ComponentArgumentError(
                COMPONENT,
                "key_id",
                "is required on AWS: the destination bucket is SSE-KMS encrypted and writes need its key",
                "pass the destination bucket's KMS key ARN (mlfleet:modelBucket.syncDestinations[].key)",
            )
        if self.cloud == "azure" and isinstance(self.bucket, str) and "/containers/" not in self.bucket:
            raise ComponentArgumentError(
                COMPONENT,
                "bucket",
                f"must be a blob container resource id on Azure (got {self.bucket!r})",
                "pass /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/"
                "<account>/blobServices/default/containers/<container>",
            )


@dataclass(frozen=True)
class ModelBucketArgs:
    # The registry lives under this prefix; identities are scoped to it.
    prefix: str = "models"
    noncurrent_version_days: int = 30
    abort_multipart_days: int = 7
    # Same-cloud replication to a second region (see the module docstring for each cloud's mechanism).
    replication_region: str | None = None
    # Azure: networks (CIDR or single IP) allowed through the storage firewall (default deny).
    allowed_networks: tuple[str, ...] = ()
    # Azure: single public IPv4 addresses known only at deploy time, allowed through the same firewall:
    # the primary cell's NAT egress, from which the cross-cloud registry sync writes here
    # (components/topology/registry_sync.py).
    sync_source_addresses: tuple[pulumi.Input[str], ...] = ()
    # Production: protect the bucket and keep it when the stack is destroyed.
    protect: bool = False

    def __post_init__(self) -> None:
        _require_prefix(COMPONENT, "prefix", self.prefix)
        require_positive(
            COMPONENT,
            "noncurrent_version_days",
            self.noncurrent_version_days,
            "set mlfleet:modelBucket.noncurrentVersionDays to 1 or more (e.g. 30)",
        )
        require_positive(
            COMPONENT,
            "abort_multipart_days",
            self.abort_multipart_days,
            "set mlfleet:modelBucket.abortMultipartDays to 1 or more (e.g. 7)",
        )
        for network in self.allowed_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ComponentArgumentError(
                    COMPONENT,
                    "allowed_networks",
                    f"contains {network!r}, which is not an IP address or CIDR range",
                    "list networks like '203.0.113.0/24' or '198.51.100.7'",
                ) from None


class ModelBucket(Protocol):
    """What every cloud's model bucket provides."""

    # Where the apps open the registry: s3://bucket/prefix, gs://bucket/prefix, az://container/prefix.
    registry_url: pulumi.Output[str]
    # S3/GCS bucket name; on Azure the blob container's name.
    bucket_name: pulumi.Output[str]
    key_id: pulumi.Output[str]
    prefix: str
    # Environment the registry library needs besides the URL to reach the bucket (Azure: the
    # storage account name, which an az://container/prefix URL does not carry); {} elsewhere.
    registry_env: dict[str, pulumi.Output[str]]
    # The replica registry another job may write to (AWS replica bucket); None without replication,
    # on GCP (one dual-region bucket) and on Azure (object replication makes the replica read-only).
    replica: RegistryLocation | None


def model_bucket(
    name: str,
    args: ModelBucketArgs,
    target: CloudTarget,
    context: PlatformContext,
    key: EncryptionKey,
    opts: pulumi.ResourceOptions | None = None,
    replica_target: CloudTarget | None = None,
) -> ModelBucket:
    """Create the model bucket on the target's cloud, encrypted with `key` (from the same cloud).

    `replica_target`: on AWS with `replication_region`, the target (provider) of that region from the
    topology's provider factory (S3 replicates to a bucket created in the replica's region).
    """
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if args.replication_region is not None:
        if args.replication_region.lower() == target.region.lower():
            raise ComponentArgumentError(
                COMPONENT,
                "replication_region",
                f"is the primary region '{target.region}'; a replica in the same region protects nothing",
                "set mlfleet:modelBucket.replicationRegion to a different region (e.g. us-west-2)",
            )
        if target.cloud == "gcp":
            gcs_dual_region(target.region, args.replication_region)
        if target.cloud == "aws" and (
            replica_target is None
            or replica_target.cloud != "aws"
            or replica_target.region != args.replication_region
        ):
            raise ComponentArgumentError(
                COMPONENT,
                "replica_target",
                f"must be the aws target of the replication region '{args.replication_region}' "
                f"(got {replica_target.cloud + ' ' + replica_target.region if replica_target else 'none'})",
                "pass Providers.target('aws', replication_region) from the topology "
                "(blocks never create providers)",
            )
    if target.cloud == "aws":
        from components.aws.encryption_key import AwsEncryptionKey
        from components.aws.model_bucket import AwsModelBucket

        aws_key = require_same_cloud(COMPONENT, "key", key, AwsEncryptionKey, target.cloud)
        return AwsModelBucket(name, args, target, context, aws_key, opts, replica_target)
    if target.cloud == "gcp":
        from components.gcp.encryption_key import GcpEncryptionKey
        from components.gcp.model_bucket import GcpModelBucket

        gcp_key = require_same_cloud(COMPONENT, "key", key, GcpEncryptionKey, target.cloud)
        return GcpModelBucket(name, args, target, context, gcp_key, opts)
    from components.azure.encryption_key import AzureEncryptionKey
    from components.azure.model_bucket import AzureModelBucket

    azure_key = require_same_cloud(COMPONENT, "key", key, AzureEncryptionKey, target.cloud)
    return AzureModelBucket(name, args, target, context, azure_key, opts)
