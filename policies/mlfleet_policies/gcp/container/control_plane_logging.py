"""GKE logging stays on (provider default logging.googleapis.com/kubernetes; 'none' turns it off)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "loggingService") == "none":
        yield "loggingService is 'none'"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-logging",
        description="GKE clusters must keep Cloud Logging on.",
        severity=Severity.MEDIUM,
        remediation=(
            "Remove logging_service='none' (default sends system and workload logs to Cloud Logging)."
        ),
        frameworks=("cis", "pci-dss", "hipaa"),
        topics=("gcp", "gke", "cluster", "logging"),
    ),
    [
        "gcp:container/cluster:Cluster",
    ],
    check,
)
