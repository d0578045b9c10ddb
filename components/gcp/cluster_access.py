"""GKE in-cluster access for the stack's CI identities, by IAM: GKE authorizes a Kubernetes API call
when either IAM or Kubernetes RBAC allows it (https://cloud.google.com/kubernetes-engine/docs/how-to/iam,
"IAM permissions work alongside Kubernetes RBAC"), and the predefined GKE roles carry the in-cluster
permissions (https://cloud.google.com/iam/docs/roles-permissions/container):
- roles/container.admin: "full management of clusters and their Kubernetes API objects" (`container.*`),
  for the deployer: Helm releases install CRDs, ClusterRoles and Namespaces, which
  roles/container.developer does not cover (no RBAC or CRD writes).
- roles/container.viewer: "read-only access to resources within GKE clusters", for the drift reader;
  the Secrets `pulumi refresh` reads (Helm release records) come from its custom role
  (components/gcp/deployer_permissions.py CLUSTER_ACCESS reads).

Why IAM and not a ClusterRoleBinding to the service accounts' emails: a binding can only be written by
someone who already has cluster access, and it lives in the cluster its own Kubernetes provider
reaches, so `pulumi destroy` could remove it before the objects it authorizes. A project IAM grant is
ordered before the cluster's provider like the EKS access entries. Scope: the project (GCP roles on
a cluster are project-wide), which the stack owns (one project per environment), as for the custom
roles.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.target import CloudTarget
from components.training_cluster import ClusterOperators

ADMIN_ROLE = "roles/container.admin"
READ_ROLE = "roles/container.viewer"


def grant_cluster_access(
    name: str, operators: ClusterOperators, target: CloudTarget, parent: pulumi.Resource
) -> list[pulumi.Resource]:
    """The deployer's and drift reader's project roles for the Kubernetes API of the project's clusters."""
    return [
        gcp.projects.IAMMember(
            f"{name}-{role_name}",
            project=target.project or "",
            role=role,
            member=pulumi.Output.from_input(email).apply(lambda e: f"serviceAccount:{e}"),
            opts=target.opts(parent),
        )
        for role_name, email, role in (
            ("deployer", operators.admin, ADMIN_ROLE),
            ("drift", operators.reader, READ_ROLE),
        )
    ]
