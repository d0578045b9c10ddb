"""GKE control plane private or limited to authorized networks (default: public to all)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "privateClusterConfig.enablePrivateEndpoint") is True:
        return
    cidrs = [get(b, "cidrBlock") for b in items(get(r.props, "masterAuthorizedNetworksConfig.cidrBlocks"))]
    if not cidrs or any_public(cidrs):
        yield "the control plane is reachable from any address (no private endpoint, no authorized networks)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-private-endpoint",
        description="GKE control planes must be private or restricted to authorized networks.",
        severity=Severity.HIGH,
        remediation=(
            "Set private_cluster_config.enable_private_endpoint=True or "
            "master_authorized_networks_config with your CIDRs."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "gke", "cluster", "network"),
    ),
    [
        "gcp:container/cluster:Cluster",
    ],
    check,
)
