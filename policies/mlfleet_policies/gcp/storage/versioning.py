"""GCS object versioning on (provider default off)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "versioning.enabled") is not True:
        yield "versioning.enabled is not true (provider default: false)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-storage-versioning",
        description="GCS buckets must have object versioning enabled.",
        severity=Severity.MEDIUM,
        remediation="Set versioning={'enabled': True} (and a lifecycle rule for noncurrent versions).",
        frameworks=("iso27001",),
        topics=("gcp", "storage", "resilience"),
    ),
    [
        "gcp:storage/bucket:Bucket",
    ],
    check,
)
