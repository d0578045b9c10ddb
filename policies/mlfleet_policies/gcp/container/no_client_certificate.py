"""GKE clusters issue no client certificate (a long-lived credential that cannot be revoked)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if get(r.props, "masterAuth.clientCertificateConfig.issueClientCertificate") is True:
        yield "masterAuth.clientCertificateConfig.issueClientCertificate is true"


RULE = resource_rule(
    RuleMeta(
        id="gcp-gke-no-client-certificate",
        description="GKE clusters must not issue client certificates.",
        severity=Severity.HIGH,
        remediation=(
            "Remove masterAuth.clientCertificateConfig (default false); authenticate with IAM (gcloud / "
            "Workload Identity)."
        ),
        frameworks=("cis", "iso27001"),
        topics=("gcp", "gke", "authentication"),
    ),
    ["gcp:container/cluster:Cluster"],
    check,
)
