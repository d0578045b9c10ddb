"""Cloud SQL instances have no public IPv4 address (settings.ipConfiguration.ipv4Enabled; the API's default
is true)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "settings.ipConfiguration.ipv4Enabled", True) is not False:
        yield "has a public IPv4 address (settings.ipConfiguration.ipv4Enabled)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-sql-no-public-ip",
        description="Cloud SQL instances must not have a public IP address.",
        severity=Severity.HIGH,
        remediation=(
            "Set settings.ipConfiguration.ipv4Enabled=false and privateNetwork (private services access "
            "or PSC)."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("gcp", "sql", "network"),
    ),
    ["gcp:sql/databaseInstance:DatabaseInstance"],
    check,
)
