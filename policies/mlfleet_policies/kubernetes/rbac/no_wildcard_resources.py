"""Roles and ClusterRoles grant named resources, never '*'."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.rbac.roles import ROLE_TYPES, object_name, rules_with
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for resources in rules_with(r.props, "resources", "*"):
        yield f"{object_name(r)} grants access to every resource ({resources})"


RULE = resource_rule(
    RuleMeta(
        id="k8s-rbac-no-wildcard-resources",
        description="Roles must not grant access to the '*' resource.",
        severity=Severity.HIGH,
        remediation="List the resources (pods, configmaps, ...) instead of '*'.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "rbac", "least-privilege"),
    ),
    ROLE_TYPES,
    check,
)
