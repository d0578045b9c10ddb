"""GCP ModelBucket: a GCS bucket (uniform access, public access prevention, CMEK, versioning,
lifecycle) and the bucket its usage logs go to.

Replication: with `replication_region` the model bucket is a configurable dual-region (primary +
replica region) with turbo replication, encrypted with its own key in the enclosing Cloud KMS multi-region
(GCS requires a dual-region bucket's CMEK key there); why this over Storage Transfer Service is in
components/model_bucket.py. The log bucket stays regional in the primary region.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs
from components.gcp.encryption_key import GcpEncryptionKey
from components.gcp.service_agents import grant_key_use, service_agent
from components.model_bucket import ModelBucketArgs, RegistryLocation, gcs_dual_region
from components.target import CloudTarget

# GCS writes usage logs as this group (it needs objectCreator on the log bucket).
STORAGE_ANALYTICS = "group:cloud-storage-analytics@google.com"


def lifecycle_rules(noncurrent_days: int, abort_days: int) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    return [
        gcp.storage.BucketLifecycleRuleArgs(
            action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
            condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                days_since_noncurrent_time=noncurrent_days, with_state="ARCHIVED"
            ),
        ),
        gcp.storage.BucketLifecycleRuleArgs(
            action=gcp.storage.BucketLifecycleRuleActionArgs(type="AbortIncompleteMultipartUpload"),
            condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=abort_days),
        ),
    ]


class GcpModelBucket(pulumi.ComponentResource):
    registry_url: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    key_id: pulumi.Output[str]
    prefix: str
    replica: RegistryLocation | None
    # Dual-region replication: the multi-region key the bucket encrypts with (None without replication).
    replica_key: GcpEncryptionKey | None

    def __init__(
        self,
        name: str,
        args: ModelBucketArgs,
        target: CloudTarget,
        context: PlatformContext,
        key: GcpEncryptionKey,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:ModelBucket", name, None, opts)
        self.prefix = args.prefix
        # GCS encrypts with the key as the project's storage service agent: grant it first.
        agent = service_agent(target, "gs-project-accounts.iam.gserviceaccount.com")
        key_grant = grant_key_use(f"{name}-gcs-key", key.key_id, agent, target, self)
        common: dict[str, Any] = {
            "project": target.project,
            "uniform_bucket_level_access": True,
            "public_access_prevention": "enforced",
            "versioning": gcp.storage.BucketVersioningArgs(enabled=True),
            "lifecycle_rules": lifecycle_rules(args.noncurrent_version_days, args.abort_multipart_days),
            "force_destroy": False,
            "labels": context.labels(),
        }
        stateful = target.opts(
            self, protect=args.protect, retain_on_delete=args.protect, depends_on=[key_grant]
        )
        logs = gcp.storage.Bucket(
            f"{name}-logs",
            name=f"{name}-logs",
            location=target.region.upper(),
            encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=key.key_id),
            opts=stateful,
            **common,
        )
        gcp.storage.BucketIAMMember(
            f"{name}-logs-writer",
            bucket=logs.name,
            role="roles/storage.objectCreator",
            member=STORAGE_ANALYTICS,
            opts=target.opts(self),
        )
        placement: dict[str, Any] = {"location": target.region.upper()}
        bucket_key, bucket_opts = key, stateful
        self.replica_key = None
        if args.replication_region is not None:
            location, kms_location = gcs_dual_region(target.region, args.replication_region)
            bucket_key = self.replica_key = GcpEncryptionKey(
                f"{name}-{kms_location}-key",
                EncryptionKeyArgs(protect=args.protect),
                CloudTarget("gcp", kms_location, target.provider, target.project),
                context,
                opts=pulumi.ResourceOptions(parent=self),
            )
            grant = grant_key_use(f"{name}-gcs-{kms_location}-key", bucket_key.key_id, agent, target, self)
            bucket_opts = target.opts(
                self, protect=args.protect, retain_on_delete=args.protect, depends_on=[grant]
            )
            placement = {
                "location": location,
                "custom_placement_config": gcp.storage.BucketCustomPlacementConfigArgs(
                    data_locations=[target.region.upper(), args.replication_region.upper()]
                ),
                # Turbo replication: every object in both regions within 15 minutes (SLA-backed).
                "rpo": "ASYNC_TURBO",
            }
        bucket = gcp.storage.Bucket(
            name,
            name=name,
            logging=gcp.storage.BucketLoggingArgs(log_bucket=logs.name, log_object_prefix=name),
            encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=bucket_key.key_id),
            opts=bucket_opts,
            **placement,
            **common,
        )
        self.bucket_name = bucket.name
        self.key_id = bucket_key.key_id
        # One dual-region bucket: there is no separate replica registry to write to.
        self.replica = None
        self.registry_url = pulumi.Output.concat("gs://", bucket.name, f"/{args.prefix}")
        self.registry_env: dict[str, pulumi.Output[str]] = {}
        self.register_outputs(
            {"registry_url": self.registry_url, "bucket_name": self.bucket_name, "key_id": self.key_id}
        )
