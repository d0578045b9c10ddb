"""Instances have no external IP (an accessConfigs entry on a network interface gives one)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for i, nic in enumerate(items(get(r.props, "networkInterfaces"))):
        if items(get(nic, "accessConfigs")):
            yield f"networkInterfaces[{i}] has an external IP (accessConfigs)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-no-public-ip",
        description="Instances must not have external IP addresses.",
        severity=Severity.HIGH,
        remediation="Remove accessConfigs; reach the VM through IAP and give it egress with Cloud NAT.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "compute", "network"),
    ),
    ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate"],
    check,
)
