"""Managed disks are encrypted with a customer-managed key (a disk encryption set) or Azure Disk
Encryption, not left to platform keys only or with encryption settings turned off."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

CUSTOMER = ("EncryptionAtRestWithCustomerKey", "EncryptionAtRestWithPlatformAndCustomerKeys")


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "encryptionSettingsCollection.enabled") is False:
        yield "encryptionSettingsCollection.enabled is false (Azure Disk Encryption off)"
        return
    customer = get(r.props, "encryption.type") in CUSTOMER or get(r.props, "encryption.diskEncryptionSetId")
    if not customer and get(r.props, "encryptionSettingsCollection.enabled") is not True:
        yield "encrypted with platform-managed keys only (no encryption.diskEncryptionSetId)"


RULE = resource_rule(
    RuleMeta(
        id="azure-disk-encryption",
        description="Managed disks must be encrypted with a customer-managed key or Azure Disk Encryption.",
        severity=Severity.HIGH,
        remediation=(
            "Set encryption {type: EncryptionAtRestWithCustomerKey, diskEncryptionSetId: <disk encryption"
            " set>}."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("azure", "compute", "encryption-at-rest"),
    ),
    ["azure-native:compute:Disk"],
    check,
)
