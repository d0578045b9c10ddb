"""S3 versioning configuration must be Enabled (Suspended/Disabled loses overwritten objects)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    status = get(r.props, "versioningConfiguration.status")
    if status != "Enabled":
        yield f"versioningConfiguration.status is {status!r}, expected 'Enabled'"


RULE = resource_rule(
    RuleMeta(
        id="aws-s3-versioning",
        description="S3 bucket versioning must be enabled.",
        severity=Severity.MEDIUM,
        remediation="Set versioningConfiguration.status to 'Enabled' on the BucketVersioning resource.",
        frameworks=("cis", "iso27001"),
        topics=("aws", "s3", "storage", "resilience"),
    ),
    ["aws:s3/bucketVersioning:BucketVersioning"],
    check,
)
