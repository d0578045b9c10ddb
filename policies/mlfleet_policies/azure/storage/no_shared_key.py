"""Storage accounts refuse shared-key (account key and SAS) authorization: Entra ID only
(allowSharedKeyAccess false; Azure's default is true)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "allowSharedKeyAccess") is not False:
        yield "allowSharedKeyAccess is not false (account keys and SAS tokens work)"


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-no-shared-key",
        description="Storage accounts should disable shared-key authorization.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set allowSharedKeyAccess=false (and defaultToOAuthAuthentication=true); grant Storage Blob "
            "Data roles."
        ),
        frameworks=("cis", "iso27001"),
        topics=("azure", "storage", "iam"),
    ),
    ["azure-native:storage:StorageAccount"],
    check,
)
