"""Service account user / token creator are granted on the service account, not on the whole project,
folder or organization (that lets the member act as every service account in it)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.gcp.iam.grants import HIERARCHY_TYPES, grants, scope
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

IMPERSONATION = {"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"}


def check(r: Resource) -> Iterator[str]:
    for role, member in grants(r.props):
        if role in IMPERSONATION:
            yield f"grants {role} to {member} on the whole {scope(r.type)}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-iam-no-project-level-impersonation",
        description=(
            "Service account impersonation roles must not be granted project-, folder- or organization-wide."
        ),
        severity=Severity.HIGH,
        remediation=(
            "Grant roles/iam.serviceAccountUser or roles/iam.serviceAccountTokenCreator on the one "
            "service account (gcp.serviceaccount.IAMMember)."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "iam", "least-privilege"),
    ),
    HIERARCHY_TYPES,
    check,
)
