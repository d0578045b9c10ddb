"""GCP Identities: one service account per workload bound to its Kubernetes service account with
GKE Workload Identity, bucket access scoped to the registry prefix by IAM conditions, and a GitHub
Actions deployer through Workload Identity Federation (pool + provider with an attribute condition)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components import deployer_types
from components.context import PlatformContext, compact_name
from components.gcp import deployer_permissions
from components.gcp.model_bucket import GcpModelBucket
from components.identities import (
    ALIAS_WRITER,
    DRIFT_ENVIRONMENT,
    GITHUB_ISSUER,
    GithubDeployer,
    IdentitiesArgs,
    ReleaseIdentity,
    WorkloadIdentity,
)
from components.model_bucket import RegistryLocation
from components.target import CloudTarget

SA_ANNOTATION = "iam.gke.io/gcp-service-account"
# Predefined object roles only: never basic (owner/editor/viewer) or admin roles.
READ_ROLE = "roles/storage.objectViewer"
WRITE_ROLE = "roles/storage.objectCreator"


def workload_account(
    name: str,
    account_id: str,
    display_name: str,
    namespace: str,
    service_account: str,
    target: CloudTarget,
    parent: pulumi.Resource,
) -> tuple[gcp.serviceaccount.Account, gcp.serviceaccount.IAMMember]:
    """A Google service account that exactly one Kubernetes service account may act as (Workload
    Identity: roles/iam.workloadIdentityUser for `<project>.svc.id.goog[<namespace>/<name>]`)."""
    account = gcp.serviceaccount.Account(
        name,
        account_id=account_id,
        display_name=display_name,
        project=target.project,
        opts=target.opts(parent),
    )
    binding = gcp.serviceaccount.IAMMember(
        f"{name}-wi",
        service_account_id=account.name,
        role="roles/iam.workloadIdentityUser",
        member=f"serviceAccount:{target.project}.svc.id.goog[{namespace}/{service_account}]",
        opts=target.opts(parent),
    )
    return account, binding


def pool_subject_account(
    name: str,
    display_name: str,
    pool_name: pulumi.Output[str],
    subject: str,
    target: CloudTarget,
    parent: pulumi.Resource,
) -> gcp.serviceaccount.Account:
    """A Google service account that exactly one identity of a workload identity pool may act as
    (roles/iam.workloadIdentityUser for `principal://.../<pool>/subject/<subject>`; the pool's
    provider maps google.subject from the token's `sub`): GitHub jobs, other clouds' pods."""
    account = gcp.serviceaccount.Account(
        name,
        account_id=compact_name(name, 30),
        display_name=display_name,
        project=target.project,
        opts=target.opts(parent),
    )
    gcp.serviceaccount.IAMMember(
        f"{name}-wif",
        service_account_id=account.name,
        role="roles/iam.workloadIdentityUser",
        member=pool_name.apply(lambda pool: f"principal://iam.googleapis.com/{pool}/subject/{subject}"),
        opts=target.opts(parent),
    )
    return account


def prefix_condition(
    bucket_name: pulumi.Input[str], prefix: str, title: str
) -> gcp.storage.BucketIAMMemberConditionArgs:
    """IAM condition: objects under the registry prefix (and the bucket itself, for listing)."""
    expression = pulumi.Output.from_input(bucket_name).apply(
        lambda b: (
            f'resource.name.startsWith("projects/_/buckets/{b}/objects/{prefix}/")'
            f' || resource.name == "projects/_/buckets/{b}"'
        )
    )
    return gcp.storage.BucketIAMMemberConditionArgs(title=title, expression=expression)


class GcpIdentities(pulumi.ComponentResource):
    workloads: dict[str, WorkloadIdentity]
    deployer: pulumi.Output[str] | None
    drift_reader: pulumi.Output[str] | None
    release: ReleaseIdentity | None

    def __init__(
        self,
        name: str,
        args: IdentitiesArgs,
        target: CloudTarget,
        context: PlatformContext,
        bucket: GcpModelBucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:gcp:Identities", name, None, opts)
        destinations = args.sync_destinations
        self.workloads = {}
        for workload in ("trainer", "serving", "registry-sync"):
            account, _ = workload_account(
                f"{name}-{workload}",
                compact_name(f"{name}-{workload}", 30),
                f"mlfleet {workload} ({args.namespace}/{workload})",
                args.namespace,
                workload,
                target,
                self,
            )
            self._grant_registry(f"{name}-{workload}", workload, account.email, bucket, destinations, target)
            self.workloads[workload] = WorkloadIdentity(
                workload, args.namespace, account.email, {SA_ANNOTATION: account.email}
            )
        self.deployer = self.drift_reader = self.release = None
        if args.github is not None:
            self.deployer, self.drift_reader = self._deployer(name, args.github, target, context)
            # model-release.yml's alias moves: the alias writer's bucket grants on the deployer.
            self._grant_registry(f"{name}-deployer", ALIAS_WRITER, self.deployer, bucket, (), target)
            self.release = ReleaseIdentity(self.deployer)
        outputs: dict[str, Any] = {w: i.principal for w, i in self.workloads.items()}
        self.register_outputs(
            {"workloads": outputs, "deployer": self.deployer, "driftReader": self.drift_reader}
        )

    def _grant_registry(
        self,
        name: str,
        workload: str,
        email: pulumi.Output[str],
        bucket: GcpModelBucket,
        destinations: Sequence[RegistryLocation],
        target: CloudTarget,
    ) -> None:
        """Object roles on the registry prefix only: trainer read+write, serving read, registry-sync
        read here and read+write on its destinations. No key grant: the bucket's CMEK is used by the
        Cloud Storage service agent, callers need only storage.objects.create/get (cloud.google.com
        storage/docs/encryption/using-customer-managed-keys, "Before you begin")."""
        member = email.apply(lambda e: f"serviceAccount:{e}")
        grants: list[tuple[pulumi.Input[str], str, str]] = [(bucket.bucket_name, bucket.prefix, READ_ROLE)]
        if workload == "trainer":
            grants.append((bucket.bucket_name, bucket.prefix, WRITE_ROLE))
        if workload == "registry-sync":
            grants += [(d.bucket, d.prefix, role) for d in destinations for role in (READ_ROLE, WRITE_ROLE)]
        for index, (granted, prefix, role) in enumerate(grants):
            gcp.storage.BucketIAMMember(
                f"{name}-{index}",
                bucket=granted,
                role=role,
                member=member,
                condition=prefix_condition(granted, prefix, f"{prefix}-prefix-only"),
                opts=target.opts(self),
            )

    def _deployer(
        self, name: str, github: GithubDeployer, target: CloudTarget, context: PlatformContext
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """Workload Identity Federation: the configured repo + branch/environment impersonates the
        deployer, the repo's `drift` environment the read-only drift reader; each account is bound to
        exactly one OIDC subject, so neither workflow can impersonate the other's account."""
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-github",
            workload_identity_pool_id=compact_name(f"{name}-github", 32),
            display_name="GitHub Actions",
            project=target.project,
            opts=target.opts(self),
        )
        if github.environment is not None:
            scope = f'assertion.environment == "{github.environment}"'
        else:
            scope = f'assertion.ref == "refs/heads/{github.branch}"'
        drift = f'assertion.environment == "{DRIFT_ENVIRONMENT}"'
        gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-github",
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id="github-actions",
            project=target.project,
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.ref": "assertion.ref",
                "attribute.environment": "assertion.environment",
            },
            attribute_condition=f'assertion.repository == "{github.repository}" && ({scope} || {drift})',
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=GITHUB_ISSUER),
            opts=target.opts(self),
        )
        deployer = self._github_account(
            f"{name}-deployer",
            f"mlfleet CI deployer ({github.subject})",
            f"mlfleet deployer ({context.prefix})",
            pool.name,
            github.subject,
            deployer_types.derived(deployer_permissions.permissions, "gcp:", "kubernetes:"),
            target,
        )
        reader = self._github_account(
            f"{name}-drift",
            f"mlfleet drift reader ({github.drift_subject})",
            f"mlfleet drift reader ({context.prefix})",
            pool.name,
            github.drift_subject,
            deployer_types.derived(
                lambda types: deployer_permissions.permissions(types, read_only=True), "gcp:", "kubernetes:"
            ),
            target,
        )
        return deployer, reader

    def _github_account(
        self,
        name: str,
        display_name: str,
        title: str,
        pool_name: pulumi.Output[str],
        subject: str,
        permissions: pulumi.Input[list[str]],
        target: CloudTarget,
    ) -> pulumi.Output[str]:
        """A service account only the GitHub OIDC subject `subject` impersonates, holding a project
        custom role with `permissions` (generated from components/gcp/deployer_permissions.py)."""
        account = pool_subject_account(name, display_name, pool_name, subject, target, self)
        role = gcp.projects.IAMCustomRole(
            name,
            role_id=compact_name(name, 64, alphanumeric=True),
            title=title,
            permissions=permissions,
            project=target.project,
            opts=target.opts(self),
        )
        gcp.projects.IAMMember(
            name,
            project=str(target.project),
            role=role.name,
            member=account.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=target.opts(self),
        )
        return account.email
