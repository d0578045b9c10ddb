"""No basic roles (owner/editor/viewer) granted by any IAM resource type: member, binding or policy, on a
project, folder, organization or a single resource."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.gcp.iam.grants import IAM_TYPES, grants, scope
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

BASIC = {"roles/owner", "roles/editor", "roles/viewer"}


def check(r: Resource) -> Iterator[str]:
    for role, member in grants(r.props):
        if role in BASIC:
            yield f"grants the basic role {role} to {member} on a {scope(r.type)}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-iam-no-basic-roles",
        description="Basic roles (owner, editor, viewer) must not be granted.",
        severity=Severity.CRITICAL,
        remediation="Grant predefined or custom roles scoped to the job (e.g. roles/storage.objectViewer).",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "iam", "least-privilege"),
    ),
    IAM_TYPES,
    check,
)
