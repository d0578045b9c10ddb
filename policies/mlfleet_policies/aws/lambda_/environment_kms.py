"""Lambda functions with environment variables encrypt them with a customer-managed key (kmsKeyArn)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, mapping
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if mapping(get(r.props, "environment.variables")) and not get(r.props, "kmsKeyArn"):
        yield "environment variables are encrypted with the AWS-managed key (no kmsKeyArn)"


RULE = resource_rule(
    RuleMeta(
        id="aws-lambda-environment-kms",
        description="Lambda environment variables should use a customer-managed KMS key.",
        severity=Severity.LOW,
        remediation=(
            "Set kmsKeyArn to a customer-managed key; keep secrets in Secrets Manager, not environment "
            "variables."
        ),
        frameworks=("pci-dss", "hipaa"),
        topics=("aws", "lambda", "encryption-at-rest"),
    ),
    ["aws:lambda/function:Function"],
    check,
)
