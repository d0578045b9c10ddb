"""Pods or containers use the RuntimeDefault (or Localhost) seccomp profile."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, container_setting, containers, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        profile = container_setting(spec, c, "seccompProfile.type")
        if profile not in ("RuntimeDefault", "Localhost"):
            yield f"container {c.get('name')!r} has seccomp profile {profile or 'unset'!r}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-seccomp",
        description="Pods must use the RuntimeDefault seccomp profile (Pod Security restricted).",
        severity=Severity.HIGH,
        remediation="Set spec.securityContext.seccompProfile={'type': 'RuntimeDefault'} on the pod.",
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "pod-security", "seccomp"),
    ),
    WORKLOAD_TYPES,
    check,
)
