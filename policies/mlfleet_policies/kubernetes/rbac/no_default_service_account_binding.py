"""Bindings do not grant roles to a namespace's `default` ServiceAccount (every pod without its own account
runs as it)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.rbac.roles import BINDING_TYPES, object_name
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for subject in items(get(r.props, "subjects")):
        if get(subject, "kind") == "ServiceAccount" and get(subject, "name") == "default":
            namespace = get(subject, "namespace") or get(r.props, "metadata.namespace") or "default"
            role = get(r.props, "roleRef.name")
            yield f"{object_name(r)} grants {role} to the default ServiceAccount of {namespace!r}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-rbac-no-default-service-account-binding",
        description="Roles must be bound to dedicated ServiceAccounts, not `default`.",
        severity=Severity.HIGH,
        remediation=(
            "Create a ServiceAccount per workload, bind the role to it and set serviceAccountName on the "
            "pod template."
        ),
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "rbac", "service-accounts"),
    ),
    BINDING_TYPES,
    check,
)
