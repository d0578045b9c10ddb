"""ECR repository policies never grant access to everyone (Principal "*" without a condition)."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.iam_documents import allows, principals
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for statement in allows(get(r.props, "policy")):
        if "*" in principals(statement) and not statement.get("Condition"):
            yield f"statement {statement.get('Sid', '(no Sid)')!r} allows Principal '*' with no Condition"


RULE = resource_rule(
    RuleMeta(
        id="aws-ecr-private",
        description="ECR repositories must not be readable by everyone.",
        severity=Severity.HIGH,
        remediation="Name the account/role ARNs in Principal, or add a Condition (e.g. aws:PrincipalOrgID).",
        frameworks=("cis", "pci-dss", "iso27001"),
        topics=("aws", "ecr", "registry", "public-access"),
    ),
    ["aws:ecr/repositoryPolicy:RepositoryPolicy"],
    check,
)
