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
DELETION_FIX = "pass deletion_window_days=30"


@dataclass(frozen=True)
class EncryptionKeyArgs:
    # AWS accepts 90..2560 days; the common range of all three clouds.
    rotation_days: int = 90
    # How long a scheduled deletion (AWS) or soft-deleted vault (Azure) can be undone.
    deletion_window_days: int = 30
    # Production: protect the key and keep it when the stack is destroyed.
    protect: bool = False

    def __post_init__(self) -> None:
        fix = "pass rotation_days=90 (the shortest rotation every cloud accepts) or up to 2560"
        check_days(COMPONENT, "rotation_days", self.rotation_days, 90, 2560, fix)
        check_days(COMPONENT, "deletion_window_days", self.deletion_window_days, 7, 30, DELETION_FIX)


def check_days(component: str, argument: str, value: int, low: int, high: int, fix: str) -> None:
    """A day count in [low, high] (keys share these bounds: AWS deletion window 7..30 days)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ComponentArgumentError(
            component, argument, f"must be between {low} and {high} (got {value!r})", fix
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
