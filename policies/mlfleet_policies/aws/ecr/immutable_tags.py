"""ECR repositories use immutable tags (provider default MUTABLE)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    mutability = get(r.props, "imageTagMutability", "MUTABLE")
    if not str(mutability).startswith("IMMUTABLE"):
        yield f"imageTagMutability is {mutability!r} (default MUTABLE); a pushed tag could be replaced"


RULE = resource_rule(
    RuleMeta(
        id="aws-ecr-immutable-tags",
        description="ECR repositories must make image tags immutable.",
        severity=Severity.MEDIUM,
        remediation="Set imageTagMutability='IMMUTABLE' on the aws.ecr.Repository.",
        frameworks=("iso27001",),
        topics=("aws", "ecr", "registry", "supply-chain"),
    ),
    ["aws:ecr/repository:Repository"],
    check,
)
