"""ContainerRegistry: private registry for the app images (serving, trainer).

ECR repositories / Artifact Registry docker repository / ACR Premium: immutable tags, scan on push,
untagged images expire, encrypted with the platform's customer-managed key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import pulumi

from components.cloud_dispatch import require_cloud, require_positive, require_same_cloud
from components.context import PlatformContext
from components.encryption_key import EncryptionKey
from components.errors import ComponentArgumentError
from components.target import CloudTarget

COMPONENT = "ContainerRegistry"
_IMAGE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ContainerRegistryArgs:
    images: tuple[str, ...] = ("serving", "trainer")
    # Untagged images (superseded pushes, failed builds) are deleted after this many days.
    untagged_expiry_days: int = 7
    protect: bool = False

    def __post_init__(self) -> None:
        if not self.images:
            raise ComponentArgumentError(
                COMPONENT, "images", "is empty", "pass images=('serving', 'trainer')"
            )
        for image in self.images:
            if not _IMAGE.match(image):
                raise ComponentArgumentError(
                    COMPONENT,
                    "images",
                    f"contains {image!r}; image names are lowercase words joined by '-'",
                    "use names like 'serving' or 'batch-trainer'",
                )
        require_positive(
            COMPONENT, "untagged_expiry_days", self.untagged_expiry_days, "pass untagged_expiry_days=7"
        )


class ContainerRegistry(Protocol):
    # Image repository URL (push/pull without a tag) per image name.
    repository_urls: dict[str, pulumi.Output[str]]


def container_registry(
    name: str,
    args: ContainerRegistryArgs,
    target: CloudTarget,
    context: PlatformContext,
    key: EncryptionKey,
    opts: pulumi.ResourceOptions | None = None,
) -> ContainerRegistry:
    """Create the registry on the target's cloud, encrypted with `key` (from the same cloud)."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if target.cloud == "aws":
        from components.aws.container_registry import AwsContainerRegistry
        from components.aws.encryption_key import AwsEncryptionKey

        aws_key = require_same_cloud(COMPONENT, "key", key, AwsEncryptionKey, target.cloud)
        return AwsContainerRegistry(name, args, target, context, aws_key, opts)
    if target.cloud == "gcp":
        from components.gcp.container_registry import GcpContainerRegistry
        from components.gcp.encryption_key import GcpEncryptionKey

        gcp_key = require_same_cloud(COMPONENT, "key", key, GcpEncryptionKey, target.cloud)
        return GcpContainerRegistry(name, args, target, context, gcp_key, opts)
    from components.azure.container_registry import AzureContainerRegistry
    from components.azure.encryption_key import AzureEncryptionKey

    azure_key = require_same_cloud(COMPONENT, "key", key, AzureEncryptionKey, target.cloud)
    return AzureContainerRegistry(name, args, target, context, azure_key, opts)
