"""No basic roles (owner/editor/viewer) granted at project, folder or organization level."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

BASIC = {"roles/owner", "roles/editor", "roles/viewer"}


def check(r: Resource) -> Iterator[str]:
    role = str(get(r.props, "role", ""))
    if role in BASIC:
        yield f"grants the basic role {role}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-iam-no-basic-roles",
        description="Basic roles (owner, editor, viewer) must not be granted.",
        severity=Severity.CRITICAL,
        remediation="Grant predefined or custom roles scoped to the job (e.g. roles/storage.objectViewer).",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "iam", "least-privilege"),
    ),
    [
        "gcp:projects/iAMMember:IAMMember",
        "gcp:projects/iAMBinding:IAMBinding",
        "gcp:folder/iAMMember:IAMMember",
        "gcp:organizations/iAMMember:IAMMember",
    ],
    check,
)
