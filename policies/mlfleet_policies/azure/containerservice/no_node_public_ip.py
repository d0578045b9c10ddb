"""AKS node pools give nodes no public IP (enableNodePublicIP), inline or as separate AgentPools."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.azure.containerservice.pools import POOL_TYPES, node_pools
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for name, pool in node_pools(r):
        if get(pool, "enableNodePublicIP") is True:
            yield f"node pool {name!r} gives nodes public IPs"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-no-node-public-ip",
        description="AKS nodes must not have public IP addresses.",
        severity=Severity.HIGH,
        remediation=(
            "Remove enableNodePublicIP (default false); give egress through a NAT gateway or the load "
            "balancer."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "aks", "network"),
    ),
    POOL_TYPES,
    check,
)
