"""Instances run as Shielded VMs with secure boot, vTPM and integrity monitoring."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

SETTINGS = {"enableSecureBoot": False, "enableVtpm": True, "enableIntegrityMonitoring": True}  # API defaults


def check(r: Resource) -> Iterator[str]:
    off = [
        k
        for k, default in SETTINGS.items()
        if get(r.props, f"shieldedInstanceConfig.{k}", default) is not True
    ]
    if off:
        yield f"shieldedInstanceConfig: {', '.join(off)} off"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-shielded-vm",
        description="Instances must enable Shielded VM secure boot, vTPM and integrity monitoring.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set shieldedInstanceConfig {enableSecureBoot, enableVtpm, enableIntegrityMonitoring} = true "
            "on a Shielded VM image."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "compute", "node-integrity"),
    ),
    ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate"],
    check,
)
