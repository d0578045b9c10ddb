"""No RoleBinding or ClusterRoleBinding grants the cluster-admin ClusterRole."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.rbac.roles import BINDING_TYPES, object_name
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "roleRef.kind") == "ClusterRole" and get(r.props, "roleRef.name") == "cluster-admin":
        subjects = ", ".join(f"{get(s, 'kind')} {get(s, 'name')}" for s in items(get(r.props, "subjects")))
        yield f"{object_name(r)} grants cluster-admin to {subjects or 'no subject'}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-rbac-no-cluster-admin-binding",
        description="Bindings must not grant the cluster-admin ClusterRole.",
        severity=Severity.CRITICAL,
        remediation="Bind a Role or ClusterRole limited to the verbs and resources the subject needs.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "rbac", "least-privilege"),
    ),
    BINDING_TYPES,
    check,
)
