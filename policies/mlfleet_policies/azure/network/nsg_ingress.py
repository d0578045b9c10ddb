"""No NSG rule allows inbound internet traffic except to port 443."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, items, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def open_rule(rule: Mapping[str, Any]) -> bool:
    if get(rule, "direction") != "Inbound" or get(rule, "access") != "Allow":
        return False
    sources = [get(rule, "sourceAddressPrefix"), *strings(get(rule, "sourceAddressPrefixes"))]
    ports = [get(rule, "destinationPortRange"), *strings(get(rule, "destinationPortRanges"))]
    return any_public(s for s in sources if s) and [str(p) for p in ports if p] != ["443"]


def check(r: Resource) -> Iterator[str]:
    rules = items(get(r.props, "securityRules")) if r.type.endswith("NetworkSecurityGroup") else [r.props]
    for rule in rules:
        if open_rule(rule):
            name, port = get(rule, "name", r.name), get(rule, "destinationPortRange")
            yield f"rule {name!r} allows inbound from the internet to port {port}"


RULE = resource_rule(
    RuleMeta(
        id="azure-nsg-no-public-ingress",
        description="NSGs must not allow internet ingress except HTTPS (443).",
        severity=Severity.HIGH,
        remediation=(
            "Restrict sourceAddressPrefix to known ranges or a service tag like "
            "AzureFrontDoor.Backend; allow only 443 publicly."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "network"),
    ),
    [
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:SecurityRule",
    ],
    check,
)
