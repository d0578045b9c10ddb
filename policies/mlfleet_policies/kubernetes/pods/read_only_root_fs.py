"""Containers mount their root filesystem read-only (write to emptyDir volumes)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, container_setting, containers, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    for c in containers(spec):
        if container_setting({}, c, "readOnlyRootFilesystem") is not True:
            yield f"container {c.get('name')!r} has a writable root filesystem"


RULE = resource_rule(
    RuleMeta(
        id="k8s-read-only-root-fs",
        description="Containers must use a read-only root filesystem.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set securityContext.readOnlyRootFilesystem=true and mount an emptyDir at paths the app "
            "writes (e.g. /tmp)."
        ),
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "pod-security", "filesystem"),
    ),
    WORKLOAD_TYPES,
    check,
)
