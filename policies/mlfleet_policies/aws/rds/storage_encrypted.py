"""RDS instances and Aurora clusters encrypt storage (storageEncrypted; the API's default is false for
instances)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "storageEncrypted") is not True:
        yield "storageEncrypted is not true"


RULE = resource_rule(
    RuleMeta(
        id="aws-rds-storage-encrypted",
        description="RDS storage must be encrypted.",
        severity=Severity.HIGH,
        remediation=(
            "Set storageEncrypted=true (and kmsKeyId to a customer-managed key); an existing instance "
            "needs a snapshot restore."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "rds", "encryption-at-rest"),
    ),
    ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
    check,
)
