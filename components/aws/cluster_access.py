"""EKS access entries for the stack's CI identities: the deployer administers the cluster's Kubernetes
objects, the drift reader reads them (the cluster runs with authentication_mode="API", so access is
only by access entry; the IAM principal that created the cluster gets its own entry from EKS:
`bootstrap_cluster_creator_admin_permissions`, default true, pulumi-aws 7.x
`eks.ClusterAccessConfigArgs`, which is how the admin's first `pulumi up` reaches the cluster).

Access policies (https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html):
- AmazonEKSClusterAdminPolicy: `*` on every API group and resource, cluster-wide. The deployer needs
  it: Helm releases install CRDs, ClusterRoles/Bindings and Namespaces, and custom resources (Karpenter
  NodePools, cert-manager Issuers) can only be covered by wildcards. AmazonEKSAdminPolicy is meant for
  namespaces and lacks CRDs and cluster-scoped RBAC.
- AmazonEKSAdminViewPolicy: get/list/watch on `*`/`*`, Secrets included (AWS says so on that page).
  The drift reader needs it: `pulumi refresh` reads the Helm release Secrets and custom resources;
  AmazonEKSViewPolicy covers a fixed list of built-in API groups and no Secrets.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.context import PlatformContext
from components.target import CloudTarget
from components.training_cluster import ClusterOperators

POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/{}"
ADMIN_POLICY = POLICY_ARN.format("AmazonEKSClusterAdminPolicy")
READ_POLICY = POLICY_ARN.format("AmazonEKSAdminViewPolicy")
# The only access policies the deployer may associate (a test checks the plans use no other).
ACCESS_POLICIES: tuple[str, ...] = (ADMIN_POLICY, READ_POLICY)


def grant_cluster_access(
    name: str,
    cluster_name: pulumi.Input[str],
    operators: ClusterOperators,
    target: CloudTarget,
    context: PlatformContext,
    parent: pulumi.Resource,
) -> list[pulumi.Resource]:
    """One access entry per operator plus its cluster-wide policy association; returns the
    associations (what the cluster's Kubernetes provider waits for)."""
    out: list[pulumi.Resource] = []
    for role, principal, policy in (
        ("deployer", operators.admin, ADMIN_POLICY),
        ("drift", operators.reader, READ_POLICY),
    ):
        entry = aws.eks.AccessEntry(
            f"{name}-{role}",
            cluster_name=cluster_name,
            principal_arn=principal,
            type="STANDARD",
            tags=context.tags(),
            opts=target.opts(parent),
        )
        out.append(
            aws.eks.AccessPolicyAssociation(
                f"{name}-{role}",
                cluster_name=cluster_name,
                principal_arn=entry.principal_arn,
                policy_arn=policy,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=target.opts(parent),
            )
        )
    return out
