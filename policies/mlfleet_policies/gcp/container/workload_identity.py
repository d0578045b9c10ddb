"""GKE workload identity on (pods get IAM without node keys)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "workloadIdentityConfig.workloadPool"):
        yield "workloadIdentityConfig.workloadPool is not set"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-workload-identity",
        description="GKE clusters must enable workload identity.",
        severity=Severity.HIGH,
        remediation="Set workload_identity_config={'workload_pool': f'{project}.svc.id.goog'}.",
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "cluster", "credentials"),
    ),
    [
        "gcp:container/cluster:Cluster",
    ],
    check,
)
