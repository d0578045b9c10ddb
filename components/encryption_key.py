"""EncryptionKey: the customer-managed key (with rotation) that encrypts the model bucket and registry.

AWS KMS key + alias; GCP Cloud KMS key ring + crypto key; Azure Key Vault (RBAC, purge protection,
soft delete) + key with a rotation policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi

from components.cloud_dispatch import require_cloud
from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "EncryptionKey"


@dataclass(frozen=True)
class EncryptionKeyArgs:
    # AWS accepts 90..2560 days; the common range of all three clouds.
    rotation_days: int = 90
    # How long a scheduled deletion (AWS) or soft-deleted vault (Azure) can be undone.
    deletion_window_days: int = 30
    # Production: protect the key and keep it when the stack is destroyed.
    protect: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.rotation_days, bool) or not 90 <= self.rotation_days <= 2560:
            raise ComponentArgumentError(
                COMPONENT,
                "rotation_days",
                f"must be between 90 and 2560 (got {self.rotation_days!r})",
                "pass rotation_days=90 (the shortest rotation every cloud accepts) or up to 2560",
            )
        if isinstance(self.deletion_window_days, bool) or not 7 <= self.deletion_window_days <= 30:
            raise ComponentArgumentError(
                COMPONENT,
                "deletion_window_days",
                f"must be between 7 and 30 (got {self.deletion_window_days!r})",
                "pass deletion_window_days=30",
            )


class EncryptionKey(Protocol):
    """What every cloud's key provides."""

    # The id other resources reference: AWS key ARN, GCP crypto key id, Azure versionless key URI.
    key_id: pulumi.Output[str]


def encryption_key(
    name: str,
    args: EncryptionKeyArgs,
    target: CloudTarget,
    context: PlatformContext,
    opts: pulumi.ResourceOptions | None = None,
) -> EncryptionKey:
    """Create the key on the target's cloud (provider SDKs are imported only for that cloud)."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if target.cloud == "aws":
        from components.aws.encryption_key import AwsEncryptionKey

        return AwsEncryptionKey(name, args, target, context, opts)
    if target.cloud == "gcp":
        from components.gcp.encryption_key import GcpEncryptionKey

        return GcpEncryptionKey(name, args, target, context, opts)
    from components.azure.encryption_key import AzureEncryptionKey

    return AzureEncryptionKey(name, args, target, context, opts)
