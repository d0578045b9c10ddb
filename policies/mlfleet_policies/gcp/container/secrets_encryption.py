"""GKE application-layer secrets encryption with Cloud KMS (off by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "databaseEncryption.state") != "ENCRYPTED" or not get(
        r.props, "databaseEncryption.keyName"
    ):
        yield "databaseEncryption is not ENCRYPTED with a keyName"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-secrets-encryption",
        description="GKE clusters must encrypt secrets with a Cloud KMS key.",
        severity=Severity.HIGH,
        remediation="Set database_encryption={'state': 'ENCRYPTED', 'key_name': key.id}.",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("gcp", "gke", "cluster", "encryption"),
    ),
    [
        "gcp:container/cluster:Cluster",
    ],
    check,
)
