"""A GKE control plane with a public endpoint admits only authorized networks, never 0.0.0.0/0."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import is_public
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "privateClusterConfig.enablePrivateEndpoint") is True:
        return
    blocks = [get(b, "cidrBlock") for b in items(get(r.props, "masterAuthorizedNetworksConfig.cidrBlocks"))]
    if not blocks:
        yield "public control plane endpoint with no masterAuthorizedNetworksConfig"
    elif any(is_public(b) for b in blocks):
        yield "masterAuthorizedNetworksConfig admits 0.0.0.0/0"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-master-authorized-networks",
        description="A public GKE endpoint must be restricted to authorized networks.",
        severity=Severity.HIGH,
        remediation=(
            "Set masterAuthorizedNetworksConfig.cidrBlocks to the admin and CI ranges, or "
            "enablePrivateEndpoint=true."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "gke", "network"),
    ),
    ["gcp:container/cluster:Cluster"],
    check,
)
