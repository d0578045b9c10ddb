"""Key Vaults are reached through private endpoints only (properties.publicNetworkAccess Disabled)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    access = get(r.props, "properties.publicNetworkAccess", "Enabled")
    if str(access).lower() != "disabled":
        yield f"properties.publicNetworkAccess is {access!r}"


RULE = resource_rule(
    RuleMeta(
        id="azure-keyvault-public-network-access",
        description="Key Vaults should disable public network access.",
        severity=Severity.MEDIUM,
        remediation="Set properties.publicNetworkAccess=Disabled and add a private endpoint.",
        frameworks=("cis", "pci-dss"),
        topics=("azure", "keyvault", "network"),
    ),
    ["azure-native:keyvault:Vault"],
    check,
)
