"""RDS instances and Aurora clusters keep automated backups for at least 7 days (the API's default is 1)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import port_text
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

MINIMUM_DAYS = 7


def check(r: Resource) -> Iterator[str]:
    days = get(r.props, "backupRetentionPeriod", 1)
    if not isinstance(days, int | float) or days < MINIMUM_DAYS:
        yield f"backupRetentionPeriod is {port_text(days)} day(s), at least {MINIMUM_DAYS} required"


RULE = resource_rule(
    RuleMeta(
        id="aws-rds-backup-retention",
        description="RDS backups must be retained for at least 7 days.",
        severity=Severity.MEDIUM,
        remediation="Set backupRetentionPeriod=7 or more (35 at most).",
        frameworks=("cis", "hipaa", "iso27001"),
        topics=("aws", "rds", "backup"),
    ),
    ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
    check,
)
