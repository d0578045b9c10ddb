"""Blob versioning on the account's blob service (off by default)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "isVersioningEnabled") is not True:
        yield "isVersioningEnabled is not true (default: false)"


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-blob-versioning",
        description="Blob services must enable versioning.",
        severity=Severity.MEDIUM,
        remediation=(
            "Create azure-native storage.BlobServiceProperties with is_versioning_enabled=True (and "
            "delete retention)."
        ),
        frameworks=("iso27001",),
        topics=("azure", "storage", "resilience"),
    ),
    [
        "azure-native:storage:BlobServiceProperties",
    ],
    check,
)
