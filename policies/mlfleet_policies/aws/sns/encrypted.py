"""SNS topics encrypt messages at rest (kmsMasterKeyId)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "kmsMasterKeyId"):
        yield "no kmsMasterKeyId: messages are stored unencrypted"


RULE = resource_rule(
    RuleMeta(
        id="aws-sns-encrypted",
        description="SNS topics must be encrypted at rest.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set kmsMasterKeyId (alias/aws/sns, or a customer-managed key for cross-account publishers)."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr"),
        topics=("aws", "sns", "encryption-at-rest"),
    ),
    ["aws:sns/topic:Topic"],
    check,
)
