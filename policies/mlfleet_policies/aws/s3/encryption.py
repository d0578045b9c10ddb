"""S3 default encryption with a customer-managed KMS key (SSE-S3 is the AWS default).

A stack rule so it can exempt server access log target buckets, which AWS only allows with SSE-S3.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.model_buckets import log_targets
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

KMS = {"aws:kms", "aws:kms:dsse"}
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def uses_kms(config: PolicyResource) -> bool:
    defaults = [
        get(rule, "applyServerSideEncryptionByDefault", {}) for rule in items(get(config.props, "rules"))
    ]
    return any(get(d, "sseAlgorithm") in KMS and get(d, "kmsMasterKeyId") for d in defaults)


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    logs = log_targets(index)
    configs = index.of_type(SSE)
    for bucket in index.of_type("aws:s3/bucket:Bucket"):
        if bucket.urn in logs:
            continue
        mine = [c for c in configs if index.refers_to(c, "bucket", bucket)]
        if not any(uses_kms(c) for c in mine):
            yield (
                f"bucket {bucket.name} is not encrypted with sseAlgorithm aws:kms and a kmsMasterKeyId",
                bucket.urn,
            )


RULE = stack_rule(
    RuleMeta(
        id="aws-s3-kms-encryption",
        description="S3 buckets must encrypt by default with a customer-managed KMS key.",
        severity=Severity.HIGH,
        remediation=(
            "Add a BucketServerSideEncryptionConfiguration rule with sseAlgorithm 'aws:kms' and "
            "kmsMasterKeyId set to your key's ARN (log target buckets are exempt: they need SSE-S3)."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "s3", "storage", "encryption"),
        assumes="outputs",
    ),
    check,
)
