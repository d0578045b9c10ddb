"""Every S3 bucket has server access logging (a BucketLogging resource), except the log buckets."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

BUCKET = "aws:s3/bucket:Bucket"
LOGGING = "aws:s3/bucketLogging:BucketLogging"


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    loggings = index.of_type(LOGGING)
    for bucket in index.of_type(BUCKET):
        if any(index.refers_to(log, "targetBucket", bucket) for log in loggings):
            continue  # a log target itself
        if not any(index.refers_to(log, "bucket", bucket) for log in loggings):
            yield f"bucket {bucket.name} has no BucketLogging resource", bucket.urn


RULE = stack_rule(
    RuleMeta(
        id="aws-s3-access-logging",
        description="S3 buckets must have server access logging to a log bucket.",
        severity=Severity.MEDIUM,
        remediation="Add an aws.s3.BucketLogging with bucket=<bucket id> and targetBucket=<log bucket>.",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("aws", "s3", "storage", "logging"),
        assumes="outputs",
    ),
    check,
)
