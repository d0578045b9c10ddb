"""Containers drop ALL capabilities and add back at most NET_BIND_SERVICE."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_spec
from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        dropped = [d.upper() for d in strings(get(c, "securityContext.capabilities.drop"))]
        added = [
            a for a in strings(get(c, "securityContext.capabilities.add")) if a.upper() != "NET_BIND_SERVICE"
        ]
        if "ALL" not in dropped:
            yield f"container {c.get('name')!r} does not drop ALL capabilities"
        if added:
            yield f"container {c.get('name')!r} adds capabilities {', '.join(added)}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-drop-capabilities",
        description="Containers must drop all Linux capabilities (Pod Security restricted).",
        severity=Severity.HIGH,
        remediation=(
            "Set securityContext.capabilities={'drop': ['ALL']} (add only NET_BIND_SERVICE if needed)."
        ),
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "pod-security", "capabilities"),
    ),
    WORKLOAD_TYPES,
    check,
)
