"""BigQuery datasets encrypt new tables with a customer-managed key by default."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if not get(r.props, "defaultEncryptionConfiguration.kmsKeyName"):
        yield "no defaultEncryptionConfiguration.kmsKeyName (Google-managed key)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-bigquery-dataset-cmek",
        description="BigQuery datasets should use a customer-managed encryption key.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set defaultEncryptionConfiguration.kmsKeyName to a Cloud KMS key the BigQuery service agent "
            "can use."
        ),
        frameworks=("pci-dss", "hipaa", "gdpr"),
        topics=("gcp", "bigquery", "encryption-at-rest"),
    ),
    ["gcp:bigquery/dataset:Dataset"],
    check,
)
