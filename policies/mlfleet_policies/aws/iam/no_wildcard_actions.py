"""IAM permission policies never allow `*` or `<service>:*` actions."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.aws.iam.document_types import POLICY_DOCUMENT_TYPES
from mlfleet_policies.iam_documents import actions, allows
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    for statement in allows(get(r.props, "policy")):
        wild = [a for a in actions(statement) if a == "*" or a.endswith(":*")]
        if wild:
            yield f"Allow statement grants wildcard action(s) {', '.join(wild)}"


RULE = resource_rule(
    RuleMeta(
        id="aws-iam-no-wildcard-actions",
        description="IAM policies must not allow wildcard actions.",
        severity=Severity.HIGH,
        remediation="List the exact actions the workload needs (e.g. s3:GetObject, s3:PutObject).",
        frameworks=("cis", "pci-dss", "hipaa", "iso27001"),
        topics=("aws", "iam", "least-privilege"),
    ),
    POLICY_DOCUMENT_TYPES,
    check,
)
