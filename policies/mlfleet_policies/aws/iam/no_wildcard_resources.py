"""IAM Allow statements scope Resource unless every action only works on `*`.

`Resource: "*"` is allowed only for the actions below, which the AWS Service Authorization Reference
lists with no resource type (the "Resource types" column is empty): IAM cannot scope them to an ARN,
so `*` is the least privilege there is. Every other action, including wildcard actions such as
`kms:Create*` (which also grants the scopable `kms:CreateAlias`/`kms:CreateGrant`), must name its
resources. IAM action names are case-insensitive, and so is this check.
"""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.aws.iam.document_types import POLICY_DOCUMENT_TYPES
from mlfleet_policies.iam_documents import actions, allows, resources
from mlfleet_policies.props import get
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

# Actions that support no resource-level permissions (lower case; IAM compares case-insensitively).
UNSCOPED_ACTIONS = frozenset(
    a.lower()
    for a in (
        # Identity and login tokens
        "sts:GetCallerIdentity",
        "sts:GetServiceBearerToken",
        "ecr:GetAuthorizationToken",
        "ecr-public:GetAuthorizationToken",
        # KMS: a key has no ARN before it exists; account-wide listings
        "kms:CreateKey",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:GenerateRandom",
        "kms:CreateCustomKeyStore",
        "kms:DescribeCustomKeyStores",
        # IAM account-wide listings
        "iam:ListOpenIDConnectProviders",
        "iam:ListSAMLProviders",
        "iam:ListRoles",
        "iam:ListPolicies",
        "iam:ListAccountAliases",
        "iam:GetAccountSummary",
        "iam:GetAccountAuthorizationDetails",
        # Listings and telemetry without a resource
        "s3:ListAllMyBuckets",
        "eks:ListClusters",
        "tag:GetResources",
        "cloudwatch:PutMetricData",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "logs:DescribeLogGroups",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        # The Price List API (Karpenter reads on-demand prices)
        "pricing:GetProducts",
    )
)
# Whole action families without resource-level permissions: `ec2:Describe*`, `ec2:DescribeInstances`.
UNSCOPED_FAMILIES: tuple[str, ...] = ("ec2:describe", "autoscaling:describe")


def is_unscoped(action: str) -> bool:
    """True when AWS offers nothing but `Resource: "*"` for `action` (or every action it matches)."""
    lowered = action.lower()
    return lowered in UNSCOPED_ACTIONS or lowered.startswith(UNSCOPED_FAMILIES)


def check(r: Resource) -> Iterator[str]:
    for statement in allows(get(r.props, "policy")):
        if "*" not in resources(statement):
            continue
        scoped_actions = [a for a in actions(statement) if not is_unscoped(a)]
        if scoped_actions:
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
