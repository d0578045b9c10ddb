"""Long-running containers (Deployment/StatefulSet/DaemonSet) have readiness and liveness probes."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import (
    LONG_RUNNING,
    WORKLOAD_TYPES,
    containers,
    pod_spec,
)
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if r.type not in LONG_RUNNING:
        return
    for c in containers(pod_spec(r.type, r.props), include_init=False):
        missing = [p for p in ("readinessProbe", "livenessProbe") if not c.get(p)]
        if missing:
            yield f"container {c.get('name')!r} has no {' or '.join(missing)}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-probes",
        description="Long-running containers must define readiness and liveness probes.",
        severity=Severity.MEDIUM,
        remediation="Add readinessProbe and livenessProbe (e.g. HTTP GET /healthz and /readyz).",
        frameworks=(),
        topics=("kubernetes", "pod-security", "reliability"),
    ),
    WORKLOAD_TYPES,
    check,
)
