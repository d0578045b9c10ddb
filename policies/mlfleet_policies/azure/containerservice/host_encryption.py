"""AKS node pools encrypt at the host (temp disks and caches too), inline or as separate AgentPools."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.azure.containerservice.pools import POOL_TYPES, node_pools
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for name, pool in node_pools(r):
        if get(pool, "enableEncryptionAtHost") is not True:
            yield f"node pool {name!r} has no encryption at host"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-host-encryption",
        description="AKS node pools should enable encryption at host.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set enableEncryptionAtHost=true on every pool (register the EncryptionAtHost feature on the "
            "subscription)."
        ),
        frameworks=("pci-dss", "hipaa", "iso27001"),
        topics=("azure", "aks", "encryption-at-rest"),
    ),
    POOL_TYPES,
    check,
)
