"""AKS local (static kubeconfig) accounts disabled with Entra ID RBAC (local accounts on by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "disableLocalAccounts") is not True:
        yield "disableLocalAccounts is not true (static cluster-admin credentials exist)"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-no-local-accounts",
        description="AKS clusters must disable local accounts.",
        severity=Severity.HIGH,
        remediation=(
            "Set disable_local_accounts=True with aad_profile={'managed': True, 'enable_azure_rbac': True}."
        ),
        frameworks=("cis", "iso27001"),
        topics=("azure", "aks", "cluster", "credentials"),
    ),
    [
        "azure-native:containerservice:ManagedCluster",
    ],
    check,
)
