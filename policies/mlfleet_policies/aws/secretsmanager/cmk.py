"""Secrets Manager secrets are encrypted with a customer-managed KMS key (kmsKeyId)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "kmsKeyId"):
        yield "encrypted with the AWS-managed key aws/secretsmanager (no kmsKeyId)"


RULE = resource_rule(
    RuleMeta(
        id="aws-secretsmanager-cmk",
        description="Secrets Manager secrets should use a customer-managed KMS key.",
        severity=Severity.LOW,
        remediation="Set kmsKeyId to a customer-managed key whose policy names the readers.",
        frameworks=("pci-dss", "hipaa"),
        topics=("aws", "secretsmanager", "encryption-at-rest"),
    ),
    ["aws:secretsmanager/secret:Secret"],
    check,
)
