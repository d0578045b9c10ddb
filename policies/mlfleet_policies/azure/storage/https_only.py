"""Storage accounts accept HTTPS only with TLS 1.2+ (enableHttpsTrafficOnly defaults true;
minimumTlsVersion must be set)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "enableHttpsTrafficOnly", True) is not True:
        yield "enableHttpsTrafficOnly is false"
    tls = get(r.props, "minimumTlsVersion", "unset")
    if tls not in ("TLS1_2", "TLS1_3"):
        yield f"minimumTlsVersion is {tls!r}, expected 'TLS1_2' or newer"


RULE = resource_rule(
    RuleMeta(
        id="azure-storage-tls-only",
        description="Storage accounts must accept only HTTPS with TLS 1.2 or newer.",
        severity=Severity.HIGH,
        remediation="Set enable_https_traffic_only=True and minimum_tls_version='TLS1_2'.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr"),
        topics=("azure", "storage", "tls"),
    ),
    [
        "azure-native:storage:StorageAccount",
    ],
    check,
)
