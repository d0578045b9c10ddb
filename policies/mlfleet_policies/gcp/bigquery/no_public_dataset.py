"""BigQuery datasets' access entries do not name allUsers or allAuthenticatedUsers."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

PUBLIC = {"allUsers", "allAuthenticatedUsers"}


def check(r: Resource) -> Iterator[str]:
    entries = items(get(r.props, "accesses")) if r.type.endswith(":Dataset") else [r.props]
    for entry in entries:
        who = get(entry, "specialGroup") or get(entry, "iamMember")
        if who in PUBLIC:
            yield f"dataset access grants {get(entry, 'role')} to {who}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-bigquery-no-public-dataset",
        description="BigQuery datasets must not be shared with allUsers or allAuthenticatedUsers.",
        severity=Severity.CRITICAL,
        remediation=(
            "Remove the allUsers/allAuthenticatedUsers access entry; share with named groups or "
            "authorized views."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("gcp", "bigquery", "public-access"),
    ),
    ["gcp:bigquery/dataset:Dataset", "gcp:bigquery/datasetAccess:DatasetAccess"],
    check,
)
