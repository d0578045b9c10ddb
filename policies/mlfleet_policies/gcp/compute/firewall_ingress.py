"""No VPC firewall rule admits the internet except to TCP 443."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import any_public
from mlfleet_policies.props import get, items, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "direction", "INGRESS") != "INGRESS" or not any_public(
        strings(get(r.props, "sourceRanges"))
    ):
        return
    for allow in items(get(r.props, "allows")):
        ports = strings(get(allow, "ports"))
        if ports != ["443"]:
            yield f"allows {get(allow, 'protocol')} ports {ports or 'all'} from 0.0.0.0/0"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-no-public-ingress",
        description="VPC firewalls must not allow internet ingress except HTTPS (443).",
        severity=Severity.HIGH,
        remediation=(
            "Narrow sourceRanges (e.g. the Google load balancer ranges 130.211.0.0/22, "
            "35.191.0.0/16) or allow only tcp:443."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "compute", "network"),
    ),
    [
        "gcp:compute/firewall:Firewall",
    ],
    check,
)
