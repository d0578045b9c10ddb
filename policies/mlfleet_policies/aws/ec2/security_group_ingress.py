"""No security group ingress from 0.0.0.0/0 or ::/0 except to port 443 (the public load balancer)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from mlfleet_policies.network import any_public, only_https, port_text
from mlfleet_policies.props import get, items, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def open_rule(rule: Mapping[str, Any], cidr_keys: tuple[str, ...]) -> bool:
    sources = [s for key in cidr_keys for s in strings(get(rule, key))]
    return any_public(sources) and not only_https(get(rule, "fromPort"), get(rule, "toPort"))


def ports(rule: Mapping[str, Any]) -> str:
    return f"{port_text(get(rule, 'fromPort'))}-{port_text(get(rule, 'toPort'))}"


def check(r: Resource) -> Iterator[str]:
    if r.type == "aws:ec2/securityGroup:SecurityGroup":
        for rule in items(get(r.props, "ingress")):
            if open_rule(rule, ("cidrBlocks", "ipv6CidrBlocks")):
                yield f"ingress ports {ports(rule)} open to the internet"
    elif r.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if get(r.props, "type") == "ingress" and open_rule(r.props, ("cidrBlocks", "ipv6CidrBlocks")):
            yield f"ingress ports {ports(r.props)} open to the internet"
    elif open_rule(r.props, ("cidrIpv4", "cidrIpv6")):
        yield f"ingress ports {ports(r.props)} open to the internet"


RULE = resource_rule(
    RuleMeta(
        id="aws-ec2-no-public-ingress",
        description="Security groups must not allow internet ingress except HTTPS (443).",
        severity=Severity.HIGH,
        remediation=(
            "Restrict cidrBlocks to your VPC/office ranges; expose services only through the HTTPS "
            "load balancer."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "ec2", "network"),
    ),
    [
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ],
    check,
)
