"""Instances do not opt out of OS Login (metadata enable-oslogin false): SSH access stays under IAM."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.gcp.compute.metadata import metadata_flag
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if metadata_flag(r.props, "enable-oslogin") is False:
        yield "metadata enable-oslogin is false (SSH keys instead of IAM)"


RULE = resource_rule(
    RuleMeta(
        id="gcp-compute-os-login",
        description="Instances must not disable OS Login.",
        severity=Severity.MEDIUM,
        remediation="Remove metadata enable-oslogin=false; set enable-oslogin=TRUE at project level.",
        frameworks=("cis", "iso27001"),
        topics=("gcp", "compute", "access"),
    ),
    ["gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate"],
    check,
)
