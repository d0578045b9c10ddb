"""No user-managed service account keys: workloads use workload identity."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    yield f"creates a user-managed key for {r.props.get('serviceAccountId', '?')!r}"


RULE = resource_rule(
    RuleMeta(
        id="gcp-iam-no-service-account-keys",
        description="Service account keys must not be created.",
        severity=Severity.HIGH,
        remediation=(
            "Remove the gcp.serviceaccount.Key; use GKE workload identity or workload identity "
            "federation (GitHub OIDC)."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("gcp", "iam", "credentials"),
    ),
    [
        "gcp:serviceaccount/key:Key",
    ],
    check,
)
