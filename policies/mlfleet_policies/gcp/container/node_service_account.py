"""GKE node pools run as a dedicated service account, not the Compute Engine default one (Editor on the
project)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    account = str(get(r.props, "nodeConfig.serviceAccount", "default"))
    if account == "default" or account.endswith("-compute@developer.gserviceaccount.com"):
        yield f"nodes run as the Compute Engine default service account ({account})"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-node-service-account",
        description="GKE nodes must run as a dedicated, minimal service account.",
        severity=Severity.HIGH,
        remediation=(
            "Create a service account with logging/monitoring writer and artifact reader roles and set "
            "nodeConfig.serviceAccount."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "least-privilege"),
    ),
    ["gcp:container/nodePool:NodePool"],
    check,
)
