"""Pub/Sub topics encrypt messages with a customer-managed key."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "kmsKeyName"):
        yield "no kmsKeyName (Google-managed key)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-pubsub-topic-cmek",
        description="Pub/Sub topics should use a customer-managed encryption key.",
        severity=Severity.LOW,
        remediation="Set kmsKeyName to a Cloud KMS key the Pub/Sub service agent can use.",
        frameworks=("hipaa", "gdpr"),
        topics=("gcp", "pubsub", "encryption-at-rest"),
    ),
    ["gcp:pubsub/topic:Topic"],
    check,
)
