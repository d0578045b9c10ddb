"""Containers do not bind host ports (they bypass NetworkPolicy and pin pods to nodes)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, containers, pod_spec
from mlfleet_policies.network import port_text
from mlfleet_policies.props import items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for c in containers(pod_spec(r.type, r.props)):
        for port in items(c.get("ports")):
            if port.get("hostPort"):
                yield f"container {c.get('name')!r} binds hostPort {port_text(port.get('hostPort'))}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-host-ports",
        description="Containers must not use hostPort.",
        severity=Severity.MEDIUM,
        remediation="Drop ports[].hostPort and expose the pod through a Service.",
        frameworks=("cis",),
        topics=("kubernetes", "pod-security", "network"),
    ),
    WORKLOAD_TYPES,
    check,
)
