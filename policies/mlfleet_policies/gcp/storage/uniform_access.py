"""GCS uniform bucket-level access (IAM only, no object ACLs; provider default false)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "uniformBucketLevelAccess") is not True:
        yield "uniformBucketLevelAccess is not true (provider default: false)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-storage-uniform-access",
        description="GCS buckets must use uniform bucket-level access.",
        severity=Severity.MEDIUM,
        remediation="Set uniform_bucket_level_access=True.",
        frameworks=("cis", "iso27001"),
        topics=("gcp", "storage", "access"),
    ),
    [
        "gcp:storage/bucket:Bucket",
    ],
    check,
)
