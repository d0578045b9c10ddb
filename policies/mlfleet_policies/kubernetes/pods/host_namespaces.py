"""Pods do not share the node's network, PID or IPC namespaces."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.kubernetes.workloads import WORKLOAD_TYPES, pod_spec
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    spec = pod_spec(r.type, r.props)
    shared = [k for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k) is True]
    if shared:
        yield f"pod sets {', '.join(shared)}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-host-namespaces",
        description="Pods must not use host network, PID or IPC namespaces.",
        severity=Severity.HIGH,
        remediation="Remove hostNetwork/hostPID/hostIPC; expose ports through a Service.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("kubernetes", "pod-security", "isolation"),
    ),
    WORKLOAD_TYPES,
    check,
)
