"""GKE clusters enforce Binary Authorization (only attested images run)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    mode = get(r.props, "binaryAuthorization.evaluationMode", "DISABLED")
    if mode == "DISABLED":
        yield "binaryAuthorization.evaluationMode is DISABLED"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-binary-authorization",
        description="GKE clusters should enforce Binary Authorization.",
        severity=Severity.MEDIUM,
        remediation=(
            "Set binaryAuthorization.evaluationMode=PROJECT_SINGLETON_POLICY_ENFORCE and a project policy."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "supply-chain"),
    ),
    ["gcp:container/cluster:Cluster"],
    check,
)
