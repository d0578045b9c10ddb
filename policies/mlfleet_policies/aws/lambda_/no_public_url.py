"""Lambda function URLs require IAM authentication (authorizationType AWS_IAM, not NONE)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "authorizationType") == "NONE":
        yield "function URL with authorizationType NONE: anyone can invoke it"


RULE = resource_rule(
    RuleMeta(
        id="aws-lambda-no-public-url",
        description="Lambda function URLs must require IAM authentication.",
        severity=Severity.HIGH,
        remediation=(
            "Set authorizationType=AWS_IAM (front it with API Gateway or CloudFront + OAC for public "
            "traffic)."
        ),
        frameworks=("pci-dss", "iso27001"),
        topics=("aws", "lambda", "public-access"),
    ),
    ["aws:lambda/functionUrl:FunctionUrl"],
    check,
)
