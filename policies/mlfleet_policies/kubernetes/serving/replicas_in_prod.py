"""Serving Deployments run at least 2 replicas in prod (a missing replicas means 1)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.serving.selection import is_serving
from mlfleet_policies.network import port_text
from mlfleet_policies.props import get, is_production, merged_tags
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    labels = merged_tags(get(r.props, "metadata.labels"))
    if not is_serving(r.type, r.props) or not is_production(labels, r.config):
        return
    replicas = get(r.props, "spec.replicas", 1)
    if replicas < 2:
        yield f"serving Deployment runs {port_text(replicas)} replica(s) in prod; at least 2 are required"


RULE = resource_rule(
    RuleMeta(
        id="k8s-serving-replicas-in-prod",
        description="Serving Deployments must run at least 2 replicas in prod.",
        severity=Severity.HIGH,
        remediation="Set spec.replicas >= 2 (or an HPA with minReplicas >= 2) for prod stacks.",
        frameworks=("iso27001",),
        topics=("kubernetes", "serving", "reliability"),
    ),
    [
        "kubernetes:apps/v1:Deployment",
    ],
    check,
)
