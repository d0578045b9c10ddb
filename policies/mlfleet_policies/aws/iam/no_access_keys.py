"""No long-lived IAM user access keys: workloads use roles (IRSA / pod identity / OIDC)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    yield f"creates a static IAM access key for user {r.props.get('user', '?')!r}"


RULE = resource_rule(
    RuleMeta(
        id="aws-iam-no-access-keys",
        description="Static IAM access keys must not be created.",
        severity=Severity.HIGH,
        remediation=(
            "Remove the aws.iam.AccessKey; give the workload an IAM role (EKS pod identity/IRSA, "
            "GitHub OIDC)."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "iam", "credentials"),
    ),
    ["aws:iam/accessKey:AccessKey"],
    check,
)
