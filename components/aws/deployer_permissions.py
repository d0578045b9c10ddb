"""What the CI deployer may do on AWS: for each resource type the program creates, the IAM actions its
create/read/update/delete needs, scoped to this stack's resources.

One table (TYPE_GRANTS: Pulumi type token -> grants); the deployer's policy is generated from it
(`statements`), and tests/unit/components/test_deployer_permissions.py fails for any type in a stack's
plan that has no row here. Explicit actions only (no `*`, no `service:*`).

Scoping, per what each service supports (AWS Service Authorization Reference,
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html,
pages list_amazons3, list_amazonelasticcontainerregistry, list_awsidentityandaccessmanagementiam,
list_awskeymanagementservice, list_amazonec2, list_amazonelastickubernetesservice,
list_amazoncloudwatch, list_amazoneventbridge, list_amazonsqs, list_amazonsns, list_awsbudgetservice
(CreateBudget/DeleteBudget -> budgets:ModifyBudget), list_awscertificatemanager, list_amazonroute53):
- by name `<project>-<stack>[-<cell>]-<block>[-*]` (NAME_BLOCKS) where the ARN carries the name (S3,
  ECR, IAM roles, EKS, CloudWatch alarms, EventBridge rules, SQS, SNS, budgets, KMS aliases);
- by the `managed-by=mlfleet` tag where ids are random (KMS keys, EC2 network resources, ACM
  certificates): `aws:ResourceTag` on existing resources, `aws:RequestTag` on create;
- `Resource: "*"` only for actions AWS does not scope to a resource (Describe*/List*, creating a KMS
  key or an ACM certificate request is tag-conditioned instead).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from components.aws.cluster_access import ACCESS_POLICIES
from components.aws.policy_documents import Statement
from components.errors import ComponentArgumentError

# Every physical name is `<prefix>-<block>[-...]` (`<prefix>` = `<project>-<stack>[-<cell>]`,
# components/context.py PlatformContext.name). A pattern `{kind}` below stands for `<prefix>-<block>`
# and `<prefix>-<block>-*` for each block naming that kind, never `<prefix>-*`: that let
# `mlfleet-staging-*` match `mlfleet-staging-global-use1-*`, another stack's resources in a shared
# account. `check_prefix` refuses a stack or cell name with a block name as a segment, so no other
# stack's names can start with `<prefix>-<block>-` (tests/unit/components/test_deployer_prefixes.py).
NAME_BLOCKS: dict[str, tuple[str, ...]] = {
    "bucket": ("models",),
    "repository": ("images",),
    "role": ("edge", "gpu", "id", "models"),
    "policy": ("id",),
    # The CI roles (`-id-deployer`, `-id-drift`): the only principals of the EKS access entries.
    "ci_role": ("id",),
    "alias": ("key", "models", "signing"),
    "cluster": ("gpu",),
    "alarm": ("lb",),
    "rule": ("gpu",),
    "queue": ("gpu",),
    "topic": ("lb",),
    "budget": ("budget",),
}
RESERVED_SEGMENTS: frozenset[str] = frozenset(b for blocks in NAME_BLOCKS.values() for b in blocks)


def check_prefix(prefix: str) -> None:
    """Refuse a `<project>-<stack>[-<cell>]` with a block name as a segment: another stack's patterns
    (`<its prefix>-<block>-*`) could then match this stack's resources, or the reverse."""
    clash = sorted(set(prefix.split("-")) & RESERVED_SEGMENTS)
    if clash:
        raise ComponentArgumentError(
            "AwsIdentities",
            "stack/cell name",
            f"'{prefix}' has the segment(s) {', '.join(clash)}, block names the CI policies scope by"
            " (components/aws/deployer_permissions.py NAME_BLOCKS)",
            "rename the stack or cell",
        )


def expand(pattern: str, prefix: str) -> list[str]:
    """`pattern` with each `{kind}` replaced by the stack's own names of that kind (every combination)."""
    kinds = re.findall(r"\{(\w+)\}", pattern)
    out = [pattern]
    for kind in dict.fromkeys(kinds):
        names = [f"{prefix}-{block}{tail}" for block in NAME_BLOCKS[kind] for tail in ("", "-*")]
        out = [p.replace("{" + kind + "}", name) for p in out for name in names]
    return out


# Resource ARN patterns (`{kind}`: see NAME_BLOCKS).
SCOPES: dict[str, tuple[str, ...]] = {
    "Buckets": ("arn:aws:s3:::{bucket}",),
    "Repositories": ("arn:aws:ecr:*:*:repository/{repository}",),
    "Roles": ("arn:aws:iam::*:role/{role}",),
    # The deployer's and drift reader's own customer managed policies (see `policies`).
    "OwnPolicies": ("arn:aws:iam::*:policy/{policy}",),
    "OidcProviders": (
        "arn:aws:iam::*:oidc-provider/token.actions.githubusercontent.com",
        "arn:aws:iam::*:oidc-provider/oidc.eks.*.amazonaws.com/id/*",
    ),
    "KeyAliases": ("arn:aws:kms:*:*:alias/{alias}",),
    "TaggedKeys": ("arn:aws:kms:*:*:key/*",),
    "TaggedNetwork": (
        "arn:aws:ec2:*:*:vpc/*",
        "arn:aws:ec2:*:*:subnet/*",
        "arn:aws:ec2:*:*:internet-gateway/*",
        "arn:aws:ec2:*:*:natgateway/*",
        "arn:aws:ec2:*:*:elastic-ip/*",
        "arn:aws:ec2:*:*:route-table/*",
        "arn:aws:ec2:*:*:launch-template/*",
    ),
    "Clusters": (
        "arn:aws:eks:*:*:cluster/{cluster}",
        "arn:aws:eks:*:*:nodegroup/{cluster}/*/*",
        "arn:aws:eks:*:*:addon/{cluster}/*/*",
        "arn:aws:eks:*:*:podidentityassociation/{cluster}/*",
        # access-entry/<cluster>/<identity type>/<account>/<identity name>/<uuid>: entries of the
        # stack's clusters for the stack's own roles only.
        "arn:aws:eks:*:*:access-entry/{cluster}/role/*/{ci_role}/*",
    ),
    # Creating an access entry is an action on the cluster itself (only that ARN: the policy stays
    # under the inline size limit).
    "ClusterArn": ("arn:aws:eks:*:*:cluster/{cluster}",),
    "Entries": ("arn:aws:eks:*:*:access-entry/{cluster}/role/*/{ci_role}/*",),
    "Alarms": ("arn:aws:cloudwatch:*:*:alarm:{alarm}",),
    "EventRules": ("arn:aws:events:*:*:rule/{rule}",),
    "Queues": ("arn:aws:sqs:*:*:{queue}",),
    "Topics": ("arn:aws:sns:*:*:{topic}",),
    "Budgets": ("arn:aws:budgets::*:budget/{budget}",),
    "TaggedCertificates": ("arn:aws:acm:*:*:certificate/*",),
    # Record names are not in the ARN; the zone id comes from mlfleet:dns.zoneId (see docs/delivery.md).
    "HostedZones": ("arn:aws:route53:::hostedzone/*", "arn:aws:route53:::change/*"),
    # The front door's health checks (their ids are random, so: every health check of the account).
    "HealthChecks": ("arn:aws:route53:::healthcheck/*",),
    "Unscopable": ("*",),
}

# Conditions a grant may carry, by name (a statement is one scope + one condition).
CONDITIONS: dict[str, dict[str, dict[str, str | list[str]]]] = {
    "": {},
    # Existing resources: only those carrying the tag every mlfleet resource has.
    "Tagged": {"StringEquals": {"aws:ResourceTag/managed-by": "mlfleet"}},
    # Creates: only when the request tags the new resource managed-by=mlfleet.
    "OnCreate": {"StringEquals": {"aws:RequestTag/managed-by": "mlfleet"}},
}
# The AWS managed policies the program attaches to roles (a test fails when a plan attaches another).
ATTACHABLE_POLICIES: tuple[str, ...] = (
    "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
)
CONDITIONS["ManagedPolicies"] = {"ArnEquals": {"iam:PolicyARN": list(ATTACHABLE_POLICIES)}}
# ... and the stack's own customer managed policies (the deployer's and drift reader's), never
# another stack's or AdministratorAccess (a second statement: conditions in one statement are ANDed).
CONDITIONS["OwnPolicyArns"] = {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::*:policy/{policy}"}}
# EKS access entries: created only for the stack's own roles (eks:principalArn; `{ci_role}` is filled
# in per stack), associated only with the two access policies the program uses (in any access
# scope: a namespace scope is narrower than the program's cluster scope).
CONDITIONS["OwnRoles"] = {"ArnLike": {"eks:principalArn": "arn:aws:iam::*:role/{ci_role}"}}
CONDITIONS["EksPolicies"] = {"StringEquals": {"eks:policyArn": list(ACCESS_POLICIES)}}


def condition(name: str, prefix: str) -> dict[str, dict[str, str | list[str]]]:
    """The condition block `name` for the stack `prefix` (a `{kind}` value becomes the list of its
    names: a condition key with several values matches any of them)."""
    return {
        operator: {
            key: (expand(value, prefix) if isinstance(value, str) and "{" in value else value)
            for key, value in keys.items()
        }
        for operator, keys in CONDITIONS[name].items()
    }


@dataclass(frozen=True)
class Grant:
    """Actions allowed on one scope (SCOPES key) under one condition (CONDITIONS key)."""

    scope: str
    actions: tuple[str, ...]
    condition: str = ""


def _s3(*extra: str) -> tuple[Grant, ...]:
    """S3 bucket sub-resources: the bucket's read actions (refresh) plus the sub-resource's put/delete."""
    return (Grant("Buckets", ("s3:GetBucketLocation", "s3:ListBucket", *extra)),)


EC2_READ = Grant(
    "Unscopable",
    (
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeSubnets",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeNatGateways",
        "ec2:DescribeAddresses",
        "ec2:DescribeAddressesAttribute",
        "ec2:DescribeRouteTables",
        "ec2:DescribeLaunchTemplates",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:DescribeAvailabilityZones",
    ),
)
EC2_CREATES: tuple[str, ...] = (
    "ec2:AllocateAddress",
    "ec2:CreateInternetGateway",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateNatGateway",
    "ec2:CreateRouteTable",
    "ec2:CreateSubnet",
    "ec2:CreateVpc",
)
# Tagging an untagged EC2 resource is allowed only inside one of these creates (ec2:CreateAction),
# so the deployer cannot adopt a foreign VPC by tagging it managed-by=mlfleet.
CONDITIONS["TagOnCreate"] = {"StringEquals": {"ec2:CreateAction": [a.split(":")[1] for a in EC2_CREATES]}}


def _ec2(create: str, *manage: str) -> tuple[Grant, ...]:
    """An EC2 network type: created only tagged managed-by=mlfleet, then managed only while tagged."""
    return (
        EC2_READ,
        Grant("TaggedNetwork", ("ec2:CreateTags",), condition="TagOnCreate"),
        Grant("TaggedNetwork", (create,), condition="OnCreate" if create in EC2_CREATES else "Tagged"),
        Grant("TaggedNetwork", (*manage, "ec2:CreateTags", "ec2:DeleteTags"), condition="Tagged"),
    )


CLUSTER_READ = Grant("Clusters", ("eks:DescribeCluster", "eks:ListTagsForResource"))

# Pulumi type token -> what managing it needs. Keep sorted by token.
TYPE_GRANTS: dict[str, tuple[Grant, ...]] = {
    "aws:acm/certificate:Certificate": (
        Grant(
            "TaggedCertificates", ("acm:RequestCertificate", "acm:AddTagsToCertificate"), condition="OnCreate"
        ),
        Grant(
            "TaggedCertificates",
            (
                "acm:DescribeCertificate",
                "acm:ListTagsForCertificate",
                "acm:AddTagsToCertificate",
                "acm:RemoveTagsFromCertificate",
                "acm:DeleteCertificate",
            ),
            condition="Tagged",
        ),
    ),
    # Waits for validation: reads the certificate only.
    "aws:acm/certificateValidation:CertificateValidation": (
        Grant("TaggedCertificates", ("acm:DescribeCertificate",), condition="Tagged"),
    ),
    "aws:budgets/budget:Budget": (
        Grant(
            "Budgets",
            (
                "budgets:ModifyBudget",
                "budgets:ViewBudget",
                "budgets:TagResource",
                "budgets:UntagResource",
                "budgets:ListTagsForResource",
            ),
        ),
    ),
    "aws:cloudwatch/eventRule:EventRule": (
        Grant(
            "EventRules",
            (
                "events:PutRule",
                "events:DescribeRule",
                "events:DeleteRule",
                "events:TagResource",
                "events:UntagResource",
                "events:ListTagsForResource",
                "events:ListTargetsByRule",
            ),
        ),
    ),
    "aws:cloudwatch/eventTarget:EventTarget": (
        Grant("EventRules", ("events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule")),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        Grant(
            "Alarms",
            (
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ),
        ),
    ),
    "aws:ec2/eip:Eip": _ec2("ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress"),
    "aws:ec2/internetGateway:InternetGateway": _ec2(
        "ec2:CreateInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:DetachInternetGateway",
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": _ec2(
        "ec2:CreateLaunchTemplate",
        "ec2:CreateLaunchTemplateVersion",
        "ec2:ModifyLaunchTemplate",
        "ec2:DeleteLaunchTemplate",
    ),
    "aws:ec2/natGateway:NatGateway": _ec2("ec2:CreateNatGateway", "ec2:DeleteNatGateway"),
    "aws:ec2/routeTable:RouteTable": _ec2(
        "ec2:CreateRouteTable",
        "ec2:DeleteRouteTable",
        "ec2:CreateRoute",
        "ec2:ReplaceRoute",
        "ec2:DeleteRoute",
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _ec2(
        "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation"
    ),
    "aws:ec2/subnet:Subnet": _ec2("ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute"),
    "aws:ec2/vpc:Vpc": _ec2("ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute"),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": (
        Grant(
            "Repositories",
            ("ecr:PutLifecyclePolicy", "ecr:GetLifecyclePolicy", "ecr:DeleteLifecyclePolicy"),
        ),
    ),
    "aws:ecr/repository:Repository": (
        Grant(
            "Repositories",
            (
                "ecr:CreateRepository",
                "ecr:DescribeRepositories",
                "ecr:DeleteRepository",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:ListTagsForResource",
            ),
        ),
        # `mlfleet images push` (components/image_push.py) pushes the app images into these
        # repositories. Source: Amazon ECR User Guide, "IAM permissions for pushing an image to an
        # Amazon ECR private repository" (image-push-iam.html): these six on the repository ARN,
        # GetAuthorizationToken on "*" (it is not resource-scoped).
        Grant(
            "Repositories",
            (
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:BatchGetImage",
            ),
        ),
        Grant("Unscopable", ("ecr:GetAuthorizationToken",)),
    ),
    # Source: the Service Authorization Reference, list_amazonelastickubernetesservice (CreateAccessEntry
    # on the cluster, condition key eks:principalArn; the other access-entry actions on the
    # access-entry ARN; AssociateAccessPolicy/DisassociateAccessPolicy with eks:policyArn and
    # eks:accessScope).
    "aws:eks/accessEntry:AccessEntry": (
        CLUSTER_READ,
        Grant("ClusterArn", ("eks:CreateAccessEntry",), condition="OwnRoles"),
        Grant(
            "Clusters",
            (
                "eks:DescribeAccessEntry",
                "eks:UpdateAccessEntry",
                "eks:DeleteAccessEntry",
                "eks:TagResource",
                "eks:UntagResource",
            ),
        ),
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": (
        Grant("Clusters", ("eks:ListAssociatedAccessPolicies",)),
        Grant(
            "Entries",
            ("eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy"),
            condition="EksPolicies",
        ),
    ),
    "aws:eks/addon:Addon": (
        CLUSTER_READ,
        Grant(
            "Clusters",
            (
                "eks:CreateAddon",
                "eks:DescribeAddon",
                "eks:UpdateAddon",
                "eks:DeleteAddon",
                "eks:TagResource",
                "eks:UntagResource",
            ),
        ),
    ),
    # The cluster and node group roles are passed to EKS (iam:PassRole on Roles, below).
    "aws:eks/cluster:Cluster": (
        CLUSTER_READ,
        Grant(
            "Clusters",
            (
                "eks:CreateCluster",
                "eks:UpdateClusterConfig",
                "eks:UpdateClusterVersion",
                "eks:DeleteCluster",
                "eks:DescribeUpdate",
                "eks:TagResource",
                "eks:UntagResource",
            ),
        ),
        Grant("Roles", ("iam:PassRole", "iam:GetRole")),
        EC2_READ,
    ),
    "aws:eks/nodeGroup:NodeGroup": (
        CLUSTER_READ,
        Grant(
            "Clusters",
            (
                "eks:CreateNodegroup",
                "eks:DescribeNodegroup",
                "eks:UpdateNodegroupConfig",
                "eks:UpdateNodegroupVersion",
                "eks:DeleteNodegroup",
                "eks:DescribeUpdate",
                "eks:TagResource",
                "eks:UntagResource",
            ),
        ),
        Grant("Roles", ("iam:PassRole", "iam:GetRole")),
        # EKS launches the nodes with its service-linked role; the caller only needs to read the
        # launch template version (ec2:DescribeLaunchTemplateVersions, in EC2_READ).
        EC2_READ,
    ),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": (
        Grant(
            "Clusters",
            (
                "eks:CreatePodIdentityAssociation",
                "eks:DescribePodIdentityAssociation",
                "eks:UpdatePodIdentityAssociation",
                "eks:DeletePodIdentityAssociation",
                "eks:TagResource",
                "eks:UntagResource",
            ),
        ),
        Grant("Roles", ("iam:PassRole", "iam:GetRole")),
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (
        Grant(
            "OidcProviders",
            (
                "iam:CreateOpenIDConnectProvider",
                "iam:GetOpenIDConnectProvider",
                "iam:UpdateOpenIDConnectProviderThumbprint",
                "iam:AddClientIDToOpenIDConnectProvider",
                "iam:RemoveClientIDFromOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
                "iam:UntagOpenIDConnectProvider",
            ),
        ),
    ),
    # The deployer updates its own managed policies on every `pulumi up`. IAM keeps at most 5
    # versions per policy; the provider deletes the oldest non-default version before creating a
    # sixth, and every non-default version before deleting the policy (terraform-provider-aws
    # internal/service/iam/policy.go, resourcePolicyUpdate -> policyPruneVersions,
    # resourcePolicyDelete), hence DeletePolicyVersion/ListPolicyVersions.
    "aws:iam/policy:Policy": (
        Grant(
            "OwnPolicies",
            (
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicyVersion",
                "iam:DeletePolicy",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListPolicyVersions",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ),
        ),
    ),
    "aws:iam/role:Role": (
        Grant(
            "Roles",
            (
                "iam:CreateRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:DeleteRole",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ),
        ),
    ),
    "aws:iam/rolePolicy:RolePolicy": (
        Grant("Roles", ("iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy")),
    ),
    # Only the AWS managed policies the program attaches (EKS cluster/node roles), never e.g.
    # AdministratorAccess (iam:PolicyARN condition key, list_awsidentityandaccessmanagementiam).
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        Grant("Roles", ("iam:AttachRolePolicy", "iam:DetachRolePolicy"), condition="ManagedPolicies"),
        Grant("Roles", ("iam:AttachRolePolicy", "iam:DetachRolePolicy"), condition="OwnPolicyArns"),
        Grant("Roles", ("iam:ListAttachedRolePolicies",)),
    ),
    "aws:kms/alias:Alias": (
        Grant("KeyAliases", ("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias")),
        # Creating/deleting an alias is authorized on the alias AND on its key.
        Grant("TaggedKeys", ("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"), condition="Tagged"),
        Grant("Unscopable", ("kms:ListAliases",)),
    ),
    "aws:kms/key:Key": (
        # CreateKey has no resource ARN; tagging on create is authorized on the new key's ARN.
        Grant("Unscopable", ("kms:CreateKey",), condition="OnCreate"),
        Grant("TaggedKeys", ("kms:TagResource",), condition="OnCreate"),
        Grant(
            "TaggedKeys",
            (
                "kms:DescribeKey",
                "kms:GetKeyPolicy",
                "kms:PutKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:EnableKeyRotation",
                "kms:DisableKeyRotation",
                "kms:GetPublicKey",
                "kms:UpdateKeyDescription",
                "kms:ListResourceTags",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:ScheduleKeyDeletion",
            ),
            condition="Tagged",
        ),
    ),
    # Scoped to health check ARNs. NOT verified against list_amazonroute53 (not found by search here):
    # if CreateHealthCheck has no resource type there, it needs `*` (and test_deployer_grants_are_scoped
    # its allowlist entry).
    "aws:route53/healthCheck:HealthCheck": (
        Grant(
            "HealthChecks",
            (
                "route53:CreateHealthCheck",
                "route53:GetHealthCheck",
                "route53:UpdateHealthCheck",
                "route53:DeleteHealthCheck",
                "route53:ChangeTagsForResource",
                "route53:ListTagsForResource",
            ),
        ),
    ),
    "aws:route53/record:Record": (
        Grant(
            "HostedZones",
            (
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:GetHostedZone",
                "route53:GetChange",
            ),
        ),
    ),
    "aws:s3/bucket:Bucket": (
        Grant(
            "Buckets",
            (
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetBucketTagging",
                "s3:PutBucketTagging",
                # What the provider reads on refresh (pulumi-aws reads every bucket sub-resource).
                "s3:GetBucketAcl",
                "s3:GetBucketCORS",
                "s3:GetBucketWebsite",
                "s3:GetBucketObjectLockConfiguration",
                "s3:GetBucketRequestPayment",
                "s3:GetAccelerateConfiguration",
                "s3:GetBucketPolicy",
                "s3:GetBucketVersioning",
                "s3:GetBucketLogging",
                "s3:GetLifecycleConfiguration",
                "s3:GetReplicationConfiguration",
                "s3:GetEncryptionConfiguration",
            ),
        ),
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _s3(
        "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"
    ),
    "aws:s3/bucketLogging:BucketLogging": _s3("s3:GetBucketLogging", "s3:PutBucketLogging"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _s3(
        "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _s3(
        "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _s3(
        "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"
    ),
    # Replication passes the replication role to S3.
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": (
        *_s3("s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration"),
        Grant("Roles", ("iam:PassRole",)),
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _s3(
        "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _s3("s3:GetBucketVersioning", "s3:PutBucketVersioning"),
    "aws:sns/topic:Topic": (
        Grant(
            "Topics",
            (
                "sns:CreateTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:DeleteTopic",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
            ),
        ),
    ),
    "aws:sns/topicSubscription:TopicSubscription": (
        Grant(
            "Topics",
            (
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:GetSubscriptionAttributes",
                "sns:SetSubscriptionAttributes",
                "sns:ListSubscriptionsByTopic",
            ),
        ),
    ),
    "aws:sqs/queue:Queue": (
        Grant(
            "Queues",
            (
                "sqs:CreateQueue",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:DeleteQueue",
                "sqs:TagQueue",
                "sqs:UntagQueue",
                "sqs:ListQueueTags",
            ),
        ),
    ),
    "aws:sqs/queuePolicy:QueuePolicy": (
        Grant("Queues", ("sqs:SetQueueAttributes", "sqs:GetQueueAttributes")),
    ),
}

# Kubernetes objects are authorized by the cluster (EKS access entry -> cluster RBAC); on AWS the
# deployer needs only to find the cluster's endpoint. See docs/delivery.md "Cluster access".
CLUSTER_ACCESS: tuple[Grant, ...] = (CLUSTER_READ,)

# Always needed: the Pulumi AWS provider calls GetCallerIdentity when it configures itself.
BASELINE: tuple[Grant, ...] = (Grant("Unscopable", ("sts:GetCallerIdentity",)),)


def grants_for(types: Iterable[str]) -> tuple[Grant, ...]:
    """The grants managing `types` needs (types without a row are ignored: the test names them)."""
    out: list[Grant] = list(BASELINE)
    for token in sorted(set(types)):
        if token.startswith("kubernetes:"):
            out += CLUSTER_ACCESS
        out += TYPE_GRANTS.get(token, ())
    return tuple(out)


# What `pulumi refresh`/`preview --refresh` needs: the read actions of the same grants.
READ_VERBS: tuple[str, ...] = ("Get", "Describe", "List", "View")


def is_read(action: str) -> bool:
    return action.split(":", 1)[1].startswith(READ_VERBS)


def resources(scope: str, prefix: str) -> list[str]:
    """The ARN patterns of `scope` for the stack `prefix`."""
    return [arn for pattern in SCOPES[scope] for arn in expand(pattern, prefix)]


def statements(prefix: str, types: Iterable[str] | None = None, read_only: bool = False) -> list[Statement]:
    """Deployer statements for `types` (default: every type in the table) on the stack's resources;
    with `read_only`, only their read actions (the drift reader).

    Grants on the same scope with the same condition merge into one statement (sorted actions): the
    fewer statements, the fewer characters (`policies` splits them into managed policies)."""
    merged: dict[tuple[str, str], set[str]] = {}
    for grant in grants_for(TYPE_GRANTS if types is None else types):
        kept = [a for a in grant.actions if is_read(a)] if read_only else grant.actions
        if kept:
            merged.setdefault((grant.scope, grant.condition), set()).update(kept)
    out: list[Statement] = []
    for (scope, condition_name), actions in sorted(merged.items()):
        statement: Statement = {
            "Sid": scope + condition_name,
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": resources(scope, prefix),
        }
        if condition_name:
            statement["Condition"] = condition(condition_name, prefix)
        out.append(statement)
    return out


# IAM quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html; AWS
# knowledge center "iam-increase-policy-size": managed policy 6,144 characters, whitespace not
# counted; 10 managed policies per role by default, 20 with a quota increase).
MANAGED_POLICY_SIZE = 6_144
MANAGED_POLICIES_PER_ROLE = 10
# The longest `<project>-<stack>[-<cell>]` of the stacks: the whole table for it sizes the layout.
LONGEST_PREFIX = "mlfleet-staging-global-use1"
# One managed policy per service group (by action prefix): a PR adding actions to one service
# changes that group's policy only. A group outgrowing the size limit gets a second slot
# (`<group>-2`, filled in table order) and the stack one more Policy + attachment per role.
SERVICE_GROUPS: dict[str, tuple[str, ...]] = {
    "identity": ("iam", "kms", "sts"),
    "compute": ("ec2", "eks"),
    "services": ("acm", "budgets", "cloudwatch", "ecr", "events", "route53", "s3", "sns", "sqs"),
}
SERVICE_GROUP = {service: group for group, services in SERVICE_GROUPS.items() for service in services}


def size(statements: list[Statement]) -> int:
    """The document's size as IAM counts it (no whitespace)."""
    return len(json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":")))


def _by_group(statements: list[Statement]) -> dict[str, list[Statement]]:
    """Each statement's actions split by service group (same Sid, scope and condition)."""
    out: dict[str, list[Statement]] = {group: [] for group in SERVICE_GROUPS}
    for statement in statements:
        for group in SERVICE_GROUPS:
            actions = [a for a in statement["Action"] if SERVICE_GROUP[a.split(":")[0]] == group]
            if actions:
                out[group].append({**statement, "Action": actions})
    return out


def pack(statements: list[Statement], limit: int = MANAGED_POLICY_SIZE) -> list[list[Statement]]:
    """`statements` in order, as few documents under `limit` as whole statements allow; a statement
    too big alone is split by its action list."""
    chunks: list[list[Statement]] = [[]]
    for statement in statements:
        if size([*chunks[-1], statement]) < limit:
            chunks[-1].append(statement)
            continue
        if chunks[-1]:
            chunks.append([])
        part: Statement = {**statement, "Action": []}
        for action in statement["Action"]:
            grown: Statement = {**part, "Action": [*part["Action"], action]}
            if size([*chunks[-1], grown]) >= limit:
                if not part["Action"]:
                    raise ValueError(f"statement {statement['Sid']} alone exceeds {limit} characters")
                chunks[-1].append(part)
                chunks.append([])
                grown = {**part, "Action": [action]}
            part = grown
        chunks[-1].append(part)
    return [chunk for chunk in chunks if chunk] or [[]]


def _layout() -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Slot name -> the (Sid, actions) it holds, from the whole table for LONGEST_PREFIX: fixed per
    table, so every stack has the same policies (a stack's statements are subsets of these)."""
    slots: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for group, group_statements in _by_group(statements(LONGEST_PREFIX)).items():
        for index, chunk in enumerate(pack(group_statements)):
            name = group if index == 0 else f"{group}-{index + 1}"
            slots[name] = [(s["Sid"], frozenset(s["Action"])) for s in chunk]
    return slots


# The slot names (one managed policy each per CI role): fixed when the program registers resources.
SLOTS: tuple[str, ...] = tuple(_layout())


def policies(prefix: str, types: Iterable[str] | None = None, read_only: bool = False) -> dict[str, str]:
    """Slot name -> managed policy document (plain JSON) of `statements`, split as SLOTS says. A slot
    this stack has nothing for holds the baseline (sts:GetCallerIdentity): IAM rejects an empty one."""
    mine = statements(prefix, types, read_only)
    out: dict[str, str] = {}
    for slot, held in _layout().items():
        chunk: list[Statement] = []
        for sid, actions in held:
            for statement in mine:
                kept = [a for a in statement["Action"] if a in actions]
                if statement["Sid"] == sid and kept:
                    chunk.append({**statement, "Action": kept})
        if not chunk:
            chunk = statements(prefix, (), read_only)  # BASELINE only
        out[slot] = json.dumps({"Version": "2012-10-17", "Statement": chunk})
    return out
