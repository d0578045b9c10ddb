"""Roles and ClusterRoles grant named verbs, never '*'."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.rbac.roles import ROLE_TYPES, object_name, rules_with
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for resources in rules_with(r.props, "verbs", "*"):
        yield f"{object_name(r)} grants every verb ('*') on {resources}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-rbac-no-wildcard-verbs",
        description="Roles must not grant the '*' verb.",
        severity=Severity.HIGH,
        remediation="List the verbs the subject needs (get, list, watch, ...) instead of '*'.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "rbac", "least-privilege"),
    ),
    ROLE_TYPES,
    check,
)
