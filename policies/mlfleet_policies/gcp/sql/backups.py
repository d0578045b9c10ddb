"""Cloud SQL instances take automated backups (settings.backupConfiguration.enabled)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "settings.backupConfiguration.enabled") is not True:
        yield "automated backups are off (settings.backupConfiguration.enabled)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-sql-backups",
        description="Cloud SQL instances must have automated backups.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set settings.backupConfiguration.enabled=true (and pointInTimeRecoveryEnabled for PostgreSQL)."
        ),
        frameworks=("cis", "hipaa", "iso27001"),
        topics=("gcp", "sql", "backup"),
    ),
    ["gcp:sql/databaseInstance:DatabaseInstance"],
    check,
)
