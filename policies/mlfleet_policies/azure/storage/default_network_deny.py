"""Storage accounts deny network access by default (networkRuleSet.defaultAction Deny; Azure's default is
Allow)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if str(get(r.props, "publicNetworkAccess", "")).lower() == "disabled":
        return
    action = get(r.props, "networkRuleSet.defaultAction", "Allow")
    if action != "Deny":
        yield f"networkRuleSet.defaultAction is {action!r}"


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-default-network-deny",
        description="Storage accounts must deny network access by default.",
        severity=Severity.HIGH,
        remediation=(
            "Set networkRuleSet {defaultAction: Deny, bypass: AzureServices} plus "
            "ipRules/virtualNetworkRules, or publicNetworkAccess=Disabled."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "storage", "network"),
    ),
    ["azure-native:storage:StorageAccount"],
    check,
)
