"""VMs and scale sets encrypt at the host (securityProfile.encryptionAtHost): temp disks and caches are
encrypted too."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    base = "virtualMachineProfile." if r.type.endswith(":VirtualMachineScaleSet") else ""
    if get(r.props, f"{base}securityProfile.encryptionAtHost") is not True:
        yield f"{base}securityProfile.encryptionAtHost is not true"


RULE = resource_rule(
    RuleMeta(
        id="azure-vm-encryption-at-host",
        description="VMs should enable encryption at host.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set securityProfile.encryptionAtHost=true (register the EncryptionAtHost feature on the "
            "subscription)."
        ),
        frameworks=("pci-dss", "hipaa", "iso27001"),
        topics=("azure", "compute", "encryption-at-rest"),
    ),
    ["azure-native:compute:VirtualMachine", "azure-native:compute:VirtualMachineScaleSet"],
    check,
)
