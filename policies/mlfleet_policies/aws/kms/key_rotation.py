"""Symmetric KMS keys rotate (enableKeyRotation; provider default false).

Asymmetric (e.g. ECC_NIST_P256 signing keys) and HMAC keys are exempt: "Automatic key rotation is
supported only on symmetric encryption KMS keys. You cannot enable automatic rotation of asymmetric
KMS keys, HMAC KMS keys, ..." (AWS KMS API Reference, EnableKeyRotation)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "customerMasterKeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return  # AWS rotates only symmetric encryption keys (see the module docstring)
    if get(r.props, "enableKeyRotation") is not True:
        yield "enableKeyRotation is not true (provider default: false)"


RULE = resource_rule(
    RuleMeta(
        id="aws-kms-key-rotation",
        description="Symmetric KMS keys must have automatic rotation enabled.",
        severity=Severity.HIGH,
        remediation="Set enableKeyRotation=True on the aws.kms.Key.",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("aws", "kms", "keys"),
    ),
    ["aws:kms/key:Key"],
    check,
)
