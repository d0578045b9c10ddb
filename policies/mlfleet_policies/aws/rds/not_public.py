"""RDS instances are not reachable from the internet (publiclyAccessible)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "publiclyAccessible") is True:
        yield "publiclyAccessible is true"


RULE = resource_rule(
    RuleMeta(
        id="aws-rds-not-public",
        description="RDS instances must not be publicly accessible.",
        severity=Severity.CRITICAL,
        remediation="Set publiclyAccessible=false and place the instance in private subnets.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "rds", "public-access"),
    ),
    ["aws:rds/instance:Instance"],
    check,
)
