"""One hardened S3 bucket: Block Public Access (all four), ACLs disabled, default encryption,
versioning, a TLS-only bucket policy and a lifecycle. Used for the model, log and replica buckets."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import Statement, deny_insecure_transport, document
from components.target import CloudTarget


@dataclass(frozen=True)
class S3BucketSettings:
    # None: SSE-S3 (AES256), which S3 server access logging requires on the log bucket.
    kms_key_arn: pulumi.Input[str] | None
    noncurrent_version_days: int
    abort_multipart_days: int
    protect: bool = False


class HardenedBucket:
    """The bucket and the sub-resources that secure it (not a component: its parent is the block)."""

    def __init__(
        self,
        name: str,
        settings: S3BucketSettings,
        target: CloudTarget,
        parent: pulumi.Resource,
        tags: dict[str, str],
        extra_statements: tuple[Statement, ...] = (),
    ) -> None:
        stateful = target.opts(parent, protect=settings.protect, retain_on_delete=settings.protect)
        self.bucket = aws.s3.Bucket(name, bucket=name, force_destroy=False, tags=tags, opts=stateful)
        self.arn = self.bucket.arn
        child = target.opts(parent)
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            name,
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            name,
            bucket=self.bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms" if settings.kms_key_arn is not None else "AES256",
            kms_master_key_id=settings.kms_key_arn,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=default,
                    # An S3 bucket key cuts KMS requests (and cost) by ~99%.
                    bucket_key_enabled=settings.kms_key_arn is not None,
                )
            ],
            opts=child,
        )
        self.versioning = aws.s3.BucketVersioning(
            name,
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="noncurrent-and-multipart",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=settings.noncurrent_version_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=settings.abort_multipart_days
                    ),
                )
            ],
            # S3 rejects lifecycle rules on noncurrent versions until versioning exists.
            opts=target.opts(parent, depends_on=[self.versioning]),
        )
        aws.s3.BucketPolicy(
            name,
            bucket=self.bucket.id,
            policy=document(deny_insecure_transport(self.arn), *extra_statements),
            # A policy put before Block Public Access is in place could race it.
            opts=target.opts(parent, depends_on=[self.public_access_block]),
        )
