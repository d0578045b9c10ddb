"""Node launch templates and instances require IMDSv2 session tokens (provider default: optional)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    tokens = get(r.props, "metadataOptions.httpTokens", "optional")
    if get(r.props, "metadataOptions.httpEndpoint", "enabled") != "disabled" and tokens != "required":
        yield f"metadataOptions.httpTokens is {tokens!r}; IMDSv1 lets pods steal the node role's credentials"


RULE = resource_rule(
    RuleMeta(
        id="aws-ec2-imdsv2",
        description="EC2 instances and launch templates must require IMDSv2.",
        severity=Severity.HIGH,
        remediation="Set metadataOptions={'httpTokens': 'required', 'httpPutResponseHopLimit': 1}.",
        frameworks=("cis", "iso27001"),
        topics=("aws", "ec2", "cluster", "credentials"),
    ),
    ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
    check,
)
