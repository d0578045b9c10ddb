"""Instances and launch templates do not give instances a public IP address."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if r.type == "aws:ec2/instance:Instance":
        if get(r.props, "associatePublicIpAddress") is True:
            yield "associatePublicIpAddress is true"
        return
    for i, nic in enumerate(items(get(r.props, "networkInterfaces"))):
        if str(get(nic, "associatePublicIpAddress", "")).lower() == "true":
            yield f"networkInterfaces[{i}].associatePublicIpAddress is true"


RULE = resource_rule(
    RuleMeta(
        id="aws-ec2-no-public-ip",
        description="EC2 instances must not get public IP addresses.",
        severity=Severity.HIGH,
        remediation=(
            "Launch into private subnets with associatePublicIpAddress=false; reach instances through SSM"
            " Session Manager or a load balancer."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "ec2", "network"),
    ),
    ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"],
    check,
)
