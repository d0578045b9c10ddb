"""EKS API endpoint private, or public only for listed CIDRs (provider defaults: public, 0.0.0.0/0)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "vpcConfig.endpointPublicAccess", True) is False:
        return
    cidrs = strings(get(r.props, "vpcConfig.publicAccessCidrs")) or ["0.0.0.0/0"]
    if any_public(cidrs):
        yield "the API endpoint is public to 0.0.0.0/0 (vpcConfig.publicAccessCidrs missing or open)"


RULE = resource_rule(
    RuleMeta(
        id="aws-eks-private-endpoint",
        description="EKS API endpoints must be private or restricted to known CIDRs.",
        severity=Severity.HIGH,
        remediation=(
            "Set vpcConfig.endpointPublicAccess=False (and endpointPrivateAccess=True), or list "
            "office/CI CIDRs in publicAccessCidrs."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "eks", "cluster", "network"),
    ),
    ["aws:eks/cluster:Cluster"],
    check,
)
