"""Wherever serving runs (per Kubernetes provider, i.e. per cluster), a monitoring stack runs too."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.kubernetes.serving.selection import is_serving
from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
MONITORING_CRDS = (
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
)


def cluster_key(r: PolicyResource) -> str:
    return r.provider.urn if r.provider is not None else "(default provider)"


def is_monitoring(index: StackIndex, r: PolicyResource) -> bool:
    if r.resource_type in MONITORING_CRDS or index.has_ancestor_type(r, ":Monitoring"):
        return True
    chart = str(get(r.props, "chart", "")).lower()
    return r.resource_type in HELM and ("prometheus" in chart or "monitoring" in chart)


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    monitored = {cluster_key(r) for r in index.resources if is_monitoring(index, r)}
    reported: set[str] = set()
    for d in index.of_type("kubernetes:apps/v1:Deployment"):
        key = cluster_key(d)
        if is_serving(d.resource_type, d.props) and key not in monitored and key not in reported:
            reported.add(key)
            yield f"serving {d.name} runs on a cluster ({key}) with no monitoring stack", d.urn


RULE = stack_rule(
    RuleMeta(
        id="mlops-monitoring-with-serving",
        description="Every cluster that runs model serving must run the monitoring stack.",
        severity=Severity.HIGH,
        remediation=(
            "Deploy the monitoring block (kube-prometheus-stack + mlfleet alert rules) on the same "
            "cluster/provider as serving."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "monitoring", "serving"),
        assumes="outputs",
    ),
    check,
)
