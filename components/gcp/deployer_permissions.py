"""What the CI deployer may do on GCP: for each resource type the program creates, the IAM permissions
its create/read/update/delete needs. The deployer's project custom role is generated from this table
(`permissions`); tests/unit/components/test_deployer_permissions.py fails for any type in a stack's plan
without a row here.

Sources: the IAM permissions reference (https://cloud.google.com/iam/docs/permissions-reference) and,
per service, its API methods' "Authorization requires the following IAM permission" lines; GKE:
https://cloud.google.com/kubernetes-engine/docs/reference/api-permissions (node pool create/delete
need container.clusters.update; clusters.create needs iam.serviceAccounts.actAs on the node account).

Custom roles are project-wide: GCP custom roles cannot be scoped by name prefix. What keeps the
deployer to this stack's resources is that the stack owns its project (one project per environment).
"""

from __future__ import annotations

from collections.abc import Iterable

from components.deployer_grants import union

PROJECT = ("resourcemanager.projects.get",)
CRUD = ("create", "get", "update", "delete")


def _crud(collection: str, *extra: str) -> tuple[str, ...]:
    return tuple(f"{collection}.{verb}" for verb in CRUD) + extra


TYPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Plus pushing the app images (`mlfleet images push`, components/image_push.py): the docker-push
    # part of roles/artifactregistry.writer (Google IAM roles and permissions, artifactregistry page).
    "gcp:artifactregistry/repository:Repository": _crud(
        "artifactregistry.repositories",
        "artifactregistry.repositories.uploadArtifacts",
        "artifactregistry.repositories.downloadArtifacts",
        "artifactregistry.tags.create",
        "artifactregistry.tags.update",
    ),
    "gcp:compute/network:Network": _crud(
        "compute.networks", "compute.networks.updatePolicy", "compute.globalOperations.get"
    ),
    "gcp:compute/subnetwork:Subnetwork": _crud(
        "compute.subnetworks", "compute.subnetworks.use", "compute.regionOperations.get"
    ),
    "gcp:container/cluster:Cluster": _crud(
        "container.clusters",
        "container.operations.get",
        "iam.serviceAccounts.actAs",
        "compute.networks.get",
        "compute.subnetworks.get",
        "compute.subnetworks.use",
    ),
    "gcp:container/nodePool:NodePool": (
        "container.clusters.get",
        "container.clusters.update",
        "container.operations.get",
        "iam.serviceAccounts.actAs",
    ),
    "gcp:dns/dnsManagedZoneIamMember:DnsManagedZoneIamMember": (
        "dns.managedZones.get",
        "dns.managedZones.getIamPolicy",
        "dns.managedZones.setIamPolicy",
    ),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": _crud(
        "iam.workloadIdentityPools", "iam.workloadIdentityPools.undelete"
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": _crud(
        "iam.workloadIdentityPoolProviders", "iam.workloadIdentityPoolProviders.undelete"
    ),
    # KMS keys are never deleted, only their versions destroyed (what `pulumi destroy` does).
    "gcp:kms/cryptoKey:CryptoKey": (
        "cloudkms.cryptoKeys.create",
        "cloudkms.cryptoKeys.get",
        "cloudkms.cryptoKeys.update",
        "cloudkms.cryptoKeyVersions.list",
        "cloudkms.cryptoKeyVersions.destroy",
        "cloudkms.cryptoKeyVersions.viewPublicKey",
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": (
        "cloudkms.cryptoKeys.getIamPolicy",
        "cloudkms.cryptoKeys.setIamPolicy",
    ),
    "gcp:kms/keyRing:KeyRing": ("cloudkms.keyRings.create", "cloudkms.keyRings.get"),
    "gcp:monitoring/alertPolicy:AlertPolicy": _crud("monitoring.alertPolicies"),
    "gcp:monitoring/notificationChannel:NotificationChannel": _crud("monitoring.notificationChannels"),
    "gcp:projects/iAMCustomRole:IAMCustomRole": _crud("iam.roles", "iam.roles.undelete"),
    "gcp:projects/iAMMember:IAMMember": (
        "resourcemanager.projects.getIamPolicy",
        "resourcemanager.projects.setIamPolicy",
    ),
    "gcp:projects/service:Service": (
        "serviceusage.services.enable",
        "serviceusage.services.get",
        "serviceusage.services.list",
        "serviceusage.services.disable",
    ),
    # A budget's webhook topic (mlfleet:monitoring.receivers with an https webhook): attaching a topic
    # to a budget needs pubsub.topics.setIamPolicy on it from the caller (googleapis
    # google/cloud/billing/budgets/v1 NotificationsRule.pubsub_topic), which grants the billing
    # service its publish right.
    "gcp:pubsub/topic:Topic": _crud(
        "pubsub.topics", "pubsub.topics.getIamPolicy", "pubsub.topics.setIamPolicy"
    ),
    "gcp:pubsub/subscription:Subscription": _crud("pubsub.subscriptions", "pubsub.topics.attachSubscription"),
    "gcp:serviceaccount/account:Account": _crud("iam.serviceAccounts"),
    "gcp:serviceaccount/iAMMember:IAMMember": (
        "iam.serviceAccounts.getIamPolicy",
        "iam.serviceAccounts.setIamPolicy",
    ),
    "gcp:storage/bucket:Bucket": _crud("storage.buckets"),
    "gcp:storage/bucketIAMMember:BucketIAMMember": (
        "storage.buckets.getIamPolicy",
        "storage.buckets.setIamPolicy",
    ),
}

# Types a project role cannot grant: billing budgets live on the billing account, and billing
# permissions cannot be put in a project custom role. The bootstrap admin grants them once
# (docs/delivery.md "Bootstrap"); the value says what to grant.
OUTSIDE_PROJECT: dict[str, str] = {
    "gcp:billing/budget:Budget": (
        "roles/billing.costsManager on the billing account (mlfleet:budget.gcpBillingAccount)"
    ),
}

# Kubernetes objects: the deployer reaches the cluster with its IAM identity (getting credentials
# needs the first two); inside the cluster it holds roles/container.admin and the drift reader
# roles/container.viewer (components/gcp/cluster_access.py). The drift reader's refresh also reads
# Secrets (Helm release records), which it gets here, as reads of this row.
CLUSTER_ACCESS: tuple[str, ...] = (
    "container.clusters.get",
    "container.clusters.getCredentials",
    "container.secrets.get",
    "container.secrets.list",
)


# What `pulumi refresh`/`preview --refresh` needs (the drift reader): reads, IAM policy reads, and
# the cluster credentials to read Kubernetes objects.
READ_VERBS = frozenset({"get", "list", "getIamPolicy", "getCredentials", "viewPublicKey"})


def is_read(permission: str) -> bool:
    return permission.rsplit(".", 1)[1] in READ_VERBS


def permissions(types: Iterable[str] | None = None, read_only: bool = False) -> list[str]:
    """The custom role's permissions for `types` (default: every type in the table), sorted; with
    `read_only`, only the reads (the drift reader's role)."""
    return union(TYPE_PERMISSIONS, PROJECT, CLUSTER_ACCESS, types, is_read if read_only else None)
