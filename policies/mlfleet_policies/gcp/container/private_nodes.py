"""GKE nodes have no public IP addresses (privateClusterConfig.enablePrivateNodes)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "privateClusterConfig.enablePrivateNodes") is not True:
        yield "nodes get public IPs (privateClusterConfig.enablePrivateNodes is not true)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-private-nodes",
        description="GKE nodes must not have public IP addresses.",
        severity=Severity.HIGH,
        remediation="Set privateClusterConfig.enablePrivateNodes=true (with Cloud NAT for egress).",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "gke", "network"),
    ),
    ["gcp:container/cluster:Cluster"],
    check,
)
