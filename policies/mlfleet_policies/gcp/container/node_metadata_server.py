"""GKE node pools expose the GKE metadata server to pods (workloadMetadataConfig.mode GKE_METADATA), not
the node's credentials."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    mode = get(r.props, "nodeConfig.workloadMetadataConfig.mode")
    if mode != "GKE_METADATA":
        yield f"workloadMetadataConfig.mode is {mode or 'unset'}: pods can read the node's credentials"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-node-metadata-server",
        description="GKE node pools must run the GKE metadata server (Workload Identity).",
        severity=Severity.HIGH,
        remediation=(
            "Set nodeConfig.workloadMetadataConfig.mode=GKE_METADATA (with workloadIdentityConfig on the "
            "cluster)."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "identity"),
    ),
    ["gcp:container/nodePool:NodePool"],
    check,
)
