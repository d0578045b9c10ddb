"""What the CI deployer may do on AWS: manage this stack's resources, found by their name prefix.

Explicit actions only (no `*`, no `service:*`). `Resource: "*"` appears only for actions AWS does not
scope to a resource (creating a KMS key, reading an ECR login token, listing).
"""

from __future__ import annotations

from components.aws.policy_documents import Statement

UNSCOPABLE_ACTIONS: tuple[str, ...] = (
    "kms:CreateKey",
    "kms:ListAliases",
    "ecr:GetAuthorizationToken",
    "iam:ListOpenIDConnectProviders",
    "sts:GetCallerIdentity",
)


def statements(prefix: str) -> list[Statement]:
    """Deployer statements for the resources named `<prefix>-*` (prefix = `<project>-<stack>`)."""
    return [
        {
            "Sid": "Buckets",
            "Effect": "Allow",
            "Action": [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:GetBucket*",
                "s3:PutBucket*",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:GetReplicationConfiguration",
                "s3:PutReplicationConfiguration",
                "s3:GetAccelerateConfiguration",
                "s3:GetAnalyticsConfiguration",
            ],
            "Resource": [f"arn:aws:s3:::{prefix}-*"],
        },
        {
            "Sid": "Repositories",
            "Effect": "Allow",
            "Action": [
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeRepositories",
                "ecr:PutLifecyclePolicy",
                "ecr:GetLifecyclePolicy",
                "ecr:DeleteLifecyclePolicy",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:ListTagsForResource",
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
            ],
            "Resource": [f"arn:aws:ecr:*:*:repository/{prefix}-*"],
        },
        {
            "Sid": "Roles",
            "Effect": "Allow",
            "Action": [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:PassRole",
            ],
            "Resource": [f"arn:aws:iam::*:role/{prefix}-*"],
        },
        {
            "Sid": "GithubOidcProvider",
            "Effect": "Allow",
            "Action": [
                "iam:CreateOpenIDConnectProvider",
                "iam:GetOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
            ],
            "Resource": ["arn:aws:iam::*:oidc-provider/token.actions.githubusercontent.com"],
        },
        {
            "Sid": "KeyAliases",
            "Effect": "Allow",
            "Action": ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
            "Resource": [f"arn:aws:kms:*:*:alias/{prefix}-*"],
        },
        {
            "Sid": "StackKeys",
            "Effect": "Allow",
            "Action": [
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:EnableKeyRotation",
                "kms:ListResourceTags",
                "kms:TagResource",
                "kms:ScheduleKeyDeletion",
                "kms:CreateAlias",
                "kms:DeleteAlias",
                "kms:Decrypt",
                "kms:GenerateDataKey",
            ],
            "Resource": ["arn:aws:kms:*:*:key/*"],
            # Keys have random ids: scope by the tag every mlfleet key carries.
            "Condition": {"StringEquals": {"aws:ResourceTag/managed-by": "mlfleet"}},
        },
        {"Sid": "Unscopable", "Effect": "Allow", "Action": list(UNSCOPABLE_ACTIONS), "Resource": "*"},
    ]
