"""RDS instances and Aurora clusters are protected against deletion in prod (deletionProtection)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, is_production, merged_tags
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if (
        is_production(merged_tags(get(r.props, "tags")), r.config)
        and get(r.props, "deletionProtection") is not True
    ):
        yield "prod database without deletionProtection"


RULE = resource_rule(
    RuleMeta(
        id="aws-rds-deletion-protection",
        description="Prod RDS databases must enable deletion protection.",
        severity=Severity.MEDIUM,
        remediation="Set deletionProtection=true on prod databases.",
        frameworks=("iso27001",),
        topics=("aws", "rds", "production"),
    ),
    ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
    check,
)
