"""DynamoDB tables have point-in-time recovery."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "pointInTimeRecovery.enabled") is not True:
        yield "pointInTimeRecovery.enabled is not true"


RULE = resource_rule(
    RuleMeta(
        id="aws-dynamodb-pitr",
        description="DynamoDB tables must enable point-in-time recovery.",
        severity=Severity.MEDIUM,
        remediation="Set pointInTimeRecovery={enabled: true}.",
        frameworks=("hipaa", "iso27001"),
        topics=("aws", "dynamodb", "backup"),
    ),
    ["aws:dynamodb/table:Table"],
    check,
)
