"""GKE node pools keep auto-repair and auto-upgrade on (the provider's defaults)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for setting in ("autoRepair", "autoUpgrade"):
        if get(r.props, f"management.{setting}") is False:
            yield f"management.{setting} is false"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-node-auto-repair-upgrade",
        description="GKE node pools must keep auto-repair and auto-upgrade.",
        severity=Severity.MEDIUM,
        remediation=(
            "Remove management.autoRepair=false / autoUpgrade=false (defaults true); pin versions with a "
            "release channel instead."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "patching"),
    ),
    ["gcp:container/nodePool:NodePool"],
    check,
)
