"""Cloud SQL authorized networks never admit the whole internet."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import is_public
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for network in items(get(r.props, "settings.ipConfiguration.authorizedNetworks")):
        if is_public(get(network, "value")):
            yield f"authorized network {get(network, 'name') or get(network, 'value')!r} admits 0.0.0.0/0"


RULE = resource_rule(
    RuleMeta(
        id="gcp-sql-no-open-authorized-networks",
        description="Cloud SQL must not authorize 0.0.0.0/0.",
        severity=Severity.CRITICAL,
        remediation=(
            "Remove the 0.0.0.0/0 authorized network; connect through private IP or the Cloud SQL Auth Proxy."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("gcp", "sql", "network", "public-access"),
    ),
    ["gcp:sql/databaseInstance:DatabaseInstance"],
    check,
)
