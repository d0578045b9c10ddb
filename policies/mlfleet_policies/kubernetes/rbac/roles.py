"""RBAC objects: Roles/ClusterRoles and their rules, RoleBindings/ClusterRoleBindings and their subjects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlfleet_policies.props import get, items, strings

ROLE_TYPES = (
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
)
BINDING_TYPES = (
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
)
ESCALATION_VERBS = ("escalate", "bind", "impersonate")
READ_VERBS = {"get", "list", "watch", "*"}


def object_name(r: Any) -> str:
    """`ClusterRole 'admin'`: the kind and metadata.name of a Role, ClusterRole or binding."""
    return f"{r.type.rsplit(':', 1)[-1]} {get(r.props, 'metadata.name', r.name)!r}"


def rules(props: Any) -> Iterator[Mapping[str, Any]]:
    yield from (rule for rule in items(get(props, "rules")) if isinstance(rule, Mapping))


def rules_with(props: Any, field: str, value: str) -> Iterator[str]:
    """For each rule whose `field` (verbs, resources) lists `value`: the resources it covers, as text."""
    for rule in rules(props):
        if value in strings(rule.get(field)):
            covered = strings(rule.get("resources")) or [
                f"URLs {', '.join(strings(rule.get('nonResourceURLs')))}"
            ]
            yield ", ".join(covered)


def secret_readers(props: Any) -> Iterator[str]:
    """The read verbs of each rule that covers Secrets (in the core API group) without naming them."""
    for rule in rules(props):
        groups = strings(rule.get("apiGroups")) or [""]
        covers = {"secrets", "*"} & set(strings(rule.get("resources")))
        verbs = READ_VERBS & set(strings(rule.get("verbs")))
        if covers and verbs and ({"", "*"} & set(groups)) and not strings(rule.get("resourceNames")):
            yield ", ".join(sorted(verbs))
