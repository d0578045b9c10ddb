"""AKS workload identity and OIDC issuer on (pods federate to managed identities)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "securityProfile.workloadIdentity.enabled") is not True:
        yield "securityProfile.workloadIdentity.enabled is not true"
    if get(r.props, "oidcIssuerProfile.enabled") is not True:
        yield "oidcIssuerProfile.enabled is not true"


RULE = resource_rule(
    RuleMeta(
        id="azure-aks-workload-identity",
        description="AKS clusters must enable workload identity and the OIDC issuer.",
        severity=Severity.HIGH,
        remediation=(
            "Set security_profile={'workload_identity': {'enabled': True}} and "
            "oidc_issuer_profile={'enabled': True}."
        ),
        frameworks=("cis", "iso27001"),
        topics=("azure", "aks", "cluster", "credentials"),
    ),
    [
        "azure-native:containerservice:ManagedCluster",
    ],
    check,
)
