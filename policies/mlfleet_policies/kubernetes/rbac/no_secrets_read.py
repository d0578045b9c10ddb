"""Roles that read Secrets (get, list, watch or '*' on secrets) are flagged for review."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.rbac.roles import ROLE_TYPES, object_name, secret_readers
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for verbs in secret_readers(r.props):
        yield f"{object_name(r)} can read Secrets ({verbs})"


RULE = resource_rule(
    RuleMeta(
        id="k8s-rbac-no-secrets-read",
        description="Roles should not read Secrets unless the workload must.",
        severity=Severity.MEDIUM,
        remediation=(
            "Mount the one Secret the workload needs instead of granting get/list/watch on secrets; use "
            "resourceNames to narrow a grant."
        ),
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "rbac", "secrets"),
    ),
    ROLE_TYPES,
    check,
)
