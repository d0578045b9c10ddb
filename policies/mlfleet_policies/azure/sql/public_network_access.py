"""Azure SQL servers and PostgreSQL/MySQL flexible servers disable public network access (Azure's default
is Enabled)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    path = "publicNetworkAccess" if r.type.startswith("azure-native:sql:") else "network.publicNetworkAccess"
    access = get(r.props, path, "Enabled")
    if str(access).lower() != "disabled":
        yield f"{path} is {access!r}"


RULE = resource_rule(
    RuleMeta(
        id="azure-sql-public-network-access",
        description="Database servers must disable public network access.",
        severity=Severity.HIGH,
        remediation=(
            "Set publicNetworkAccess=Disabled (flexible servers: network.publicNetworkAccess) and connect"
            " through private endpoints or VNet integration."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("azure", "sql", "network"),
    ),
    ["azure-native:sql:Server", "azure-native:dbforpostgresql:Server", "azure-native:dbformysql:Server"],
    check,
)
