"""Instances do not enable the interactive serial console (metadata serial-port-enable)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.gcp.compute.metadata import metadata_flag
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if metadata_flag(r.props, "serial-port-enable") is True:
        yield "metadata serial-port-enable is true"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-no-serial-port",
        description="Instances must not enable serial port access.",
        severity=Severity.HIGH,
        remediation="Remove metadata serial-port-enable (or set it to false).",
        frameworks=("cis", "iso27001"),
        topics=("gcp", "compute", "access"),
    ),
    ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate"],
    check,
)
