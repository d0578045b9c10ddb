"""No anonymous blob access: account switch off (API default false) and containers 'None'."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if r.type == "azure-native:storage:StorageAccount":
        if get(r.props, "allowBlobPublicAccess") is True:
            yield "allowBlobPublicAccess is true"
    elif get(r.props, "publicAccess", "None") != "None":
        yield f"container publicAccess is {get(r.props, 'publicAccess')!r}, expected 'None'"


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-no-public-access",
        description="Azure storage must not allow anonymous blob access.",
        severity=Severity.CRITICAL,
        remediation=(
            "Set allow_blob_public_access=False on the account and public_access='None' on containers."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("azure", "storage", "public-access"),
    ),
    [
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
    ],
    check,
)
