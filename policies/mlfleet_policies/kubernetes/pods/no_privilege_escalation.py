"""Containers set allowPrivilegeEscalation false (the Kubernetes default is true)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, container_setting, containers, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        if container_setting({}, c, "allowPrivilegeEscalation") is not False:
            yield f"container {c.get('name')!r} does not set allowPrivilegeEscalation: false"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-privilege-escalation",
        description="Containers must not allow privilege escalation (Pod Security restricted).",
        severity=Severity.HIGH,
        remediation="Set securityContext.allowPrivilegeEscalation=false on every container.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "pod-security", "privilege"),
    ),
    WORKLOAD_TYPES,
    check,
)
