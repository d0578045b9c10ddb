"""Services set no spec.externalIPs (CVE-2020-8554: any Service can intercept traffic to those addresses)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    addresses = strings(get(r.props, "spec.externalIPs"))
    if addresses:
        yield f"Service {get(r.props, 'metadata.name', r.name)!r} claims externalIPs {', '.join(addresses)}"


RULE = resource_rule(
    RuleMeta(
        id="k8s-no-external-ips",
        description="Services must not set externalIPs.",
        severity=Severity.MEDIUM,
        remediation="Remove spec.externalIPs; expose the Service with a LoadBalancer or an Ingress.",
        frameworks=("cis",),
        topics=("kubernetes", "network"),
    ),
    ["kubernetes:core/v1:Service"],
    check,
)
