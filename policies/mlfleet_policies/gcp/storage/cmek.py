"""GCS buckets encrypt with a customer-managed Cloud KMS key (default: Google-managed)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "encryption.defaultKmsKeyName"):
        yield "encryption.defaultKmsKeyName is not set (Google-managed key)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-storage-cmek",
        description="GCS buckets must use a customer-managed encryption key.",
        severity=Severity.HIGH,
        remediation=(
            "Set encryption={'default_kms_key_name': key.id} and grant the GCS service agent "
            "encrypter/decrypter on the key."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("gcp", "storage", "encryption"),
    ),
    [
        "gcp:storage/bucket:Bucket",
    ],
    check,
)
