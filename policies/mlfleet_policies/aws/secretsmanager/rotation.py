"""Every Secrets Manager secret in the stack has a rotation (a SecretRotation that refers to it)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    rotations = index.of_type(ROTATION)
    for secret in index.of_type(SECRET):
        if not any(index.refers_to(rotation, "secretId", secret) for rotation in rotations):
            yield f"secret {secret.name} has no rotation (aws.secretsmanager.SecretRotation)", secret.urn


RULE = stack_rule(
    RuleMeta(
        id="aws-secretsmanager-rotation",
        description="Secrets Manager secrets must rotate.",
        severity=Severity.MEDIUM,
        remediation=(
            "Add an aws.secretsmanager.SecretRotation with a rotation Lambda (or a managed rotation) and "
            "rotationRules."
        ),
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "secretsmanager", "rotation"),
        assumes="outputs",
    ),
    check,
)
