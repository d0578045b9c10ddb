"""Cloud SQL instances accept only encrypted connections (settings.ipConfiguration.sslMode)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

ENCRYPTED = {"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"}


def check(r: Resource) -> Iterator[str]:
    mode = get(r.props, "settings.ipConfiguration.sslMode")
    if mode not in ENCRYPTED:
        yield f"settings.ipConfiguration.sslMode is {mode or 'unset (unencrypted connections allowed)'}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-sql-ssl-required",
        description="Cloud SQL must require SSL/TLS connections.",
        severity=Severity.HIGH,
        remediation=(
            "Set settings.ipConfiguration.sslMode=ENCRYPTED_ONLY (or TRUSTED_CLIENT_CERTIFICATE_REQUIRED)."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr"),
        topics=("gcp", "sql", "encryption-in-transit"),
    ),
    ["gcp:sql/databaseInstance:DatabaseInstance"],
    check,
)
