"""AKS API server private or limited to authorized IP ranges (default public to all)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "apiServerAccessProfile.enablePrivateCluster") is True:
        return
    ranges = strings(get(r.props, "apiServerAccessProfile.authorizedIPRanges"))
    if not ranges or any_public(ranges):
        yield "the API server is public to any address (no private cluster, no authorizedIPRanges)"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-private-endpoint",
        description="AKS API servers must be private or restricted to authorized IP ranges.",
        severity=Severity.HIGH,
        remediation=(
            "Set api_server_access_profile={'enable_private_cluster': True} or "
            "authorized_ip_ranges=[<CIDRs>]."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "aks", "cluster", "network"),
    ),
    [
        "azure-native:containerservice:ManagedCluster",
    ],
    check,
)
