"""A public AKS API server admits only authorized IP ranges, never the whole internet."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "apiServerAccessProfile.enablePrivateCluster") is True:
        return
    ranges = strings(get(r.props, "apiServerAccessProfile.authorizedIPRanges"))
    if not ranges:
        yield "public API server with no apiServerAccessProfile.authorizedIPRanges"
    elif any_public(ranges):
        yield "apiServerAccessProfile.authorizedIPRanges admits 0.0.0.0/0"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-authorized-ip-ranges",
        description="A public AKS API server must be restricted to authorized IP ranges.",
        severity=Severity.HIGH,
        remediation=(
            "Set apiServerAccessProfile.authorizedIPRanges to the admin and CI ranges, or "
            "enablePrivateCluster=true."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "aks", "network"),
    ),
    ["azure-native:containerservice:ManagedCluster"],
    check,
)
