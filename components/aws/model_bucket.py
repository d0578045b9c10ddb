"""AWS ModelBucket: the S3 model registry bucket, its access-log bucket and optional replication
(a replica bucket with its own key and access-log bucket in the second region, created on that
region's provider, which the topology passes in as `replica_target`)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.encryption_key import AwsEncryptionKey
from components.aws.policy_documents import document
from components.aws.s3_bucket import HardenedBucket, S3BucketSettings
from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs
from components.model_bucket import ModelBucketArgs, RegistryLocation
from components.target import CloudTarget


def _log_delivery(log_bucket_arn: pulumi.Input[str], source_bucket: str, prefix: str) -> dict[str, object]:
    """Let the S3 logging service (only for our source bucket) write access logs under `prefix`."""
    return {
        "Sid": "AllowServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": pulumi.Output.concat(log_bucket_arn, f"/{prefix}*"),
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source_bucket}"}},
    }


class AwsModelBucket(pulumi.ComponentResource):
    registry_url: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    key_id: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    # The replica bucket in the replication region (registry-sync may write to it).
    replica: RegistryLocation | None
    prefix: str

    def __init__(
        self,
        name: str,
        args: ModelBucketArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: AwsEncryptionKey,
        opts: pulumi.ResourceOptions | None = None,
        replica_target: CloudTarget | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:ModelBucket", name, None, opts)
        tags = context.tags()
        self.prefix = args.prefix
        settings = S3BucketSettings(
            key.key_arn, args.noncurrent_version_days, args.abort_multipart_days, args.protect
        )
        main = self._logged_bucket(name, settings, target, tags)
        self.replica = None
        if args.replication_region is not None:
            assert replica_target is not None  # checked by the model_bucket factory
            self.replica = self._replicate(name, args, target, replica_target, context, settings, main)
        self.bucket_name = main.bucket.id
        self.bucket_arn = main.arn
        self.key_id = key.key_id
        self.key_arn = key.key_arn
        self.registry_url = pulumi.Output.concat("s3://", main.bucket.id, f"/{args.prefix}")
        self.registry_env: dict[str, pulumi.Output[str]] = {}
        self.register_outputs(
            {"registry_url": self.registry_url, "bucket_name": self.bucket_name, "key_id": self.key_id}
        )

    def _logged_bucket(
        self, name: str, settings: S3BucketSettings, target: CloudTarget, tags: dict[str, str]
    ) -> HardenedBucket:
        """A hardened bucket and its access-log bucket in the same region (S3 logging requires that)."""
        log_prefix = f"s3-access/{name}/"
        logs = HardenedBucket(
            f"{name}-logs",
            S3BucketSettings(
                None, settings.noncurrent_version_days, settings.abort_multipart_days, settings.protect
            ),
            target,
            self,
            tags,
            # The log bucket's ARN is known from its name: no dependency cycle with the source bucket.
            extra_statements=(_log_delivery(f"arn:aws:s3:::{name}-logs", name, log_prefix),),
        )
        bucket = HardenedBucket(name, settings, target, self, tags)
        aws.s3.BucketLogging(
            name,
            bucket=bucket.bucket.id,
            target_bucket=logs.bucket.id,
            target_prefix=log_prefix,
            opts=target.opts(self),
        )
        return bucket

    def _replicate(
        self,
        name: str,
        args: ModelBucketArgs,
        target: CloudTarget,
        replica_target: CloudTarget,
        context: PlatformContext,
        settings: S3BucketSettings,
        source: HardenedBucket,
    ) -> RegistryLocation:
        """A replica bucket in the second region with its own key, and the role S3 replicates with."""
        replica_name = f"{name}-{replica_target.region}"
        replica_key = AwsEncryptionKey(
            f"{replica_name}-key",
            EncryptionKeyArgs(protect=args.protect),
            replica_target,
            context,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # As hardened as the primary, including its own access-log bucket in the replica region.
        replica = self._logged_bucket(
            replica_name,
            S3BucketSettings(
                replica_key.key_arn, args.noncurrent_version_days, args.abort_multipart_days, args.protect
            ),
            replica_target,
            context.tags(),
        )
        role = aws.iam.Role(
            f"{name}-replication",
            name=f"{name}-replication",
            assume_role_policy=document(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ),
            tags=context.tags(),
            opts=target.opts(self),
        )
        aws.iam.RolePolicy(
            f"{name}-replication",
            role=role.id,
            policy=document(
                {
                    "Sid": "ReadSource",
                    "Effect": "Allow",
                    "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    "Resource": source.arn,
                },
                {
                    "Sid": "ReadSourceVersions",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionTagging",
                    ],
                    "Resource": pulumi.Output.concat(source.arn, "/*"),
                },
                {
                    "Sid": "WriteReplica",
                    "Effect": "Allow",
                    "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                    "Resource": pulumi.Output.concat(replica.arn, "/*"),
                },
                {
                    "Sid": "DecryptSource",
                    "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": settings.kms_key_arn,
                },
                {
                    "Sid": "EncryptReplica",
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                    "Resource": replica_key.key_arn,
                },
            ),
            opts=target.opts(self),
        )
        aws.s3.BucketReplicationConfig(
            name,
            bucket=source.bucket.id,
            role=role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id="replicate-all",
                    status="Enabled",
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Enabled"
                    ),
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=replica.arn,
                        encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=replica_key.key_arn
                        ),
                    ),
                )
            ],
            # Replication needs versioning on both sides first.
            opts=target.opts(self, depends_on=[source.versioning, replica.versioning]),
        )
        return RegistryLocation("aws", replica.bucket.id, args.prefix, replica_key.key_arn)
