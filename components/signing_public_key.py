"""The public half of a cell's registry signing key, read from its KMS at deploy time, as PEM.

A multi-cell stack's other cells verify the primary's signatures (the registry sync copies versions
as signed): their pods get the primary's public key inline in MLFLEET_VERIFY_KEYS
(mlfleet_registry.signing), since they hold no identity on the primary's cloud to fetch it from its
KMS themselves. A public key is no secret.

AWS: the `aws:kms/getPublicKey` data source's `public_key_pem` (pulumi-aws 7.x kms/get_public_key.py).
GCP: `gcp:kms/getKMSCryptoKeyVersion`'s `public_keys[0].pem` for version 1, the version the
registry signs with (pulumi-gcp 10.x kms/get_kms_crypto_key_version.py; components/gcp/signing_key.py
FIRST_VERSION). Azure: azure-native's Key Vault key exposes no key material (keyvault.get_key returns
its URI, type and curve only), so an Azure primary's key cannot be handed over this way (None).
Both data sources run once the key exists: on a first `pulumi up` after the key is created.
"""

from __future__ import annotations

import pulumi

from components.cloud_dispatch import require_same_cloud
from components.signing_key import COMPONENT, SigningKey
from components.target import CloudTarget


def public_key_pem(key: SigningKey, target: CloudTarget) -> pulumi.Output[str] | None:
    """The key's public PEM from its KMS (through the cell's provider), or None on Azure."""
    invoke = pulumi.InvokeOutputOptions(provider=target.provider)
    if target.cloud == "aws":
        import pulumi_aws as aws

        from components.aws.signing_key import AwsSigningKey

        aws_key = require_same_cloud(COMPONENT, "key", key, AwsSigningKey, target.cloud)
        return aws.kms.get_public_key_output(key_id=aws_key.key_arn, opts=invoke).public_key_pem
    if target.cloud == "gcp":
        import pulumi_gcp as gcp

        from components.gcp.signing_key import GcpSigningKey

        gcp_key = require_same_cloud(COMPONENT, "key", key, GcpSigningKey, target.cloud)
        version = gcp.kms.get_kms_crypto_key_version_output(crypto_key=gcp_key.key_id, version=1, opts=invoke)
        return version.public_keys.apply(lambda keys: str(keys[0].pem))
    return None
