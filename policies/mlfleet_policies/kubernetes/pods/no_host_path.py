"""Pods do not mount hostPath volumes."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, pod_spec
from mlfleet_policies.props import items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for volume in items(pod_spec(r.type, r.props).get("volumes")):
        if volume.get("hostPath"):
            yield f"volume {volume.get('name')!r} mounts hostPath {volume['hostPath'].get('path')!r}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-host-path",
        description="Pods must not mount hostPath volumes.",
        severity=Severity.HIGH,
        remediation="Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a CSI volume instead.",
        frameworks=("cis", "iso27001"),
        topics=("kubernetes", "pod-security", "isolation"),
    ),
    WORKLOAD_TYPES,
    check,
)
