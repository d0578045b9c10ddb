"""Instances do not forward packets for other addresses (canIpForward) unless they are routers."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "canIpForward") is True:
        yield "canIpForward is true"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-no-ip-forwarding",
        description="Instances must not enable IP forwarding.",
        severity=Severity.MEDIUM,
        remediation="Remove canIpForward (default false); use Cloud NAT or a managed router.",
        frameworks=("cis",),
        topics=("gcp", "compute", "network"),
    ),
    ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate"],
    check,
)
