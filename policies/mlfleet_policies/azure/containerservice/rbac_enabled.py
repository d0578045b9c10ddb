"""AKS clusters keep Kubernetes RBAC on (enableRBAC; without it every authenticated user is cluster admin)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "enableRBAC") is False:
        yield "enableRBAC is false"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-rbac-enabled",
        description="AKS clusters must enable Kubernetes RBAC.",
        severity=Severity.CRITICAL,
        remediation="Remove enableRBAC=false (default true) and use aadProfile {managed, enableAzureRBAC}.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "aks", "rbac"),
    ),
    ["azure-native:containerservice:ManagedCluster"],
    check,
)
