"""No IAM grant of any kind (member, binding or policy) on any GCP resource names allUsers or
allAuthenticatedUsers.

Buckets' and repositories' member and binding resources are gcp-storage-no-public-iam's; this rule covers
every other IAM resource type, including those two scopes' IAMPolicy form."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.gcp.iam.grants import IAM_TYPES, PUBLIC_MEMBERS, grants, scope
from mlfleet_policies.gcp.storage.no_public_iam import RULE as STORAGE_RULE
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

TYPES = [t for t in IAM_TYPES if t not in STORAGE_RULE.resource_types]


def check(r: Resource) -> Iterator[str]:
    for role, member in grants(r.props):
        if member in PUBLIC_MEMBERS:
            yield f"grants {role} on a {scope(r.type)} to {member}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-iam-no-public-members",
        description="IAM grants must not name allUsers or allAuthenticatedUsers.",
        severity=Severity.CRITICAL,
        remediation=(
            "Grant the role to the users, groups or service accounts that need it; publish through a load"
            " balancer or signed URLs instead."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("gcp", "iam", "public-access"),
    ),
    TYPES,
    check,
)
