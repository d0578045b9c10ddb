"""S3 default encryption with a customer-managed KMS key (SSE-S3 is the provider/AWS default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

KMS = {"aws:kms", "aws:kms:dsse"}


def check(r: Resource) -> Iterator[str]:
    rules = items(get(r.props, "rules"))
    defaults = [get(rule, "applyServerSideEncryptionByDefault", {}) for rule in rules]
    if not any(get(d, "sseAlgorithm") in KMS and get(d, "kmsMasterKeyId") for d in defaults):
        found = [get(d, "sseAlgorithm") for d in defaults] or ["none"]
        algorithms = ", ".join(map(str, found))
        yield f"sseAlgorithm is {algorithms} without a kmsMasterKeyId; a customer-managed KMS key is required"


RULE = resource_rule(
    RuleMeta(
        id="aws-s3-kms-encryption",
        description="S3 buckets must encrypt by default with a customer-managed KMS key.",
        severity=Severity.HIGH,
        remediation=(
            "Add a BucketServerSideEncryptionConfiguration rule with sseAlgorithm 'aws:kms' and "
            "kmsMasterKeyId set to your key's ARN."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "s3", "storage", "encryption"),
    ),
    ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
    check,
)
