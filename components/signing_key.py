"""SigningKey: the asymmetric EC P-256 key the model registry signs versions with, next to the bucket's
encryption key, and exactly the permissions each workload needs on it.

The trainer publishes, so it may sign and read the public key; serving and registry-sync verify,
so they may only read the public key (they verify locally, mlfleet_registry.kms). Workloads get the
key as a KMS URI (`key_uri`) in MLFLEET_SIGNING_KEY / MLFLEET_VERIFY_KEYS (`signing_env`).

AWS: a KMS key ECC_NIST_P256 / SIGN_VERIFY + alias, IAM role policies kms:Sign+kms:GetPublicKey /
kms:GetPublicKey on its ARN. GCP: an ASYMMETRIC_SIGN EC_SIGN_P256_SHA256 crypto key in the bucket
key's ring, roles/cloudkms.signer+publicKeyViewer / publicKeyViewer on it. Azure: an EC P-256 key in
the bucket key's vault (rotating by policy; readers trust every version), custom roles with
keys/sign+keys/read / keys/read assigned on the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pulumi
from mlfleet_registry.signing import SIGNING_KEY_ENV, VERIFY_KEYS_ENV

from components.cloud_dispatch import require_cloud, require_same_cloud
from components.context import PlatformContext
from components.encryption_key import DELETION_FIX, EncryptionKey, check_days
from components.identities import Identities
from components.target import CloudTarget

COMPONENT = "SigningKey"
# Who signs (publishes versions) and who only verifies what it reads.
SIGNERS: tuple[str, ...] = ("trainer",)
VERIFIERS: tuple[str, ...] = ("serving", "registry-sync")


@dataclass(frozen=True)
class SigningKeyArgs:
    # How long a scheduled deletion (AWS, GCP) can be undone.
    deletion_window_days: int = 30
    # Azure only (AWS and Cloud KMS do not rotate asymmetric keys): a new key version this often.
    rotation_days: int = 365
    # Production: protect the key and keep it when the stack is destroyed (old versions stay verifiable).
    protect: bool = False

    def __post_init__(self) -> None:
        check_days(COMPONENT, "deletion_window_days", self.deletion_window_days, 7, 30, DELETION_FIX)
        check_days(COMPONENT, "rotation_days", self.rotation_days, 30, 3650, "pass rotation_days=365")


class SigningKey(Protocol):
    """What every cloud's signing key provides."""

    # awskms:///<arn> | gcpkms://projects/.../cryptoKeyVersions/1 | azurekms://<vault host>/<key>
    key_uri: pulumi.Output[str]


def signing_key(
    name: str,
    args: SigningKeyArgs,
    target: CloudTarget,
    context: PlatformContext,
    encryption_key: EncryptionKey,
    identities: Identities,
    opts: pulumi.ResourceOptions | None = None,
) -> SigningKey:
    """Create the key on the target's cloud (beside `encryption_key`) and grant `identities`' workloads."""
    require_cloud(COMPONENT, target.cloud, ("aws", "gcp", "azure"))
    if target.cloud == "aws":
        from components.aws.signing_key import AwsSigningKey

        return AwsSigningKey(name, args, target, context, identities, opts)
    if target.cloud == "gcp":
        from components.gcp.encryption_key import GcpEncryptionKey
        from components.gcp.signing_key import GcpSigningKey

        ring = require_same_cloud(COMPONENT, "encryption_key", encryption_key, GcpEncryptionKey, target.cloud)
        return GcpSigningKey(name, args, target, context, ring, identities, opts)
    from components.azure.encryption_key import AzureEncryptionKey
    from components.azure.signing_key import AzureSigningKey

    vault = require_same_cloud(COMPONENT, "encryption_key", encryption_key, AzureEncryptionKey, target.cloud)
    return AzureSigningKey(name, args, target, context, vault, identities, opts)


def signing_env(key: SigningKey | None, workload: str) -> dict[str, pulumi.Input[str]]:
    """The registry library's key variables for `workload` (signers also verify what they read)."""
    if key is None:
        return {}
    env: dict[str, pulumi.Input[str]] = {VERIFY_KEYS_ENV: key.key_uri}
    if workload in SIGNERS:
        env[SIGNING_KEY_ENV] = key.key_uri
    return env
