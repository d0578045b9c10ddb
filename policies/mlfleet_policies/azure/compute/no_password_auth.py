"""Linux VMs and scale sets log in with SSH keys only
(osProfile.linuxConfiguration.disablePasswordAuthentication)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def os_profile(r: Resource) -> object:
    if r.type.endswith(":VirtualMachineScaleSet"):
        return get(r.props, "virtualMachineProfile.osProfile")
    return get(r.props, "osProfile")


def check(r: Resource) -> Iterator[str]:
    linux = get(os_profile(r), "linuxConfiguration")
    if linux is not None and get(linux, "disablePasswordAuthentication") is not True:
        yield "Linux password authentication is allowed (linuxConfiguration.disablePasswordAuthentication)"


RULE = resource_rule(
    RuleMeta(
        id="azure-vm-no-password-auth",
        description="Linux VMs must disable password authentication.",
        severity=Severity.HIGH,
        remediation=(
            "Set osProfile.linuxConfiguration {disablePasswordAuthentication: true, ssh.publicKeys: "
            "[...]} and drop adminPassword."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "compute", "authentication"),
    ),
    ["azure-native:compute:VirtualMachine", "azure-native:compute:VirtualMachineScaleSet"],
    check,
)
