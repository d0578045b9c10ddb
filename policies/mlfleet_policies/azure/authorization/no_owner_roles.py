"""No Owner, Contributor or User Access Administrator role assignments."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

PRIVILEGED = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}


def check(r: Resource) -> Iterator[str]:
    role_id = str(get(r.props, "roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
    if role_id in PRIVILEGED:
        yield f"assigns the privileged built-in role {PRIVILEGED[role_id]}"


RULE = resource_rule(
    RuleMeta(
        id="azure-iam-no-owner-roles",
        description="Owner, Contributor and User Access Administrator must not be assigned.",
        severity=Severity.CRITICAL,
        remediation=(
            "Assign a narrower built-in role (e.g. Storage Blob Data Reader, AcrPull) at the smallest scope."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("azure", "iam", "least-privilege"),
    ),
    [
        "azure-native:authorization:RoleAssignment",
    ],
    check,
)
