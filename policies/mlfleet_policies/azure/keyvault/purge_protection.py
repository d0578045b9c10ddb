"""Key Vaults keep soft delete and enable purge protection (off by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "properties.enablePurgeProtection") is not True:
        yield "properties.enablePurgeProtection is not true"
    if get(r.props, "properties.enableSoftDelete", True) is False:
        yield "properties.enableSoftDelete is false"


RULE = resource_rule(
    RuleMeta(
        id="azure-keyvault-purge-protection",
        description="Key Vaults must enable purge protection and soft delete.",
        severity=Severity.HIGH,
        remediation="Set properties.enable_purge_protection=True (soft delete stays on by default).",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "keyvault", "keys"),
    ),
    [
        "azure-native:keyvault:Vault",
    ],
    check,
)
