"""GCP SigningKey: an ASYMMETRIC_SIGN crypto key (EC_SIGN_P256_SHA256) in the bucket key's ring, and
IAM on that key only: roles/cloudkms.signer (cryptoKeyVersions.useToSign) + roles/cloudkms.publicKeyViewer
(cryptoKeyVersions.viewPublicKey) for signers, publicKeyViewer for verifiers
(docs.cloud.google.com/iam/docs/roles-permissions/cloudkms).

Cloud KMS does not rotate asymmetric keys automatically (docs.cloud.google.com/kms/docs/key-rotation:
"does not support automatic rotation of asymmetric keys"): no rotation period; the URI names version
1, the version created with the key.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.context import PlatformContext
from components.gcp.encryption_key import SECONDS_PER_DAY, GcpEncryptionKey
from components.identities import Identities
from components.signing_key import SIGNERS, SigningKeyArgs
from components.target import CloudTarget

SIGNER_ROLES = ("roles/cloudkms.signer", "roles/cloudkms.publicKeyViewer")
VERIFIER_ROLES = ("roles/cloudkms.publicKeyViewer",)
FIRST_VERSION = "cryptoKeyVersions/1"


class GcpSigningKey(pulumi.ComponentResource):
    key_uri: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SigningKeyArgs,
        target: CloudTarget,
        context: PlatformContext,
        encryption_key: GcpEncryptionKey,
        identities: Identities,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:SigningKey", name, None, opts)
        key = gcp.kms.CryptoKey(
            name,
            name=name,
            key_ring=encryption_key.key_ring_id,
            purpose="ASYMMETRIC_SIGN",
            version_template=gcp.kms.CryptoKeyVersionTemplateArgs(
                algorithm="EC_SIGN_P256_SHA256", protection_level="SOFTWARE"
            ),
            destroy_scheduled_duration=f"{args.deletion_window_days * SECONDS_PER_DAY}s",
            labels=context.labels(),
            # Keys cannot be deleted in GCP; protect keeps prod from even trying.
            opts=target.opts(self, protect=args.protect, retain_on_delete=args.protect),
        )
        holders = {
            w: (i.principal, SIGNER_ROLES if w in SIGNERS else VERIFIER_ROLES)
            for w, i in identities.workloads.items()
        }
        if identities.release is not None:  # model-release.yml's alias moves
            holders["release"] = (identities.release.principal, SIGNER_ROLES)
        for workload, (email, roles) in holders.items():
            member = email.apply(lambda e: f"serviceAccount:{e}")
            for role in roles:
                gcp.kms.CryptoKeyIAMMember(
                    f"{name}-{workload}-{role.rsplit('.', 1)[-1].lower()}",
                    crypto_key_id=key.id,
                    role=role,
                    member=member,
                    opts=target.opts(self),
                )
        self.key_id = key.id
        self.key_uri = key.id.apply(lambda key_id: f"gcpkms://{key_id}/{FIRST_VERSION}")
        self.register_outputs({"key_uri": self.key_uri, "key_id": self.key_id})
