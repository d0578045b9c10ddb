"""GCS usage/access logs written to a log bucket (off by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "logging.logBucket"):
        yield "logging.logBucket is not set"


RULE = resource_rule(
    RuleMeta(
        id="gcp-storage-access-logging",
        description="GCS buckets must write access logs to a log bucket.",
        severity=Severity.LOW,
        remediation=(
            "Set logging={'log_bucket': <log bucket name>} (or rely on Data Access audit logs and "
            "disable this rule in the pack config)."
        ),
        frameworks=("cis", "pci-dss", "hipaa"),
        topics=("gcp", "storage", "logging"),
    ),
    [
        "gcp:storage/bucket:Bucket",
    ],
    check,
)
