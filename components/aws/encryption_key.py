"""AWS EncryptionKey: a symmetric KMS key with automatic rotation, and an alias named after it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs
from components.target import CloudTarget


class AwsEncryptionKey(pulumi.ComponentResource):
    key_id: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: EncryptionKeyArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:EncryptionKey", name, None, opts)
        key = aws.kms.Key(
            name,
            description=f"{name}: encrypts the mlfleet model bucket and container registry",
            enable_key_rotation=True,
            rotation_period_in_days=args.rotation_days,
            deletion_window_in_days=args.deletion_window_days,
            tags=context.tags(),
            opts=target.opts(self, protect=args.protect, retain_on_delete=args.protect),
        )
        aws.kms.Alias(name, name=f"alias/{name}", target_key_id=key.key_id, opts=target.opts(self))
        # S3, ECR and EKS secrets encryption reference the key by ARN, so the ARN is the key id.
        self.key_id = key.arn
        self.key_arn = key.arn
        self.register_outputs({"key_id": self.key_id, "key_arn": self.key_arn})
