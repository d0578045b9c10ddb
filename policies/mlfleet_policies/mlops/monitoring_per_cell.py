"""Every cell (every cloud cluster the stack deploys workloads onto) runs a monitoring stack: a cell
without one serves, trains and fails over unobserved, and its alerts (drift, errors, idle GPUs) never
fire. Monitoring belongs to a cell by the provider it is deployed with, never by its name."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.mlops.cells import cell_cluster, clusters
from mlfleet_policies.mlops.monitoring_with_serving import HELM
from mlfleet_policies.props import get
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex


def is_monitoring_stack(index: StackIndex, r: PolicyResource) -> bool:
    """Prometheus itself (the monitoring block, or a Prometheus chart), not a ServiceMonitor or rule
    that only asks a Prometheus elsewhere to scrape."""
    if index.has_ancestor_type(r, ":MonitoringStack") or index.has_ancestor_type(r, ":Monitoring"):
        return True
    chart = str(get(r.props, "chart", "")).lower()
    return r.resource_type in HELM and ("prometheus" in chart or "monitoring" in chart)


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    # A cluster is one of this stack's cells when the stack deploys workloads onto it; a bare cluster
    # (another stack deploys into it) gets its monitoring from there.
    deployed_onto: dict[str, bool] = {}
    for r in index.resources:
        if r.resource_type.startswith("kubernetes:") and (cluster := cell_cluster(index, r)) is not None:
            deployed_onto[cluster.urn] = deployed_onto.get(cluster.urn, False) or is_monitoring_stack(
                index, r
            )
    for cluster in clusters(index):
        if deployed_onto.get(cluster.urn) is False:
            yield (
                f"cluster {cluster.name} runs no monitoring stack (Prometheus on its own provider)",
                cluster.urn,
            )


RULE = stack_rule(
    RuleMeta(
        id="mlops-monitoring-per-cell",
        description="Every cell's cluster must run the monitoring stack.",
        severity=Severity.HIGH,
        remediation=(
            "Deploy the monitoring block (kube-prometheus-stack + mlfleet alert rules) with each cluster's "
            "own Kubernetes provider; the topology does it for every cell of mlfleet:cells."
        ),
        frameworks=("iso27001",),
        topics=("mlops", "monitoring", "topology"),
        assumes="outputs",
    ),
    check,
)
