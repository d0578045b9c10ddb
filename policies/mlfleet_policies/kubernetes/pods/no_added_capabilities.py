"""Containers add no Linux capabilities (SYS_ADMIN, NET_RAW, ...); Pod Security restricted allows only
NET_BIND_SERVICE."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, container_setting, containers, pod_spec
from mlfleet_policies.props import strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

ALLOWED = {"NET_BIND_SERVICE"}


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        added = [
            cap
            for cap in strings(container_setting(spec, c, "capabilities.add"))
            if cap.upper() not in ALLOWED
        ]
        if added:
            yield f"container {c.get('name')!r} adds capabilities {', '.join(added)}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-added-capabilities",
        description="Containers must not add Linux capabilities beyond NET_BIND_SERVICE.",
        severity=Severity.HIGH,
        remediation=(
            "Remove securityContext.capabilities.add (NET_BIND_SERVICE is the only one Pod Security "
            "restricted allows)."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "pod-security", "capabilities"),
    ),
    WORKLOAD_TYPES,
    check,
)
