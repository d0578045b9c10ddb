"""EFS file systems are encrypted at rest."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "encrypted") is not True:
        yield "encrypted is not true"


RULE = resource_rule(
    RuleMeta(
        id="aws-efs-encrypted",
        description="EFS file systems must be encrypted at rest.",
        severity=Severity.HIGH,
        remediation="Set encrypted=true (and kmsKeyId); an existing file system must be recreated.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "efs", "encryption-at-rest"),
    ),
    ["aws:efs/fileSystem:FileSystem"],
    check,
)
