"""GKE network policy enforcement (Calico or Dataplane V2)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "datapathProvider") == "ADVANCED_DATAPATH":
        return
    if get(r.props, "networkPolicy.enabled") is not True:
        yield "neither networkPolicy.enabled nor datapathProvider ADVANCED_DATAPATH"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-network-policy",
        description="GKE clusters must enforce Kubernetes network policies.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set datapath_provider='ADVANCED_DATAPATH' (Dataplane V2) or network_policy={'enabled': True}."
        ),
        frameworks=("cis", "pci-dss"),
        topics=("gcp", "gke", "cluster", "network"),
    ),
    [
        "gcp:container/cluster:Cluster",
    ],
    check,
)
