"""GCP EncryptionKey: a Cloud KMS key ring and a crypto key that rotates automatically."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs
from components.target import CloudTarget

SECONDS_PER_DAY = 86_400


class GcpEncryptionKey(pulumi.ComponentResource):
    key_id: pulumi.Output[str]
    key_ring_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: EncryptionKeyArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:EncryptionKey", name, None, opts)
        # Key rings and keys cannot be deleted in GCP; protect keeps prod from even trying.
        stateful = target.opts(self, protect=args.protect, retain_on_delete=args.protect)
        ring = gcp.kms.KeyRing(name, name=name, location=target.region, project=target.project, opts=stateful)
        key = gcp.kms.CryptoKey(
            name,
            name=name,
            key_ring=ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=f"{args.rotation_days * SECONDS_PER_DAY}s",
            destroy_scheduled_duration=f"{args.deletion_window_days * SECONDS_PER_DAY}s",
            labels=context.labels(),
            opts=stateful,
        )
        self.key_ring_id = ring.id
        self.key_id = key.id
        self.register_outputs({"key_id": self.key_id, "key_ring_id": self.key_ring_id})
