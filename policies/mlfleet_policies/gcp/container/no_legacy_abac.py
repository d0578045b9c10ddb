"""GKE clusters do not enable legacy ABAC (it grants broad static permissions beside RBAC)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "enableLegacyAbac") is True:
        yield "enableLegacyAbac is true"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-no-legacy-abac",
        description="GKE clusters must not enable legacy ABAC.",
        severity=Severity.HIGH,
        remediation="Remove enableLegacyAbac (default false) and grant access with Kubernetes RBAC and IAM.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "gke", "rbac"),
    ),
    ["gcp:container/cluster:Cluster"],
    check,
)
