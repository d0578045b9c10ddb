"""Storage accounts encrypt with a customer-managed Key Vault key (default Microsoft.Storage keys)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    source = get(r.props, "encryption.keySource", "Microsoft.Storage")
    if source != "Microsoft.Keyvault":
        yield f"encryption.keySource is {source!r}, expected 'Microsoft.Keyvault'"


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-cmk",
        description="Storage accounts must use a customer-managed key.",
        severity=Severity.HIGH,
        remediation=(
            "Set encryption={'key_source': 'Microsoft.Keyvault', 'key_vault_properties': {...}} with "
            "a user-assigned identity."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("azure", "storage", "encryption"),
    ),
    [
        "azure-native:storage:StorageAccount",
    ],
    check,
)
