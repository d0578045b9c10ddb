"""No privileged containers."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, container_setting, containers, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        if container_setting({}, c, "privileged") is True:
            yield f"container {c.get('name')!r} is privileged"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-privileged",
        description="Containers must not be privileged (Pod Security baseline).",
        severity=Severity.CRITICAL,
        remediation="Remove securityContext.privileged; grant the single capability needed instead.",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("kubernetes", "pod-security", "privilege"),
    ),
    WORKLOAD_TYPES,
    check,
)
