"""Battery for every AWS rule (aws/s3, kms, ecr, iam, eks, ec2)."""

import json

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import TAGS, Case, res

B = "aws:s3/bucket:Bucket"


def bucket(name: str = "b") -> dict:
    return res(B, {"bucket": name, "tags": TAGS}, name, {"arn": f"arn:aws:s3:::{name}"})


def doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ALL_ON = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
KMS_RULE = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:k"}}
TLS_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
OIDC = {"Effect": "Allow", "Principal": {"Federated": "arn:oidc"}, "Action": "sts:AssumeRoleWithWebIdentity"}
EKS = "aws:eks/cluster:Cluster"
GOOD_EKS = {
    "vpcConfig": {"endpointPublicAccess": False},
    "enabledClusterLogTypes": ["api", "audit", "authenticator"],
    "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:k"}},
}

CASES = [
    Case(
        "aws-s3-public-access-block",
        [res(PAB, {"bucket": "b", **ALL_ON})],
        [res(PAB, {"bucket": "b", "blockPublicAcls": True})],
        "blockPublicPolicy",
    ),
    Case(
        "aws-s3-no-public-acl",
        [res("aws:s3/bucketAcl:BucketAcl", {"bucket": "b", "acl": "private"})],
        [
            res(
                "aws:s3/bucketAcl:BucketAcl",
                {
                    "bucket": "b",
                    "accessControlPolicy": {
                        "owner": {"id": "o"},
                        "grants": [
                            {
                                "permission": "READ",
                                "grantee": {
                                    "type": "Group",
                                    "uri": "http://acs.amazonaws.com/groups/global/AllUsers",
                                },
                            }
                        ],
                    },
                },
            )
        ],
        "grants READ to AllUsers",
    ),
    Case(
        "aws-s3-kms-encryption",
        [bucket(), res(SSE, {"bucket": "b", "rules": [KMS_RULE]}, "sse")],
        [
            bucket(),
            res(
                SSE,
                {
                    "bucket": "b",
                    "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
                },
                "sse",
            ),
        ],
        "not encrypted with sseAlgorithm aws:kms",
    ),
    Case(
        "aws-s3-versioning",
        [
            res(
                "aws:s3/bucketVersioning:BucketVersioning",
                {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}},
            )
        ],
        [
            res(
                "aws:s3/bucketVersioning:BucketVersioning",
                {"bucket": "b", "versioningConfiguration": {"status": "Suspended"}},
            )
        ],
        "Suspended",
    ),
    Case(
        "aws-s3-access-logging",
        [
            bucket(),
            bucket("logs"),
            res("aws:s3/bucketLogging:BucketLogging", {"bucket": "b", "targetBucket": "logs"}, "lg"),
        ],
        [bucket()],
        "has no BucketLogging",
    ),
    Case(
        "aws-s3-tls-only",
        [bucket(), res("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b", "policy": doc(TLS_DENY)}, "bp")],
        [bucket()],
        "aws:SecureTransport",
    ),
    Case(
        "aws-kms-key-rotation",
        [
            res("aws:kms/key:Key", {"enableKeyRotation": True, "tags": TAGS}),
            # Asymmetric keys cannot rotate automatically (EnableKeyRotation): exempt.
            res(
                "aws:kms/key:Key",
                {"customerMasterKeySpec": "ECC_NIST_P256", "keyUsage": "SIGN_VERIFY", "tags": TAGS},
            ),
        ],
        [res("aws:kms/key:Key", {"tags": TAGS})],
        "enableKeyRotation",
    ),
    Case(
        "aws-ecr-immutable-tags",
        [res("aws:ecr/repository:Repository", {"imageTagMutability": "IMMUTABLE", "tags": TAGS})],
        [res("aws:ecr/repository:Repository", {"tags": TAGS})],
        "MUTABLE",
    ),
    Case(
        "aws-ecr-scan-on-push",
        [
            res(
                "aws:ecr/repository:Repository",
                {"imageScanningConfiguration": {"scanOnPush": True}, "tags": TAGS},
            )
        ],
        [res("aws:ecr/repository:Repository", {"tags": TAGS})],
        "scanOnPush",
    ),
    Case(
        "aws-ecr-private",
        [
            res(
                "aws:ecr/repositoryPolicy:RepositoryPolicy",
                {
                    "repository": "r",
                    "policy": doc(
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::1:root"},
                            "Action": "ecr:BatchGetImage",
                        }
                    ),
                },
            )
        ],
        [
            res(
                "aws:ecr/repositoryPolicy:RepositoryPolicy",
                {
                    "repository": "r",
                    "policy": doc({"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}),
                },
            )
        ],
        "Principal '*'",
    ),
    Case(
        "aws-iam-no-wildcard-actions",
        [
            res(
                "aws:iam/rolePolicy:RolePolicy",
                {
                    "role": "r",
                    "policy": doc(
                        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}
                    ),
                },
            )
        ],
        [
            res(
                "aws:iam/rolePolicy:RolePolicy",
                {
                    "role": "r",
                    "policy": doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}),
                },
            )
        ],
        "s3:*",
    ),
    Case(
        "aws-iam-no-wildcard-resources",
        [
            res(
                "aws:iam/policy:Policy",
                {
                    # The deployer's shape: actions AWS cannot scope may use "*" (documented allowlist).
                    "policy": doc(
                        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                        {
                            "Effect": "Allow",
                            "Action": ["kms:CreateKey", "iam:ListOpenIDConnectProviders", "ec2:Describe*"],
                            "Resource": "*",
                        },
                    ),
                    "tags": TAGS,
                },
            )
        ],
        [
            res(
                "aws:iam/policy:Policy",
                {
                    "policy": doc(
                        {"Effect": "Allow", "Action": ["kms:CreateKey", "s3:GetObject"], "Resource": "*"}
                    ),
                    "tags": TAGS,
                },
            )
        ],
        "s3:GetObject",
    ),
    Case(
        "aws-iam-no-admin-policies",
        [
            res(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"},
            )
        ],
        [
            res(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            )
        ],
        "AdministratorAccess",
    ),
    Case(
        "aws-iam-no-access-keys",
        [res("aws:iam/user:User", {"tags": TAGS})],
        [res("aws:iam/accessKey:AccessKey", {"user": "ci"})],
        "static IAM access key",
    ),
    Case(
        "aws-iam-oidc-trust-conditions",
        [
            res(
                "aws:iam/role:Role",
                {
                    "tags": TAGS,
                    "assumeRolePolicy": doc(
                        {
                            **OIDC,
                            "Condition": {
                                "StringEquals": {
                                    "oidc:sub": "repo:o/r:ref:refs/heads/main",
                                    "oidc:aud": "sts.amazonaws.com",
                                }
                            },
                        }
                    ),
                },
            )
        ],
        [
            res(
                "aws:iam/role:Role",
                {
                    "tags": TAGS,
                    "assumeRolePolicy": doc(
                        {**OIDC, "Condition": {"StringEquals": {"oidc:aud": "sts.amazonaws.com"}}}
                    ),
                },
            )
        ],
        "token's sub",
    ),
    Case(
        "aws-eks-private-endpoint",
        [res(EKS, {**GOOD_EKS, "tags": TAGS})],
        [res(EKS, {**GOOD_EKS, "vpcConfig": {"endpointPublicAccess": True}, "tags": TAGS})],
        "0.0.0.0/0",
    ),
    Case(
        "aws-eks-secrets-encryption",
        [res(EKS, {**GOOD_EKS, "tags": TAGS})],
        [res(EKS, {**GOOD_EKS, "encryptionConfig": None, "tags": TAGS})],
        "secrets",
    ),
    Case(
        "aws-eks-control-plane-logging",
        [res(EKS, {**GOOD_EKS, "tags": TAGS})],
        [res(EKS, {**GOOD_EKS, "enabledClusterLogTypes": ["api"], "tags": TAGS})],
        "audit, authenticator",
    ),
    Case(
        "aws-ec2-imdsv2",
        [
            res(
                "aws:ec2/launchTemplate:LaunchTemplate",
                {"metadataOptions": {"httpTokens": "required"}, "tags": TAGS},
            )
        ],
        [res("aws:ec2/launchTemplate:LaunchTemplate", {"tags": TAGS})],
        "optional",
    ),
    Case(
        "aws-ec2-no-public-ingress",
        [
            res(
                "aws:ec2/securityGroup:SecurityGroup",
                {
                    "tags": TAGS,
                    "ingress": [
                        {"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}
                    ],
                },
            )
        ],
        [
            res(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                {
                    "securityGroupId": "sg",
                    "fromPort": 22,
                    "toPort": 22,
                    "ipProtocol": "tcp",
                    "cidrIpv4": "0.0.0.0/0",
                    "tags": TAGS,
                },
            )
        ],
        "22-22",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
