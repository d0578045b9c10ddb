"""EKS envelope-encrypts Kubernetes secrets with a KMS key (off unless encryptionConfig is set)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, strings
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    config = get(r.props, "encryptionConfig", {})
    if "secrets" not in strings(get(config, "resources")) or not get(config, "provider.keyArn"):
        yield "encryptionConfig does not cover 'secrets' with a KMS provider.keyArn"


RULE = resource_rule(
    RuleMeta(
        id="aws-eks-secrets-encryption",
        description="EKS clusters must encrypt Kubernetes secrets with a KMS key.",
        severity=Severity.HIGH,
        remediation="Set encryptionConfig={'resources': ['secrets'], 'provider': {'keyArn': key.arn}}.",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("aws", "eks", "cluster", "encryption"),
    ),
    ["aws:eks/cluster:Cluster"],
    check,
)
