"""Azure SQL servers refuse TLS below 1.2 (minimalTlsVersion)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    version = str(get(r.props, "minimalTlsVersion", "unset"))
    if version not in ("1.2", "1.3"):
        yield f"minimalTlsVersion is {version!r}, expected '1.2' or newer"


RULE = resource_rule(
    RuleMeta(
        id="azure-sql-min-tls",
        description="Azure SQL servers must require TLS 1.2 or newer.",
        severity=Severity.HIGH,
        remediation="Set minimalTlsVersion='1.2'.",
        frameworks=("cis", "pci-dss", "hipaa", "gdpr"),
        topics=("azure", "sql", "encryption-in-transit"),
    ),
    ["azure-native:sql:Server"],
    check,
)
