"""GKE clusters keep Shielded GKE Nodes (enableShieldedNodes; the provider's default is true)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "enableShieldedNodes") is False:
        yield "enableShieldedNodes is false"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-shielded-nodes",
        description="GKE clusters must use Shielded GKE Nodes.",
        severity=Severity.MEDIUM,
        remediation="Remove enableShieldedNodes=false (default true).",
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "node-integrity"),
    ),
    ["gcp:container/cluster:Cluster"],
    check,
)
