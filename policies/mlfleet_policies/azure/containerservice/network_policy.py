"""AKS network policy engine set (azure, calico or cilium; none by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    policy = get(r.props, "networkProfile.networkPolicy")
    if policy not in ("azure", "calico", "cilium"):
        yield f"networkProfile.networkPolicy is {policy!r}"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-network-policy",
        description="AKS clusters must enforce Kubernetes network policies.",
        severity=Severity.MEDIUM,
        remediation="Set network_profile.network_policy to 'azure', 'calico' or 'cilium'.",
        frameworks=("cis", "pci-dss"),
        topics=("azure", "aks", "cluster", "network"),
    ),
    [
        "azure-native:containerservice:ManagedCluster",
    ],
    check,
)
