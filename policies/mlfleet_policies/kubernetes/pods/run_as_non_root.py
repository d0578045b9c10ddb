"""Containers run as non-root (runAsNonRoot true, or a non-zero runAsUser)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, container_setting, containers, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        non_root = container_setting(spec, c, "runAsNonRoot")
        user = container_setting(spec, c, "runAsUser")
        if non_root is not True and not (isinstance(user, int | float) and user > 0):
            yield f"container {c.get('name')!r} may run as root (set runAsNonRoot: true)"


RULE = resource_rule(
    RuleMeta(
        id="k8s-run-as-non-root",
        description="Containers must run as a non-root user (Pod Security restricted).",
        severity=Severity.HIGH,
        remediation=(
            "Set securityContext.runAsNonRoot=true (and runAsUser to a non-zero UID) on the pod or "
            "each container."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "pod-security", "non-root"),
    ),
    WORKLOAD_TYPES,
    check,
)
