"""Hierarchical and network firewall policy rules do not allow internet ingress except to TCP 443."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, items, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "direction") != "INGRESS" or get(r.props, "action") != "allow":
        return
    if not any_public(strings(get(r.props, "match.srcIpRanges"))):
        return
    for layer4 in items(get(r.props, "match.layer4Configs")):
        ports = strings(get(layer4, "ports"))
        if get(layer4, "ipProtocol") != "tcp" or ports != ["443"]:
            yield f"allows {get(layer4, 'ipProtocol')} ports {ports or 'all'} from 0.0.0.0/0"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-firewall-policy-no-public-ingress",
        description="Firewall policy rules must not allow internet ingress except HTTPS (443).",
        severity=Severity.HIGH,
        remediation="Narrow match.srcIpRanges or allow only tcp:443.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "compute", "network"),
    ),
    [
        "gcp:compute/firewallPolicyRule:FirewallPolicyRule",
        "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule",
        "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule",
    ],
    check,
)
