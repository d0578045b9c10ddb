"""Key Vaults deny network access by default (properties.networkAcls.defaultAction Deny; Azure's default is
Allow)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    action = get(r.props, "properties.networkAcls.defaultAction", "Allow")
    if action != "Deny":
        yield f"properties.networkAcls.defaultAction is {action!r}"


RULE = resource_rule(
    RuleMeta(
        id="azure-keyvault-network-acls",
        description="Key Vaults must deny network access by default.",
        severity=Severity.HIGH,
        remediation=(
            "Set properties.networkAcls {defaultAction: Deny, bypass: AzureServices} plus the "
            "ipRules/virtualNetworkRules that need access."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "keyvault", "network"),
    ),
    ["azure-native:keyvault:Vault"],
    check,
)
