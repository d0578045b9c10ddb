"""Serving reads models only from the registry bucket on its own cloud (no cross-cloud egress or
dependency)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.serving.selection import is_serving
from mlfleet_policies.kubernetes.workloads import containers, pod_spec
from mlfleet_policies.mlops.placement import cluster_cloud, uri_cloud
from mlfleet_policies.props import items
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    for d in index.of_type("kubernetes:apps/v1:Deployment"):
        if not is_serving(d.resource_type, d.props):
            continue
        cloud = cluster_cloud(index, d)
        if cloud is None:
            continue
        for c in containers(pod_spec(d.resource_type, d.props)):
            for env in items(c.get("env")):
                value = str(env.get("value", ""))
                source = uri_cloud(value)
                if source is not None and source != cloud:
                    yield f"serving on {cloud} reads {env.get('name')}={value} from {source}", d.urn


RULE = stack_rule(
    RuleMeta(
        id="mlops-serving-own-cloud-registry",
        description="Serving must read models from its own cloud's registry bucket.",
        severity=Severity.HIGH,
        remediation=(
            "Point the serving registry URL at the region's own bucket; let registry sync copy "
            "versions across clouds."
        ),
        frameworks=("gdpr",),
        topics=("mlops", "serving", "resilience"),
        assumes="outputs",
    ),
    check,
)
