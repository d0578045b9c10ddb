"""Storage accounts deny network access by default (networkRuleSet.defaultAction Deny; Azure's default is
Allow), and the addresses they admit through the public endpoint stay narrow.

The narrow exception the cross-cloud registry sync needs (docs/multi-cloud.md "Registry sync"): public
network access Enabled with default Deny and ipRules listing single public addresses (the primary
cell's NAT egress). An ipRule wider than a /16 makes the default Deny a formality; a private (RFC 1918)
range or a /31 or /32 prefix Azure refuses at deploy time ("Private IP address ranges (as defined in RFC
1918) are not allowed", "/31 or /32 prefix sizes are not supported": Azure Storage firewall limitations,
learn.microsoft.com/azure/storage/common/storage-network-security-limitations).
"""

import ipaddress
from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

# The widest range an ipRule may admit (65,536 addresses).
WIDEST_PREFIX = 16
RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _ip_rule_problem(value: object) -> str | None:
    """Why one ipRules[].iPAddressOrRange is not a narrow public exception; None when it is (or unknown)."""
    if not isinstance(value, str):
        return None  # unknown until the address is allocated (preview): nothing to judge yet
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"ipRule {value!r} is not an IPv4 address or CIDR range"
    if network.version != 4:
        return f"ipRule {value!r} is IPv6: Azure Storage ipRules take IPv4 only"
    if any(network.subnet_of(private) for private in RFC1918):  # type: ignore[arg-type]
        return f"ipRule {value!r} is a private range Azure refuses: use a private endpoint or VNet rule"
    if "/" in value and network.prefixlen in (31, 32):
        return f"ipRule {value!r} has a /{network.prefixlen} prefix Azure refuses: list the address alone"
    if network.prefixlen < WIDEST_PREFIX:
        return (
            f"ipRule {value!r} admits {network.num_addresses:,} addresses (wider than /{WIDEST_PREFIX}): "
            "the default Deny in name only"
        )
    return None


def check(r: Resource) -> Iterator[str]:
    if str(get(r.props, "publicNetworkAccess", "")).lower() == "disabled":
        return
    action = get(r.props, "networkRuleSet.defaultAction", "Allow")
    if action != "Deny":
        yield f"networkRuleSet.defaultAction is {action!r}"
    for rule in items(get(r.props, "networkRuleSet.ipRules")):
        problem = _ip_rule_problem(get(rule, "iPAddressOrRange"))
        if problem:
            yield problem


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-default-network-deny",
        description=(
            "Storage accounts must deny network access by default; ipRules admit only narrow public "
            "IPv4 ranges (/16 or narrower)."
        ),
        severity=Severity.HIGH,
        remediation=(
            "Set networkRuleSet {defaultAction: Deny, bypass: AzureServices} plus "
            "ipRules/virtualNetworkRules, or publicNetworkAccess=Disabled. ipRules: single public IPv4 "
            "addresses (no /31 or /32 suffix) or public ranges of /16 or narrower, never RFC 1918."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "storage", "network"),
    ),
    ["azure-native:storage:StorageAccount"],
    check,
)
