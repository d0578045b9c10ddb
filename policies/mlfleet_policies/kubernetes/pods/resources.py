"""Every container requests and limits CPU and memory."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_spec
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec, include_init=False):
        missing = [
            f"{kind}.{res}"
            for kind in ("requests", "limits")
            for res in ("cpu", "memory")
            if get(c, f"resources.{kind}.{res}") is None
        ]
        if missing:
            yield f"container {c.get('name')!r} lacks resources {', '.join(missing)}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-resource-limits",
        description="Containers must set CPU and memory requests and limits.",
        severity=Severity.MEDIUM,
        remediation="Set resources.requests and resources.limits for cpu and memory on every container.",
        frameworks=("cis",),
        topics=("kubernetes", "pod-security", "resources"),
    ),
    WORKLOAD_TYPES,
    check,
)
