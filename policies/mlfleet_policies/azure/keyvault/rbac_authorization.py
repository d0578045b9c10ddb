"""Key Vaults authorize data access with Azure RBAC, not vault access policies."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "properties.enableRbacAuthorization") is not True:
        yield "properties.enableRbacAuthorization is not true (access policies)"


RULE = resource_rule(
    RuleMeta(
        id="azure-keyvault-rbac-authorization",
        description="Key Vaults should use Azure RBAC for data access.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set properties.enableRbacAuthorization=true and grant Key Vault data roles with role "
            "assignments."
        ),
        frameworks=("cis", "iso27001"),
        topics=("azure", "keyvault", "iam"),
    ),
    ["azure-native:keyvault:Vault"],
    check,
)
