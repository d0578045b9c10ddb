"""ModelBucket: the private, encrypted, versioned object store that holds the model registry.

S3 bucket / GCS bucket / Azure storage account + blob container, each with a customer-managed key,
versioning, lifecycle, access logging, TLS-only access and (in prod) deletion protection.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Protocol

import pulumi

from components.cloud_dispatch import require_cloud, require_positive, require_same_cloud
from components.context import PlatformContext
from components.encryption_key import EncryptionKey
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "ModelBucket"
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")


@dataclass(frozen=True)
class ModelBucketArgs:
    # The registry lives under this prefix; identities are scoped to it.
    prefix: str = "models"
    noncurrent_version_days: int = 30
    abort_multipart_days: int = 7
    # Same-cloud replication to a second region (AWS: S3 replication with its own key and role).
    replication_region: str | None = None
    # Azure: networks (CIDR or single IP) allowed through the storage firewall (default deny).
    allowed_networks: tuple[str, ...] = ()
    # Production: protect the bucket and keep it when the stack is destroyed.
    protect: bool = False

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.prefix):
            raise ComponentArgumentError(
                COMPONENT,
                "prefix",
                f"must be lowercase path segments without leading/trailing '/' (got {self.prefix!r})",
                "pass e.g. prefix='models'",
            )
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


def model_bucket(
    name: str,
    args: ModelBucketArgs,
    target: CloudTarget,
    context: PlatformContext,
    key: EncryptionKey,
    opts: pulumi.ResourceOptions | None = None,
) -> ModelBucket:
    """Create the model bucket on the target's cloud, encrypted with `key` (from the same cloud)."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if args.replication_region is not None:
        if args.replication_region == target.region:
            raise ComponentArgumentError(
                COMPONENT,
                "replication_region",
                f"is the primary region '{target.region}'; a replica in the same region protects nothing",
                "set mlfleet:modelBucket.replicationRegion to a different region (e.g. us-west-2)",
            )
        if target.cloud != "aws":
            raise ComponentArgumentError(
                COMPONENT,
                "replication_region",
                f"is not supported on {target.cloud} yet (only AWS S3 replication is implemented)",
                "remove mlfleet:modelBucket.replicationRegion from this stack",
            )
    if target.cloud == "aws":
        from components.aws.encryption_key import AwsEncryptionKey
        from components.aws.model_bucket import AwsModelBucket

        aws_key = require_same_cloud(COMPONENT, "key", key, AwsEncryptionKey, target.cloud)
        return AwsModelBucket(name, args, target, context, aws_key, opts)
    if target.cloud == "gcp":
        from components.gcp.encryption_key import GcpEncryptionKey
        from components.gcp.model_bucket import GcpModelBucket

        gcp_key = require_same_cloud(COMPONENT, "key", key, GcpEncryptionKey, target.cloud)
        return GcpModelBucket(name, args, target, context, gcp_key, opts)
    from components.azure.encryption_key import AzureEncryptionKey
    from components.azure.model_bucket import AzureModelBucket

    azure_key = require_same_cloud(COMPONENT, "key", key, AzureEncryptionKey, target.cloud)
    return AzureModelBucket(name, args, target, context, azure_key, opts)
