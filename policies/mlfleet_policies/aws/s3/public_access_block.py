"""S3 public access block: all four switches on (provider default for each is false)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

SWITCHES = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def check(r: Resource) -> Iterator[str]:
    off = [s for s in SWITCHES if get(r.props, s) is not True]
    if off:
        yield f"{', '.join(off)} not true (missing means the provider default, false)"


RULE = resource_rule(
    RuleMeta(
        id="aws-s3-public-access-block",
        description="S3 bucket public access blocks must turn on all four switches.",
        severity=Severity.CRITICAL,
        remediation=(
            "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "s3", "storage", "public-access"),
    ),
    ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    check,
)
