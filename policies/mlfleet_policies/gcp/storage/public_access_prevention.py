"""GCS public access prevention enforced (provider default 'inherited' allows public grants)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    value = get(r.props, "publicAccessPrevention", "inherited")
    if value != "enforced":
        yield f"publicAccessPrevention is {value!r}, expected 'enforced'"


RULE = resource_rule(
    RuleMeta(
        id="gcp-storage-public-access-prevention",
        description="GCS buckets must enforce public access prevention.",
        severity=Severity.CRITICAL,
        remediation="Set public_access_prevention='enforced' on the gcp.storage.Bucket.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("gcp", "storage", "public-access"),
    ),
    [
        "gcp:storage/bucket:Bucket",
    ],
    check,
)
