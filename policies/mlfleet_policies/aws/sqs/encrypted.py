"""SQS queues encrypt messages at rest (SSE-SQS or a KMS key)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "sqsManagedSseEnabled") is False and not get(r.props, "kmsMasterKeyId"):
        yield "sqsManagedSseEnabled is false and no kmsMasterKeyId"


RULE = resource_rule(
    RuleMeta(
        id="aws-sqs-encrypted",
        description="SQS queues must be encrypted at rest.",
        severity=Severity.MEDIUM,
        remediation="Remove sqsManagedSseEnabled=false (SSE-SQS is the default) or set kmsMasterKeyId.",
        frameworks=("pci-dss", "hipaa", "gdpr"),
        topics=("aws", "sqs", "encryption-at-rest"),
    ),
    ["aws:sqs/queue:Queue"],
    check,
)
