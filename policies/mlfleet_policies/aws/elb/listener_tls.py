"""Load balancer listeners speak TLS (HTTPS/TLS), or only redirect HTTP to HTTPS: ALB/NLB listeners and
Classic ELB listeners."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.network import port_text
from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

PLAIN = {"HTTP", "TCP"}


def redirects_to_https(listener: object) -> bool:
    actions = items(get(listener, "defaultActions"))
    return bool(actions) and all(
        get(a, "type") == "redirect" and str(get(a, "redirect.protocol", "")).upper() == "HTTPS"
        for a in actions
    )


def check(r: Resource) -> Iterator[str]:
    if r.type == "aws:elb/loadBalancer:LoadBalancer":
        for listener in items(get(r.props, "listeners")):
            protocol = get(listener, "lbProtocol", "")
            if str(protocol).upper() in PLAIN:
                yield f"listener on port {port_text(get(listener, 'lbPort'))} uses {protocol}"
        return
    protocol = str(get(r.props, "protocol", "HTTP")).upper()
    if protocol in PLAIN and not redirects_to_https(r.props):
        port = port_text(get(r.props, "port"))
        yield f"listener on port {port} uses {protocol} without redirecting to HTTPS"


RULE = resource_rule(
    RuleMeta(
        id="aws-lb-listener-tls",
        description="Load balancer listeners must use TLS or redirect to HTTPS.",
        severity=Severity.HIGH,
        remediation=(
            "Use protocol HTTPS (ALB) or TLS (NLB) with a certificateArn, or make the HTTP listener's "
            "default action a redirect to HTTPS."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "elb", "encryption-in-transit"),
    ),
    ["aws:lb/listener:Listener", "aws:alb/listener:Listener", "aws:elb/loadBalancer:LoadBalancer"],
    check,
)
