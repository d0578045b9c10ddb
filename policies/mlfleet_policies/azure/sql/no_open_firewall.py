"""Database server firewall rules (SQL, PostgreSQL, MySQL) never admit every address
(0.0.0.0-255.255.255.255)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    start, end = get(r.props, "startIpAddress"), get(r.props, "endIpAddress")
    if start == "0.0.0.0" and end == "255.255.255.255":
        yield "firewall rule admits every address (0.0.0.0 - 255.255.255.255)"


RULE = resource_rule(
    RuleMeta(
        id="azure-sql-no-open-firewall",
        description="Database firewall rules must not admit every address.",
        severity=Severity.CRITICAL,
        remediation=(
            "Narrow startIpAddress/endIpAddress to the clients' ranges, or use private endpoints and "
            "disable public access."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("azure", "sql", "network", "public-access"),
    ),
    [
        "azure-native:sql:FirewallRule",
        "azure-native:dbforpostgresql:FirewallRule",
        "azure-native:dbformysql:FirewallRule",
    ],
    check,
)
