"""IAM Allow statements scope Resource unless every action only works on `*`."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.aws.iam.document_types import POLICY_DOCUMENT_TYPES
from mlfleet_policies.iam_documents import actions, allows, resources
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

# Actions that support no resource-level scoping: Resource "*" is the only option for them.
UNSCOPED_ACTIONS = frozenset(
    {
        "ecr:GetAuthorizationToken",
        "sts:GetCallerIdentity",
        "cloudwatch:PutMetricData",
        "logs:DescribeLogGroups",
        "ec2:Describe*",
        "kms:ListKeys",
        "kms:ListAliases",
        "s3:ListAllMyBuckets",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "eks:DescribeCluster",
        "autoscaling:Describe*",
    }
)


def check(r: Resource) -> Iterator[str]:
    for statement in allows(get(r.props, "policy")):
        scoped_actions = [
            a for a in actions(statement) if a not in UNSCOPED_ACTIONS and not a.startswith("ec2:Describe")
        ]
        if "*" in resources(statement) and scoped_actions:
            yield f"Resource '*' for action(s) that support scoping: {', '.join(scoped_actions[:5])}"


RULE = resource_rule(
    RuleMeta(
        id="aws-iam-no-wildcard-resources",
        description="IAM policies must scope Resource where the actions support it.",
        severity=Severity.MEDIUM,
        remediation="Replace Resource '*' with the ARNs of the buckets/keys/repositories the workload uses.",
        frameworks=("cis", "iso27001"),
        topics=("aws", "iam", "least-privilege"),
    ),
    POLICY_DOCUMENT_TYPES,
    check,
)
