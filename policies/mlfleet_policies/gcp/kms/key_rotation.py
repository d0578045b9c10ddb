"""Cloud KMS symmetric keys rotate at least every 90 days (no rotation by default).

Asymmetric keys (ASYMMETRIC_SIGN / ASYMMETRIC_DECRYPT) are exempt: Cloud KMS "does not support
automatic rotation of asymmetric keys" (docs.cloud.google.com/kms/docs/key-rotation), so no
rotationPeriod can be set on them."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

MAX_SECONDS = 90 * 24 * 3600


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "purpose", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        return
    period = str(get(r.props, "rotationPeriod", ""))
    seconds = float(period.rstrip("s")) if period.rstrip("s").replace(".", "", 1).isdigit() else None
    if seconds is None or seconds > MAX_SECONDS:
        yield f"rotationPeriod is {period or 'unset'!r}; at most {MAX_SECONDS}s (90 days) is required"


RULE = resource_rule(
    RuleMeta(
        id="gcp-kms-key-rotation",
        description="Cloud KMS symmetric encryption keys must rotate at least every 90 days.",
        severity=Severity.HIGH,
        remediation="Set rotation_period='7776000s' (or shorter) on the gcp.kms.CryptoKey.",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "kms", "keys"),
    ),
    [
        "gcp:kms/cryptoKey:CryptoKey",
    ],
    check,
)
