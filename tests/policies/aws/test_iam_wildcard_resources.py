"""aws-iam-no-wildcard-resources beyond its battery: `*` only for actions AWS cannot scope.

The rule's allowlist holds actions the AWS Service Authorization Reference lists with no resource
type (kms:CreateKey, iam:ListOpenIDConnectProviders, ...). Everything else, including wildcard
actions that also grant scopable actions, is still flagged. Run through the real pack process.
"""

from __future__ import annotations

import json

import pytest

from tests.policies.battery import violations
from tests.policies.harness import TAGS, Case, res

RULE = "aws-iam-no-wildcard-resources"
CASE = Case(RULE, [], [], "")


def policy(*statements: dict) -> dict:
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return res("aws:iam/rolePolicy:RolePolicy", {"role": "r", "policy": document, "tags": TAGS})


def allow(actions: str | list[str], resource: str | list[str] = "*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


@pytest.mark.parametrize(
    "actions",
    [
        "kms:CreateKey",
        "iam:ListOpenIDConnectProviders",
        "sts:GetCallerIdentity",
        "ecr:GetAuthorizationToken",
        "kms:ListAliases",
        "s3:ListAllMyBuckets",
        "ec2:DescribeInstances",
        "ec2:Describe*",
        "autoscaling:DescribeAutoScalingGroups",
        # IAM compares action names case-insensitively.
        "KMS:createkey",
        ["kms:CreateKey", "kms:ListAliases", "ecr:GetAuthorizationToken", "iam:ListOpenIDConnectProviders"],
    ],
    ids=str,
)
def test_unscopable_actions_may_use_star(pack, actions) -> None:
    assert violations(pack, CASE, [policy(allow(actions))], {}) == []


@pytest.mark.parametrize(
    ("actions", "flagged"),
    [
        ("s3:GetObject", "s3:GetObject"),
        # Scopable actions from the same services as allowlisted ones.
        ("kms:Decrypt", "kms:Decrypt"),
        ("kms:CreateAlias", "kms:CreateAlias"),
        ("iam:CreateOpenIDConnectProvider", "iam:CreateOpenIDConnectProvider"),
        ("iam:PassRole", "iam:PassRole"),
        ("eks:DescribeCluster", "eks:DescribeCluster"),
        ("ecr:BatchGetImage", "ecr:BatchGetImage"),
        # Wildcard actions grant scopable actions too.
        ("kms:Create*", "kms:Create*"),
        ("iam:List*", "iam:List*"),
        ("ec2:*", "ec2:*"),
        ("*", "*"),
        # One scopable action in an otherwise unscopable statement is enough.
        (
            ["kms:CreateKey", "iam:ListOpenIDConnectProviders", "kms:ScheduleKeyDeletion"],
            "kms:ScheduleKeyDeletion",
        ),
    ],
    ids=str,
)
def test_scopable_actions_with_star_fail(pack, actions, flagged) -> None:
    found = violations(pack, CASE, [policy(allow(actions))], {})
    assert len(found) == 1
    assert found[0].message.endswith(flagged) or f"{flagged}," in found[0].message
    assert "kms:CreateKey" not in found[0].message
    assert "iam:ListOpenIDConnectProviders" not in found[0].message


@pytest.mark.parametrize(
    "statement",
    [
        allow("s3:GetObject", "arn:aws:s3:::models/*"),
        allow(["kms:Decrypt", "kms:GenerateDataKey"], "arn:aws:kms:us-east-1:1:key/abc"),
        # Deny statements never widen access.
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    ],
    ids=str,
)
def test_scoped_or_deny_statements_pass(pack, statement) -> None:
    assert violations(pack, CASE, [policy(statement)], {}) == []


def test_star_among_other_resources_is_still_star(pack) -> None:
    found = violations(pack, CASE, [policy(allow("s3:PutObject", ["arn:aws:s3:::models/*", "*"]))], {})
    assert [v.message for v in found] == ["Resource '*' for action(s) that support scoping: s3:PutObject"]


def test_each_offending_statement_is_reported(pack) -> None:
    document = policy(allow("kms:CreateKey"), allow("s3:GetObject"), allow(["kms:ListKeys", "iam:GetRole"]))
    messages = sorted(v.message for v in violations(pack, CASE, [document], {}))
    assert messages == [
        "Resource '*' for action(s) that support scoping: iam:GetRole",
        "Resource '*' for action(s) that support scoping: s3:GetObject",
    ]
