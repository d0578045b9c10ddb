"""Roles do not grant the privilege-escalation verbs escalate, bind or impersonate."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.rbac.roles import ESCALATION_VERBS, ROLE_TYPES, object_name, rules_with
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for verb in ESCALATION_VERBS:
        for resources in rules_with(r.props, "verbs", verb):
            yield f"{object_name(r)} grants '{verb}' on {resources} (privilege escalation)"


RULE = resource_rule(
    RuleMeta(
        id="k8s-rbac-no-escalation-verbs",
        description="Roles must not grant escalate, bind or impersonate.",
        severity=Severity.HIGH,
        remediation=(
            "Drop the escalate, bind and impersonate verbs; grant the target roles directly to the "
            "subjects that need them."
        ),
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "rbac", "least-privilege"),
    ),
    ROLE_TYPES,
    check,
)
